cwlVersion: v1.2
class: CommandLineTool
id: retry-input
label: Counts the bytes of a file; retried on staging and exit codes, never on a bad input
$namespaces:
  swath: https://swath.dev/cwl#
hints:
  swath:Retry:
    maxAttempts: 3
    on: [exitCode, staging]
baseCommand: [wc, -c]
inputs:
  data:
    type: File
    inputBinding: {position: 1}
stdout: count.txt
outputs:
  count:
    type: File
    outputBinding:
      glob: count.txt
