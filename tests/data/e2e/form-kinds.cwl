cwlVersion: v1.2
class: CommandLineTool
id: form-kinds
label: Every kind of input
doc: Writes every input it was given into one report, for the browser tests of the execute form.
$namespaces:
  s: https://schema.org/
s:softwareVersion: "1.0"
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [sh, -c]
arguments:
  - >-
    echo "title=$(inputs.title) count=$(inputs.count) speed=$(inputs.speed) words=$(inputs.words.join(','))"
    > report.txt; cat $(inputs.notes.path) >> report.txt; cat $(inputs.extra.path) >> report.txt
inputs:
  title:
    type: string
    label: Title of the report
  count:
    type: int
    label: How many times
    default: 2
  speed:
    label: Speed
    type:
      type: enum
      symbols: [slow, fast]
  words:
    type: string[]
    label: Words
  notes:
    type: File
    label: Notes to upload
  extra:
    type: File
    label: Extra file by URL
  comment:
    type: string?
    label: A comment nobody needs
outputs:
  report:
    type: File
    outputBinding:
      glob: report.txt
