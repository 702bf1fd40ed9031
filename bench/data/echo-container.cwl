cwlVersion: v1.2
class: CommandLineTool
id: bench-echo-container
label: Echo a message, in a container
doc: The benchmarks' trivial tool in an image built locally (tests/images/build.sh); never pulled.
requirements:
  DockerRequirement:
    dockerPull: localhost/swath-test/busybox:1
baseCommand: echo
inputs:
  message:
    type: string
    inputBinding: {position: 1}
stdout: out.txt
outputs:
  out:
    type: stdout
