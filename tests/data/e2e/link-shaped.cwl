cwlVersion: v1.2
class: CommandLineTool
id: link-shaped
label: Return a link-shaped value
doc: Returns, as a literal output, an object shaped like a link whose href is whatever the caller gave.
requirements:
  InlineJavascriptRequirement: {}
baseCommand: "true"
inputs:
  href:
    type: string
outputs:
  link:
    type: Any
    outputBinding:
      outputEval: '$({"href": inputs.href, "title": "click me"})'
