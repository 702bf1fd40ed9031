cwlVersion: v1.2
class: CommandLineTool
id: file-record
doc: Copies a file and returns the copy inside a record, with the input's name.
baseCommand: cp
inputs:
  text:
    type: File
    inputBinding: {position: 1}
arguments: [{valueFrom: copy.txt, position: 2}]
outputs:
  pair:
    type:
      type: record
      fields:
        copy:
          type: File
          outputBinding: {glob: copy.txt}
        name:
          type: string
          outputBinding: {outputEval: $(inputs.text.basename)}
requirements:
  InlineJavascriptRequirement: {}
