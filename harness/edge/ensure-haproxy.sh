#!/usr/bin/env bash
# Makes sure HAProxy is installed on this machine: the edge image is assembled from its binary and
# `haproxy -c` checks every generated config. As root, installs Debian's haproxy when missing.
set -euo pipefail

say() { printf 'headroom: %s\n' "$*" >&2; }
bin=${HEADROOM_HAPROXY:-/usr/sbin/haproxy}

if [ -x "$bin" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  say "HAProxy is not installed ($bin missing), and only root may install it here: sudo apt-get install haproxy"
  exit 1
fi
say "installing Debian's haproxy"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq haproxy >&2
# The package starts a system HAProxy on its default config; the harness runs its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet haproxy 2>/dev/null; then
  systemctl stop haproxy >&2 || true
fi
"$bin" -v | head -n 1 >&2
