cwlVersion: v1.2
$graph:
  - id: main
    class: Workflow
    doc: Counts the lines of each file (scattered), then adds the counts up.
    requirements:
      ScatterFeatureRequirement: {}
    inputs:
      texts: File[]
    outputs:
      counts:
        type: File[]
        outputSource: count/lines
      total:
        type: File
        outputSource: add/total
    steps:
      count:
        run: "#count"
        scatter: text
        in:
          text: texts
        out: [lines]
      add:
        run: "#add"
        in:
          counts: count/lines
        out: [total]
  - id: count
    class: CommandLineTool
    requirements:
      - class: DockerRequirement
        dockerPull: debian:stable-slim
    baseCommand: [awk, 'END { print NR }']
    stdout: lines.txt
    inputs:
      text:
        type: File
        inputBinding: {position: 1}
    outputs:
      lines:
        type: stdout
  - id: add
    class: CommandLineTool
    baseCommand: [awk, '{ total += $1 } END { print total }']
    stdout: total.txt
    inputs:
      counts:
        type: File[]
        inputBinding: {position: 1}
    outputs:
      total:
        type: stdout
