cwlVersion: v1.2
class: Workflow
label: Count words
doc: Counts the words of a text file with the wc tool.
inputs:
  text: File
outputs:
  counts:
    type: File
    outputSource: count/counts
steps:
  count:
    run: wc.cwl
    in: {text: text}
    out: [counts]
