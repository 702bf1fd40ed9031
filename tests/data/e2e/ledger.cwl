cwlVersion: v1.2
class: CommandLineTool
id: ledger
label: Sleep, and note every start and end in a ledger outside the job
doc: >
  Appends "start <token>" to the ledger, sleeps `seconds` (as a process whose command line carries the token, so that
  the tests find it), then appends "end <token>". Two runs of one job overlapping show as two starts before an end.
$namespaces:
  s: https://schema.org/
s:softwareVersion: "1.0"
baseCommand: [sh, -c]
arguments:
  - >-
    echo "start $(inputs.token)" >> "$(inputs.ledger)";
    sleep $(inputs.seconds).$(inputs.token) & wait;
    echo "end $(inputs.token)" >> "$(inputs.ledger)"
inputs:
  ledger: string
  token: int
  seconds: int
outputs: []
