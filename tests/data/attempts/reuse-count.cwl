cwlVersion: v1.2
class: CommandLineTool
id: reuse-count
label: Counts the bytes of a file, noting each run in a ledger
doc: Allows result reuse; the ledger (outside the job) shows how often the tool really ran.
$namespaces:
  swath: https://swath.dev/cwl#
hints:
  swath:Reuse: {}
baseCommand: [sh, -c]
arguments:
  - "echo ran >> '$(inputs.ledger)'; wc -c < '$(inputs.data.path)' > count.txt"
inputs:
  data: File
  ledger: string
outputs:
  count:
    type: File
    outputBinding:
      glob: count.txt
