#!/usr/bin/env bash
# Makes sure a Chromium the browser tests can drive exists (Debian's package; no downloaded browser).
set -euo pipefail
for c in "${HEADROOM_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$c" ] && [ -x "$c" ]; then exit 0; fi
done
if [ "$(id -u)" != 0 ]; then
  echo "headroom: the report tests need Chromium: install Debian's 'chromium' package, or set HEADROOM_CHROMIUM to a Chromium binary." >&2
  exit 1
fi
echo "headroom: installing Debian's chromium for the report's browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium >&2
