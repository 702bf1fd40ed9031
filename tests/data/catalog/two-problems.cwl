cwlVersion: v1.2
class: CommandLineTool
id: two-problems
baseComand: echo
inputs:
  message:
    type: string
    inputBinding: {position: first}
outputs: []
