cwlVersion: v1.2
class: CommandLineTool
id: memory
doc: Holds 64 MB in a shell variable, four times its memory limit.
requirements:
  DockerRequirement:
    dockerPull: localhost/swath-test/busybox:1
  ResourceRequirement:
    ramMin: 16
    ramMax: 16
baseCommand: [sh, -c]
arguments:
  - 'x=`head -c 64000000 /dev/zero | tr "\0" a`; echo "$x" | wc -c'
inputs: []
outputs: []
