cwlVersion: v1.2
class: CommandLineTool
id: reuse-container
label: Counts the bytes of a file in a container; its results may be reused
$namespaces:
  swath: https://swath.dev/cwl#
requirements:
  DockerRequirement:
    dockerPull: localhost/swath-test/busybox:1
hints:
  swath:Reuse: {default: true}
baseCommand: [wc, -c]
inputs:
  data:
    type: File
    inputBinding: {position: 1}
stdout: count.txt
outputs:
  count:
    type: File
    outputBinding:
      glob: count.txt
