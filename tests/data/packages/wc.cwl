cwlVersion: v1.2
class: CommandLineTool
id: wc
label: Word count
doc: Counts the lines, words and bytes of a text file.
$namespaces:
  s: https://schema.org/
  iana: https://www.iana.org/assignments/media-types/
s:softwareVersion: 2.1.0
s:keywords: text, count
requirements:
  DockerRequirement:
    dockerPull: debian:stable-slim
baseCommand: wc
inputs:
  text:
    type: File
    label: Text file
    doc: The file to count.
    format: iana:text/plain
    inputBinding:
      position: 1
  lines_only:
    type: boolean?
    inputBinding:
      prefix: -l
      position: 0
outputs:
  counts:
    type: stdout
    format: iana:text/plain
stdout: counts.txt
