cwlVersion: v1.2
class: Workflow
id: two-images
doc: Two tools in two images; the second needs Python, which only its image has.
inputs:
  number: int
outputs:
  doubled:
    type: string
    outputSource: double/doubled
steps:
  write:
    in: {number: number}
    out: [written]
    run:
      class: CommandLineTool
      requirements:
        DockerRequirement:
          dockerPull: localhost/swath-test/busybox:1
      baseCommand: [echo]
      stdout: number.txt
      inputs:
        number: {type: int, inputBinding: {position: 1}}
      outputs:
        written: {type: stdout}
  double:
    in: {text: write/written}
    out: [doubled]
    run:
      class: CommandLineTool
      requirements:
        DockerRequirement:
          dockerPull: localhost/swath-test/python:1
      baseCommand: [python3, -c, 'import sys; print(2 * int(open(sys.argv[1]).read()))']
      stdout: doubled.txt
      inputs:
        text: {type: File, inputBinding: {position: 1}}
      outputs:
        doubled:
          type: string
          outputBinding:
            glob: doubled.txt
            loadContents: true
            outputEval: $(self[0].contents)
