cwlVersion: v1.2
class: CommandLineTool
id: daemon
label: Leave daemons behind
doc: >
  Starts two processes that leave the tool's process group (setsid, and a double fork), then sleeps for `seconds`
  and exits. Their command lines carry `token`, so that the tests find them.
$namespaces:
  s: https://schema.org/
s:softwareVersion: "1.0"
baseCommand: [sh, -c]
arguments:
  - >-
    setsid sleep 1$(inputs.token) &
    (sh -c 'sleep 2$(inputs.token) &' &);
    sleep $(inputs.seconds)
inputs:
  token: int
  seconds:
    type: int
    default: 0
outputs: []
