#!/usr/bin/env bash
# Makes sure a Docker daemon answers. Uses the one that runs (DOCKER_HOST is honoured);
# when none answers and we are root, installs Debian's docker.io if missing and starts
# dockerd without private networks (--bridge=none --iptables=false --ip-forward=false).
set -euo pipefail

say() { printf 'headroom: %s\n' "$*" >&2; }

state=${HEADROOM_DOCKERD_DIR:-/var/lib/headroom-dockerd}

# Under cgroup v1 every container sits in one /docker group whose CPU weight (cpu.shares) is that of a single
# host process: beside a few busy host processes (a generator, a test run), replicas got a hundredth of the
# quota their server type promises, and a drill measured the machine instead of the server. For the daemon
# this script started, the group weighs as much as ten busy processes; each container is still held to its
# own quota. (Under cgroup v2 containers are scopes of their own, weighed one by one: nothing to do.)
weigh_containers() {
  local shares=/sys/fs/cgroup/cpu/docker/cpu.shares
  [ -f "$state/dockerd.pid" ] && kill -0 "$(cat "$state/dockerd.pid")" 2>/dev/null || return 0
  if [ -w "$shares" ] && [ "$(cat "$shares")" -lt 10240 ]; then echo 10240 >"$shares" || true; fi
}

if docker info >/dev/null 2>&1; then
  weigh_containers
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

mkdir -p "$state"
sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
say "starting dockerd --bridge=none --iptables=false --ip-forward=false (log: $state/dockerd.log)"
setsid nohup dockerd --host "$sock" --bridge=none --iptables=false --ip-forward=false \
  >"$state/dockerd.log" 2>&1 </dev/null &
echo $! >"$state/dockerd.pid"

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    say "dockerd is up (pid $(cat "$state/dockerd.pid"))"
    # The /docker group exists once the first container runs; an empty one is made now to weigh it.
    mkdir -p /sys/fs/cgroup/cpu/docker 2>/dev/null || true
    weigh_containers
    exit 0
  fi
  sleep 1
done
say "dockerd did not answer within 60 s; its last log lines:"
tail -n 20 "$state/dockerd.log" >&2
exit 1
