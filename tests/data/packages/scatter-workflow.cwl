cwlVersion: v1.2
class: Workflow
id: shout-and-count
label: Shout and count
doc: Upper-cases each message into its own file, then counts the words of every file.
requirements:
  ScatterFeatureRequirement: {}
inputs:
  messages:
    type: string[]
    label: Messages
outputs:
  counts:
    type: File[]
    outputSource: count/counts
steps:
  shout:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'echo "$0" | tr a-z A-Z']
      inputs:
        message:
          type: string
          inputBinding: {position: 1}
      outputs:
        loud:
          type: stdout
      stdout: loud.txt
    scatter: message
    in:
      message: messages
    out: [loud]
  count:
    run:
      class: CommandLineTool
      baseCommand: wc
      arguments: [-w]
      inputs:
        text:
          type: File
          inputBinding: {position: 1}
      outputs:
        counts:
          type: stdout
      stdout: counts.txt
    scatter: text
    in:
      text: shout/loud
    out: [counts]
