cwlVersion: v1.2
class: CommandLineTool
id: retry-flaky
label: Fails the first time (exit 75), succeeds the next
doc: The marker file, outside the job, remembers that an earlier attempt ran.
$namespaces:
  swath: https://swath.dev/cwl#
hints:
  swath:Retry:
    maxAttempts: 3
    on: [exitCode]
baseCommand: [sh, -c]
arguments:
  - "if [ -e '$(inputs.marker)' ]; then echo second > out.txt; else echo first >> '$(inputs.marker)'; echo 'transient trouble' >&2; exit 75; fi"
inputs:
  marker: string
outputs:
  out:
    type: File
    outputBinding:
      glob: out.txt
