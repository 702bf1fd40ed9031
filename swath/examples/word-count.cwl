#!/usr/bin/env cwl-runner
# The smallest useful application package: one command, one input file, a report file and three numbers.
cwlVersion: v1.2
class: CommandLineTool
id: word-count
label: Word count
doc: |
  Counts the lines, words and bytes of a text file with `wc`, the way `wc -l -w -c` does.

  The report that `wc` prints is returned as the file `counts`; the same three numbers are
  also returned as the integer outputs `lines`, `words` and `bytes`, so that a client can use
  them without downloading and parsing the report.

  The numbers are read back by the shell and written to `cwl.output.json` (CWL v1.2, section
  "Output binding") instead of being parsed by a JavaScript expression, so the package runs on
  any host with a POSIX shell and coreutils, without Node.js.

$namespaces:
  s: https://schema.org/
  iana: https://www.iana.org/assignments/media-types/
s:softwareVersion: 1.0.0
s:license: https://spdx.org/licenses/Apache-2.0
s:keywords: [example, text]

hints:
  # Real packages name their image; without a container runtime the tool runs on the host,
  # where it needs only `sh` and `wc`.
  DockerRequirement:
    dockerPull: debian:stable-slim
  ResourceRequirement:
    coresMax: 1
    ramMax: 64

baseCommand: [sh, -c]
arguments:
  - position: 0
    valueFrom: |
      set -eu
      # Reading from stdin keeps the (staging) path of the file out of the report.
      wc -l -w -c < "$1" > counts.txt
      read -r lines words bytes < counts.txt
      # cwl.output.json replaces output collection, so the report's format is restated here.
      printf '{"counts": {"class": "File", "path": "counts.txt", "format": "%s"}, ' \
        "https://www.iana.org/assignments/media-types/text/plain" > cwl.output.json
      printf '"lines": %s, "words": %s, "bytes": %s}\n' "$lines" "$words" "$bytes" >> cwl.output.json
  # `sh -c script name arg`: this is $0, the name the shell uses in its error messages.
  - position: 0
    valueFrom: word-count

inputs:
  text:
    type: File
    label: Text file
    doc: The file to count. Any encoding; words are counted as runs of non-space characters.
    inputBinding:
      position: 1

outputs:
  counts:
    type: File
    label: Counts report
    doc: The output of `wc`, one line holding the line, word and byte counts in that order.
    format: iana:text/plain
  lines:
    type: int
    label: Lines
    doc: The number of newline characters in the file.
  words:
    type: int
    label: Words
    doc: The number of words in the file.
  bytes:
    type: int
    label: Bytes
    doc: The size of the file in bytes.
