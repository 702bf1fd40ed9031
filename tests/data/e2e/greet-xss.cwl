cwlVersion: v1.2
class: CommandLineTool
id: greet-xss
label: Greet <script>alert(1)</script> someone
doc: Writes a greeting to a file, and returns its length as a number.
$namespaces:
  s: https://schema.org/
s:softwareVersion: "2.1"
requirements:
  InlineJavascriptRequirement: {}
baseCommand: [echo, -n]
inputs:
  name:
    type: string
    label: Who to greet
    inputBinding:
      prefix: "Hello,"
  times:
    type: int?
stdout: greeting.txt
outputs:
  greeting:
    type: File
    outputBinding:
      glob: greeting.txt
  length:
    type: int
    outputBinding:
      glob: greeting.txt
      loadContents: true
      outputEval: $(self[0].contents.length)
