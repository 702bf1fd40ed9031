cwlVersion: v1.2
class: CommandLineTool
id: wc
doc: Counts the lines of a text file. Declares a container, as application packages do; no engine runs here.
requirements:
  DockerRequirement:
    dockerPull: debian:stable-slim
baseCommand: [wc, -l]
stdin: $(inputs.text.path)
stdout: lines.txt
inputs:
  text: File
outputs:
  lines:
    type: stdout
  count:
    type: string
    outputBinding:
      glob: lines.txt
      loadContents: true
      outputEval: $(self[0].contents)
