cwlVersion: v1.2
class: CommandLineTool
id: typo
baseComand: echo
inputs:
  message:
    type: string
    inputBinding: {position: 1}
outputs: []
