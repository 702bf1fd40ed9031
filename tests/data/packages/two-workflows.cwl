cwlVersion: v1.2
$graph:
  - id: greet-tool
    class: CommandLineTool
    baseCommand: echo
    inputs:
      name:
        type: string
        inputBinding: {position: 1}
    outputs:
      greeting:
        type: stdout
    stdout: greeting.txt
  - id: greet
    class: Workflow
    label: Greet someone
    inputs:
      name: string
    outputs:
      greeting:
        type: File
        outputSource: step/greeting
    steps:
      step:
        run: "#greet-tool"
        in: {name: name}
        out: [greeting]
  - id: greet-twice
    class: Workflow
    label: Greet someone twice
    inputs:
      name: string
    outputs:
      first:
        type: File
        outputSource: one/greeting
      second:
        type: File
        outputSource: two/greeting
    steps:
      one:
        run: "#greet-tool"
        in: {name: name}
        out: [greeting]
      two:
        run: "#greet-tool"
        in: {name: name}
        out: [greeting]
