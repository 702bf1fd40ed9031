cwlVersion: v1.2
class: CommandLineTool
id: missing-image
doc: Names an image that no engine here holds (and that is never pulled in tests).
requirements:
  DockerRequirement:
    dockerPull: localhost/swath-test/missing:1
baseCommand: ["true"]
inputs: []
outputs: []
