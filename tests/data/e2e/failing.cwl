cwlVersion: v1.2
class: CommandLineTool
id: failing
label: Always fails
baseCommand: [sh, -c, "echo 'something went wrong' >&2; exit 3"]
inputs: []
outputs: []
