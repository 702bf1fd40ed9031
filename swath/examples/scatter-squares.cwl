#!/usr/bin/env cwl-runner
# A two-step workflow: a scatter (one job per array element) followed by a gather.
cwlVersion: v1.2
class: Workflow
id: scatter-squares
label: Sum of squares
doc: |
  Squares every number of a list in parallel, then adds the squares up.

  Step `square` is scattered over `numbers`: the engine runs it once per element, each run
  writing one file that holds one square. Step `add` gathers those files and returns the
  total both as a file and as an integer. An empty list gives a total of 0.

  Both steps use only the POSIX shell's integer arithmetic, so each costs a few milliseconds
  and runs without a container. Integers are 64-bit: squares above 2^63 - 1 overflow.

$namespaces:
  s: https://schema.org/
s:softwareVersion: 1.0.0
s:license: https://spdx.org/licenses/Apache-2.0
s:keywords: [example, scatter, workflow]

requirements:
  ScatterFeatureRequirement: {}

inputs:
  numbers:
    type: int[]
    label: Numbers
    doc: The integers to square and add up.

outputs:
  total:
    type: File
    label: Total file
    doc: A text file holding the sum of the squares on one line.
    outputSource: add/total
  sum:
    type: int
    label: Sum of squares
    doc: The sum of the squares of all the numbers.
    outputSource: add/sum

steps:
  square:
    doc: Squares one number (scattered, so one job per number).
    scatter: number
    in:
      number: numbers
    out: [square]
    run:
      class: CommandLineTool
      id: square-number
      label: Square one number
      doc: Writes the square of `number` to a file.
      hints:
        DockerRequirement:
          dockerPull: debian:stable-slim
        ResourceRequirement:
          coresMax: 1
          ramMax: 16
      baseCommand: [sh, -c, 'echo $(( $1 * $1 ))', square]
      stdout: square.txt
      inputs:
        number:
          type: int
          label: Number
          doc: The integer to square.
          inputBinding:
            position: 1
      outputs:
        square:
          type: stdout
          label: Square
          doc: A text file holding the square of the number on one line.

  add:
    doc: Adds up the squares written by the `square` step.
    in:
      squares: square/square
    out: [total, sum]
    run:
      class: CommandLineTool
      id: add-up
      label: Sum the numbers in files
      doc: |
        Adds up the integers held one per file, writes the total to `total.txt` and returns
        it also as an integer through `cwl.output.json` (no JavaScript needed).
      hints:
        DockerRequirement:
          dockerPull: debian:stable-slim
        ResourceRequirement:
          coresMax: 1
          ramMax: 16
      baseCommand: [sh, -c]
      arguments:
        - position: 0
          valueFrom: |
            set -eu
            total=0
            # The backslash is CWL's escape for a dollar sign followed by a parenthesis, which
            # would otherwise be a CWL parameter reference; the shell receives it without.
            for file in "$@"; do
              read -r square < "$file"
              total=\$(( total + square ))
            done
            echo "$total" > total.txt
            printf '{"total": {"class": "File", "path": "total.txt"}, "sum": %s}\n' "$total" > cwl.output.json
        # `sh -c script name files...`: this is $0, the name the shell uses in its error messages.
        - position: 0
          valueFrom: add-up
      inputs:
        squares:
          type: File[]
          label: Squares
          doc: Files holding one integer each.
          inputBinding:
            position: 1
      outputs:
        total:
          type: File
          label: Total file
          doc: A text file holding the sum on one line.
        sum:
          type: int
          label: Sum
          doc: The sum of the integers.
