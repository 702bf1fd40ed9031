cwlVersion: v1.2
class: CommandLineTool
id: sized
label: Ask for resources, tick, then write a file
doc: Asks for 2 cores and 300 MiB, prints the given number of lines, one every 0.2 s, then writes a file.
requirements:
  ResourceRequirement:
    coresMin: 2
    ramMin: 300
baseCommand: [sh, -c]
arguments:
  - position: 0
    valueFrom: 'i=0; while [ $i -lt "$1" ]; do echo "tick $i"; i=`expr $i + 1`; sleep 0.2; done; echo sized > sized.txt'
  - position: 1
    valueFrom: sized
inputs:
  ticks:
    type: int
    default: 0
    inputBinding:
      position: 2
outputs:
  marker:
    type: File
    outputBinding:
      glob: sized.txt
