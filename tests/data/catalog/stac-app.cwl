cwlVersion: v1.2
$namespaces:
  s: https://schema.org/
s:softwareVersion: 1.2.0
s:keywords: [stac, statistics]
s:author:
  - class: s:Person
    s:name: Ada Lovelace
s:license: Apache-2.0
s:codeRepository: https://git.example.org/ada/stac-app
$graph:
  - class: Workflow
    id: stac-app
    label: STAC band statistics
    doc: Counts the items of a STAC catalog.
    inputs:
      catalog: Directory
    outputs:
      result:
        type: Directory
        outputSource: count/result
    steps:
      count:
        run: "#count-items"
        in: {catalog: catalog}
        out: [result]
  - class: CommandLineTool
    id: count-items
    hints:
      DockerRequirement:
        dockerPull: docker.example.org/stac-tools@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    requirements:
      ResourceRequirement: {coresMin: 1, ramMin: 256}
    baseCommand: ls
    inputs:
      catalog:
        type: Directory
        inputBinding: {position: 1}
    outputs:
      result:
        type: Directory
        outputBinding: {glob: .}
