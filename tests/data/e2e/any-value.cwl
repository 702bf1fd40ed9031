cwlVersion: v1.2
class: CommandLineTool
id: any-value
doc: Prints whatever it is given, of any type.
requirements:
  InlineJavascriptRequirement: {}
baseCommand: echo
inputs:
  anything:
    type: Any
    inputBinding: {valueFrom: $(JSON.stringify(self))}
outputs:
  printed: stdout
