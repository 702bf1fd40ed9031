cwlVersion: v1.2
class: CommandLineTool
id: counter
label: Count runs
doc: |
  Appends "<token> <pid>" to a ledger file each time it runs (so a test counts runs and finds the tool's process),
  sleeps, then writes a file.
baseCommand: [sh, -c]
arguments:
  - position: 0
    valueFrom: 'echo "$1 $$" >> "$2"; sleep "$3" & wait; echo "counted $1" > counted.txt'
  - position: 1
    valueFrom: counter
inputs:
  token:
    type: string
    inputBinding:
      position: 2
  ledger:
    type: string
    inputBinding:
      position: 3
  seconds:
    type: float
    default: 0
    inputBinding:
      position: 4
outputs:
  counted:
    type: File
    outputBinding:
      glob: counted.txt
