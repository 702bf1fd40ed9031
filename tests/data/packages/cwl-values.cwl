cwlVersion: v1.2
class: CommandLineTool
id: cwl-values
baseCommand: "true"
requirements:
  InlineJavascriptRequirement: {}
inputs:
  anything: Any?
  pair:
    type:
      - "null"
      - type: record
        name: Pair
        fields:
          left: File
          note: string
  one_or_many:
    type: ["null", File, {type: array, items: File}]
  folder: Directory?
outputs: {}
