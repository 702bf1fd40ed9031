cwlVersion: v1.2
class: CommandLineTool
id: soak-ledger
label: Note the start and the end of each run in a ledger outside the job
doc: >
  Appends "start <token> <pid>" and then "end <token> <pid>" to the ledger. A job run twice at once shows as two
  starts of its token before an end; a run its runner lost shows a start with no end.
$namespaces:
  s: https://schema.org/
s:softwareVersion: "1.0"
baseCommand: [sh, -c]
arguments:
  - >-
    echo "start $(inputs.token) $$" >> "$(inputs.ledger)";
    echo "end $(inputs.token) $$" >> "$(inputs.ledger)"
inputs:
  ledger: string
  token: int
outputs: []
