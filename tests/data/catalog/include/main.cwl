cwlVersion: v1.2
class: Workflow
id: include-app
doc: {$include: README.txt}
inputs:
  message: string
outputs:
  out:
    type: File
    outputSource: say/out
steps:
  say:
    run: tools/say.cwl
    in: {message: message}
    out: [out]
