cwlVersion: v1.2
class: CommandLineTool
id: plain-tool
baseCommand: echo
inputs:
  message:
    type: string
    inputBinding: {position: 1}
outputs:
  out: stdout
stdout: out.txt
