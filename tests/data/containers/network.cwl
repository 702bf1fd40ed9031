cwlVersion: v1.2
class: CommandLineTool
id: network
doc: (busybox wget -T crashes, hence timeout.) Fetches `url` and says whether it got through; the network is open only when `allow` is true.
requirements:
  DockerRequirement:
    dockerPull: localhost/swath-test/busybox:1
  NetworkAccess:
    networkAccess: $(inputs.allow)
baseCommand: [sh, -c]
arguments:
  - 'timeout 5 wget -q -O - "$0" >/dev/null 2>&1 && echo reached || echo unreachable'
  - $(inputs.url)
stdout: answer.txt
inputs:
  url: string
  allow: boolean
outputs:
  answer:
    type: string
    outputBinding:
      glob: answer.txt
      loadContents: true
      outputEval: $(self[0].contents)
