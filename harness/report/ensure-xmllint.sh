#!/usr/bin/env bash
# Makes sure xmllint (Debian's libxml2-utils) exists: the JUnit test validates headroom's XML against a schema with it.
set -euo pipefail
if command -v xmllint >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "headroom: the JUnit test needs xmllint: install Debian's 'libxml2-utils' package." >&2
  exit 1
fi
echo "headroom: installing Debian's libxml2-utils (xmllint) for the JUnit schema test" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq libxml2-utils >&2
