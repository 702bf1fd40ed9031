cwlVersion: v1.2
class: CommandLineTool
id: bench-sleep
label: Sleep
doc: Keeps a runner busy for the memory scenario.
baseCommand: sleep
inputs:
  seconds:
    type: int
    default: 60
    inputBinding: {position: 1}
outputs: []
