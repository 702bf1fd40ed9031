cwlVersion: v1.2
class: CommandLineTool
id: inspect
doc: >-
  (Backquotes, not $(...): CWL reads that as a parameter reference.) Reports what the tool sees of its container: its uid, its CPU and memory limits (cgroup v1 or v2), and whether it
  can write outside its output directory (the image's root, its input) and inside it.
requirements:
  DockerRequirement:
    dockerPull: localhost/swath-test/busybox:1
  ResourceRequirement:
    coresMin: 1
    coresMax: 1
    ramMin: 64
    ramMax: 64
baseCommand: [sh, -c]
arguments:
  - |
    echo "uid `id -u`"
    echo "cpu `cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us`"
    echo "memory `cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes`"
    (echo x > /etc/escaped) 2>/dev/null && echo "root writable" || echo "root read-only"
    (echo x >> "$0") 2>/dev/null && echo "input writable" || echo "input read-only"
    (echo x > here.txt) 2>/dev/null && echo "output writable" || echo "output read-only"
  - $(inputs.text.path)
stdout: report.txt
inputs:
  text: File
outputs:
  report:
    type: string
    outputBinding:
      glob: report.txt
      loadContents: true
      outputEval: $(self[0].contents)
