#!/usr/bin/env bash
# A second, real Docker daemon on this machine, for tests of DCs on their own Docker hosts:
# its own unix socket, data root, exec root and pidfile, no private networks. Root only.
#   second-docker.sh start   starts it unless it answers already (prints its DOCKER_HOST)
#   second-docker.sh stop    stops the daemon whose PID is in its pidfile, and nothing else
# Idempotent both ways. HEADROOM_DOCKER2_DIR (default /var/lib/headroom-docker2) holds its state.
set -euo pipefail

dir=${HEADROOM_DOCKER2_DIR:-/var/lib/headroom-docker2}
sock=${HEADROOM_DOCKER2_SOCK:-/run/headroom-docker2.sock}
exec_root=${HEADROOM_DOCKER2_EXEC_ROOT:-/run/headroom-docker2}
pidfile="$exec_root.pid"
host="unix://$sock"

say() { printf 'second-docker: %s\n' "$*" >&2; }
answers() { DOCKER_HOST="$host" docker info >/dev/null 2>&1; }
pid_alive() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  if answers; then
    echo "$host"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    say "only root may start a Docker daemon"
    return 1
  fi
  command -v dockerd >/dev/null || { say "no dockerd on this machine (bash harness/cluster/ensure-docker.sh installs one)"; return 1; }
  if pid_alive; then
    say "dockerd $(cat "$pidfile") runs but does not answer at $host yet; waiting"
  else
    mkdir -p "$dir/data" "$exec_root"
    # Its own containerd too (under the exec root): dockerd starts one when given none.
    setsid nohup dockerd \
      --host "$host" \
      --data-root "$dir/data" \
      --exec-root "$exec_root" \
      --pidfile "$pidfile" \
      --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
      >"$dir/dockerd.log" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 300); do
    if answers; then
      say "dockerd $(cat "$pidfile" 2>/dev/null || echo '?') answers at $host"
      echo "$host"
      return 0
    fi
    sleep 0.2
  done
  say "dockerd did not answer at $host within 60 s; its last log lines:"
  tail -n 20 "$dir/dockerd.log" >&2 || true
  return 1
}

stop() {
  if ! pid_alive; then
    rm -f "$pidfile"
    return 0
  fi
  local pid
  pid=$(cat "$pidfile")
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || { say "dockerd $pid stopped"; rm -f "$pidfile"; return 0; }
    sleep 0.1
  done
  say "dockerd $pid did not stop within 30 s after SIGTERM"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) say "usage: $0 start|stop"; exit 2 ;;
esac
