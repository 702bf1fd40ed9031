cwlVersion: v1.2
class: CommandLineTool
id: sleeper
label: Sleep, then write a file
doc: Sleeps for the given seconds (its children too), for dismiss and restart tests.
$namespaces:
  s: https://schema.org/
s:softwareVersion: "1.0"
requirements:
  DockerRequirement:
    dockerPull: debian:stable-slim
baseCommand: [sh, -c]
arguments:
  - "sleep $(inputs.seconds) & wait; echo slept > slept.txt"
inputs:
  seconds:
    type: int
    default: 30
outputs:
  marker:
    type: File
    outputBinding:
      glob: slept.txt
