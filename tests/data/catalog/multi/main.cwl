cwlVersion: v1.2
class: Workflow
id: multi-app
$namespaces:
  s: https://schema.org/
s:softwareVersion: 0.1.0
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
