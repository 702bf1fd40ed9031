#!/usr/bin/env bash
# Start a private dockerd for the container tests (idempotent): its own socket, data and exec roots, and no
# network for containers (--bridge=none --iptables=false): nothing a test runs may leave the machine.
set -euo pipefail
SOCKET=/run/swath-docker.sock
if DOCKER_HOST="unix://$SOCKET" docker info >/dev/null 2>&1; then
  exit 0
fi
mkdir -p /var/lib/swath-docker /run/swath-docker /var/log
nohup dockerd -H "unix://$SOCKET" --data-root /var/lib/swath-docker --exec-root /run/swath-docker \
  --pidfile /run/swath-docker.pid --bridge=none --iptables=false >/var/log/swath-dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  DOCKER_HOST="unix://$SOCKET" docker info >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "dockerd did not start; see /var/log/swath-dockerd.log" >&2
exit 1
