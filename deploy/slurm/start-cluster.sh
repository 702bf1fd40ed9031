#!/usr/bin/env bash
# Install Slurm from Debian and start a one-node cluster (munged, slurmctld, slurmd) with the tested configuration.
# Idempotent: installs only what is missing, rewrites the configuration only when it changed (restarting the
# daemons then), and starts only the daemons that are not running. Runs as root, without systemd.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${SWATH_SLURM_STATE:-/var/lib/swath-slurm}"

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

is_running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# munge: the key comes with the package; the daemon runs as root here (--force), its socket in /run/munge.
mkdir -p /run/munge /var/lib/munge /var/log/munge "$state/ctld" "$state/d"
if ! munge -n >/dev/null 2>&1; then
  munged --force
  for _ in $(seq 1 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
fi

host="$(hostname -s)"
cpus="$(nproc)"
# Leave a quarter of the memory to the machine itself.
memory="$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 3 / 4}' /proc/meminfo)"
config="$(sed -e "s|@HOST@|$host|g" -e "s|@CPUS@|$cpus|g" -e "s|@MEMORY@|$memory|g" -e "s|@STATE@|$state|g" \
  "$here/slurm.conf.in")"
changed=0
mkdir -p /etc/slurm
if [ "$config" != "$(cat /etc/slurm/slurm.conf 2>/dev/null)" ]; then
  printf '%s\n' "$config" >/etc/slurm/slurm.conf
  changed=1
fi
if ! cmp -s "$here/cgroup.conf" /etc/slurm/cgroup.conf; then
  cp "$here/cgroup.conf" /etc/slurm/cgroup.conf
  changed=1
fi

stop() {
  if is_running "$1"; then
    kill "$(cat "$1")"
    for _ in $(seq 1 100); do is_running "$1" || break; sleep 0.1; done
  fi
}
if [ "$changed" = 1 ]; then
  stop "$state/slurmd.pid"
  stop "$state/slurmctld.pid"
fi
is_running "$state/slurmctld.pid" || slurmctld
for _ in $(seq 1 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
is_running "$state/slurmd.pid" || slurmd -N "$host"
# Ready once the node takes jobs (a node that was down comes back on its own: ReturnToService=2).
for _ in $(seq 1 100); do
  case "$(sinfo -h -n "$host" -o %t 2>/dev/null)" in idle* | mix* | alloc*) exit 0 ;; esac
  sleep 0.1
done
echo "slurmd on $host did not come up: $(sinfo -h -n "$host" -o '%t %E' 2>&1)" >&2
exit 1
