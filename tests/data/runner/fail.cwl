cwlVersion: v1.2
class: CommandLineTool
id: fail
doc: Writes a line to stderr and exits with code 3.
baseCommand: [sh, -c, 'echo "something went wrong on purpose" >&2; exit 3']
inputs: []
outputs: []
