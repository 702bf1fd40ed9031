cwlVersion: v1.2
class: CommandLineTool
id: echo
label: Echo
doc: Writes its arguments to standard output.
baseCommand: echo
requirements:
  InlineJavascriptRequirement: {}
  SchemaDefRequirement:
    types:
      - name: Window
        type: record
        fields:
          start: int
          end:
            type: int?
inputs:
  - id: message
    type: string
    label: Message
    doc: What to write.
    inputBinding: {position: 1}
  - id: repeat
    type: int
    default: 1
    inputBinding: {position: 2}
  - id: scale
    type: double?
    inputBinding: {position: 3}
  - id: mode
    type:
      type: enum
      symbols: [fast, slow]
    inputBinding: {position: 4}
  - id: tags
    type: string[]?
    inputBinding: {position: 5}
  - id: window
    type: echo/Window?
  - id: extra
    type: Any?
  - id: size
    type: long?
  - id: data
    type: Directory?
outputs:
  - id: out
    type: stdout
  - id: words
    type: string[]
    outputBinding:
      outputEval: $(inputs.message.split(" "))
stdout: out.txt
