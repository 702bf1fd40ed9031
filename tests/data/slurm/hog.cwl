cwlVersion: v1.2
class: CommandLineTool
id: hog
label: Use far more memory than asked for
doc: Asks for 100 MiB and fills 2 GiB, which Slurm's memory limit must stop.
requirements:
  ResourceRequirement:
    ramMin: 100
baseCommand: [python3, -c]
arguments:
  - 'import time; block = bytearray(2 * 1024**3); time.sleep(30)'
inputs: {}
outputs: {}
