cwlVersion: v1.2
class: CommandLineTool
id: values
requirements:
  InlineJavascriptRequirement: {}
  ShellCommandRequirement: {}
inputs:
  pair:
    type:
      type: record
      fields:
        text: File
        label: string
arguments:
  - {shellQuote: false, valueFrom: "mkdir empty && cp $(inputs.pair.text.path) copy.txt && echo $(inputs.pair.label) > label.txt"}
outputs:
  both:
    type:
      type: record
      fields:
        copy: {type: File, format: "http://edamontology.org/format_2330", outputBinding: {glob: copy.txt}}
        label: {type: File, outputBinding: {glob: label.txt}}
  empty:
    type: Directory
    outputBinding: {glob: empty}
