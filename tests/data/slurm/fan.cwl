cwlVersion: v1.2
class: Workflow
id: fan
label: A scatter of sleeping steps
doc: Runs one step per name, each noting its start and end (seconds since the epoch) in a ledger file.
requirements:
  ScatterFeatureRequirement: {}
inputs:
  names: string[]
  ledger: string
outputs:
  notes:
    type: File[]
    outputSource: nap/note
steps:
  nap:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c]
      arguments:
        - position: 0
          valueFrom: 'echo "start `date +%s.%N`" >> "$2"; sleep 1.5; echo "end `date +%s.%N`" >> "$2"; echo "$1" > note.txt'
        - position: 1
          valueFrom: nap
      inputs:
        name:
          type: string
          inputBinding:
            position: 2
        ledger:
          type: string
          inputBinding:
            position: 3
      outputs:
        note:
          type: File
          outputBinding:
            glob: note.txt
    scatter: name
    in:
      name: names
      ledger: ledger
    out: [note]
