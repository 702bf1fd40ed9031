cwlVersion: v1.2
class: CommandLineTool
id: bench-echo
label: Echo a message
doc: The trivial tool of the benchmarks; writes its message to standard output.
baseCommand: echo
inputs:
  message:
    type: string
    inputBinding: {position: 1}
stdout: out.txt
outputs:
  out:
    type: stdout
