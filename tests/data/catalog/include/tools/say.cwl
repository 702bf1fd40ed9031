cwlVersion: v1.2
class: CommandLineTool
baseCommand: echo
inputs:
  - $import: inputs.yml
outputs:
  out: stdout
stdout: said.txt
