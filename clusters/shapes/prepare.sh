#!/usr/bin/env bash
# Builds the contexts of the service shapes in .cache/shapes/<shape>/: the shape's own folder here (its
# Dockerfile and files) and rootfs/, what its FROM-scratch Dockerfile copies: host binaries from Debian
# packages and the shared libraries they link (no registry is needed). Installs the packages when they are
# missing (as root, through apt). Idempotent: a complete rootfs is kept (the image is named by a hash of the
# context's content, so an unchanged one is never rebuilt). The cluster files build from those contexts.
# Usage: prepare.sh [shape...]   (default: every shape)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(cd "$here/../.." && pwd)/.cache/shapes"

need_packages() {
  local missing=()
  for spec in "$@"; do
    local file="${spec%%:*}" package="${spec##*:}"
    [ -e "$file" ] || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "shapes: installing ${missing[*]} (Debian packages)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Copies a file into rootfs at its own path, following symlinks (the image has no other copy to point to).
put() {
  local rootfs="$1" file="$2"
  mkdir -p "$rootfs$(dirname "$file")"
  cp -L --preserve=mode "$file" "$rootfs$file"
}

# A dynamically linked file and every library it loads, at their paths.
put_linked() {
  local rootfs="$1" file="$2"
  put "$rootfs" "$file"
  ldd "$file" 2>/dev/null | awk '/=> \//{print $3} /^[ \t]*\/[^ ]+ \(/{print $1}' | while read -r lib; do
    [ -e "$rootfs$lib" ] || put "$rootfs" "$lib"
  done
}

# The shape's own files into its context (always, they are small), then its rootfs into a fresh folder
# swapped in when complete: a half-written rootfs is never built.
fill() {
  local shape="$1" fn="$2" ctx="$out/$1"
  mkdir -p "$ctx"
  find "$ctx" -mindepth 1 -maxdepth 1 ! -name rootfs -exec rm -rf {} +
  cp -a "$here/$shape/." "$ctx/"
  [ -e "$ctx/rootfs/.complete" ] && return 0
  local tmp="$ctx/rootfs.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  "$fn" "$tmp"
  # The services run as nobody: /tmp is theirs to write, as on any system.
  mkdir -p "$tmp/tmp" && chmod 1777 "$tmp/tmp"
  touch "$tmp/.complete"
  rm -rf "$ctx/rootfs" && mv "$tmp" "$ctx/rootfs"
}

busybox_rootfs() {
  local r="$1"
  mkdir -p "$r/bin" "$r/tmp"
  cp /bin/busybox "$r/bin/busybox"
  for applet in sh sleep httpd; do ln -s busybox "$r/bin/$applet"; done
}

nginx_rootfs() {
  local r="$1"
  busybox_rootfs "$r"
  put_linked "$r" /usr/sbin/nginx
  mkdir -p "$r/tmp" "$r/etc" "$r/var/log/nginx"
  # nginx resolves its user and group at start even when it never switches to them.
  echo 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' > "$r/etc/passwd"
  echo 'nogroup:x:65534:' > "$r/etc/group"
}

python_rootfs() {
  local r="$1" stdlib=/usr/lib/python3.11
  put_linked "$r" /usr/bin/python3.11
  mkdir -p "$r/tmp" "$r$stdlib"
  # The standard library without what a server never imports (tests, GUI, installers).
  (cd "$stdlib" && find . -path ./test -prune -o -path ./idlelib -prune -o -path ./tkinter -prune \
    -o -path ./ensurepip -prune -o -path ./lib2to3 -prune -o -path ./turtledemo -prune \
    -o -path ./site-packages -prune -o -path ./dist-packages -prune -o -name __pycache__ -prune \
    -o -type f -print) | while read -r f; do
    mkdir -p "$r$stdlib/$(dirname "$f")"
    cp -L "$stdlib/$f" "$r$stdlib/$f"
  done
  for so in "$stdlib"/lib-dynload/*.so; do put_linked "$r" "$so"; done
}

shapes=("$@")
[ ${#shapes[@]} -eq 0 ] && shapes=(cgi static python slowstart)
for shape in "${shapes[@]}"; do
  case "$shape" in
    cgi | slowstart)
      need_packages /bin/busybox:busybox-static
      fill "$shape" busybox_rootfs
      ;;
    static)
      need_packages /usr/sbin/nginx:nginx
      fill static nginx_rootfs
      ;;
    python)
      need_packages /usr/bin/python3.11:python3.11 /usr/lib/python3.11/http/server.py:libpython3.11-stdlib
      fill python python_rootfs
      ;;
    *)
      echo "shapes: unknown shape '$shape' (expected cgi, static, python or slowstart)" >&2
      exit 2
      ;;
  esac
done
