cwlVersion: v1.2
class: CommandLineTool
id: wc
doc: Counts the lines of a text file. Declares a container, as application packages do; no engine runs here.
requirements:
  DockerRequirement:
    dockerPull: debian:stable-slim
# awk rather than `wc -l` on stdin: cwltool never closes a tool's stdin file (job.py, _job_popen), which the
# test suite's warnings-as-errors reports as an unclosed file.
baseCommand: [awk, 'END { print NR }']
stdout: lines.txt
inputs:
  text:
    type: File
    inputBinding: {position: 1}
outputs:
  lines:
    type: stdout
  count:
    type: string
    outputBinding:
      glob: lines.txt
      loadContents: true
      outputEval: $(self[0].contents)
