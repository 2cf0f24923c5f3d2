#!/usr/bin/env bash
# Makes sure apt can resolve Debian packages for cluster files with `packages:` (clusters/insta-stack.yaml):
# the images are assembled from the packages apt downloads, so apt needs its package lists. Runs
# apt-get update once when it has none. Installs nothing on this machine.
set -euo pipefail

say() { printf 'headroom: %s\n' "$*" >&2; }

for tool in apt-get dpkg-deb; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    say "$tool is missing: images of Debian packages (packages: in a cluster file) need a Debian machine"
    exit 1
  fi
done
if compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  say "apt has no package lists yet, and only root may fetch them here: sudo apt-get update"
  exit 1
fi
say "apt has no package lists yet: apt-get update"
apt-get update -qq >&2
