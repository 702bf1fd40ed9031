cwlVersion: v1.2
class: CommandLineTool
id: retry-exit
label: Always fails with exit code 3, retried
$namespaces:
  swath: https://swath.dev/cwl#
hints:
  swath:Retry:
    maxAttempts: 3
    on: [exitCode]
    exitCodes: [3]
    backoff: 0.2
    backoffFactor: 2
baseCommand: [sh, -c, "echo 'attempt failing' >&2; exit 3"]
inputs: []
outputs: []
