cwlVersion: v1.2
class: CommandLineTool
id: host-tool
doc: Names no image, so it runs on the host wherever it runs.
baseCommand: [echo, on the host]
inputs: []
outputs: []
