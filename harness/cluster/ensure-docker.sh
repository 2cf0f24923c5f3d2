#!/usr/bin/env bash
# Makes sure a Docker daemon answers. Uses the one that runs (DOCKER_HOST is honoured);
# when none answers and we are root, installs Debian's docker.io if missing and starts
# dockerd without private networks (--bridge=none --iptables=false --ip-forward=false).
set -euo pipefail

say() { printf 'headroom: %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" = "$DOCKER_HOST" ]; then
  say "no Docker daemon answers at DOCKER_HOST=$DOCKER_HOST; start it there, or unset DOCKER_HOST to use a local one."
  exit 1
fi

if [ "$(id -u)" != 0 ]; then
  say "no Docker daemon answers, and only root may start one here."
  say "start Docker (for example 'sudo systemctl start docker', or Docker Desktop), or run this as root."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  say "installing Debian's docker.io (no Docker daemon on this machine)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq docker.io >&2
fi

state=${HEADROOM_DOCKERD_DIR:-/var/lib/headroom-dockerd}
mkdir -p "$state"
sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
say "starting dockerd --bridge=none --iptables=false --ip-forward=false (log: $state/dockerd.log)"
setsid nohup dockerd --host "$sock" --bridge=none --iptables=false --ip-forward=false \
  >"$state/dockerd.log" 2>&1 </dev/null &
echo $! >"$state/dockerd.pid"

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    say "dockerd is up (pid $(cat "$state/dockerd.pid"))"
    exit 0
  fi
  sleep 1
done
say "dockerd did not answer within 60 s; its last log lines:"
tail -n 20 "$state/dockerd.log" >&2
exit 1
