#!/bin/sh
# setup.sh — check the build/boot prerequisites and unpack linux-source-6.1
# into the kernel cache (pristine copy, never modified). It installs nothing:
# a missing package is an error naming the one command that installs them,
# `tools/deno/deno task setup gate kernel`.
#
# Usage: golden/recipe/setup.sh CACHE_DIR   (golden/kernel_build.ts passes
# ${cacheRoot()}/kernel: $CRCONFORM_CACHE/kernel, else ~/.cache/crconform/kernel)
# Prints, as its last line, "SOURCE_VERSION=<dpkg version of linux-source-6.1>".
# Idempotent: does nothing expensive when everything is already in place.
set -eu
CACHE=${1:-${CRCONFORM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/crconform}/kernel}
mkdir -p "$CACHE"

PKGS="build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils python3 qemu-system-x86 linux-source-6.1 gcc-multilib"
MISSING=""
for p in $PKGS; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$st" in *"install ok installed"*) ;; *) MISSING="$MISSING $p" ;; esac
done
if [ -n "$MISSING" ]; then
  echo "setup: missing Debian packages:$MISSING" >&2
  echo "setup: install them with: tools/deno/deno task setup gate kernel" >&2
  exit 1
fi

VER=$(dpkg-query -W -f='${Version}' linux-source-6.1)
TARBALL=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || ls /usr/src/linux-source-6.1*.tar.* | head -n1)
PRISTINE="$CACHE/src-$VER/pristine"
if [ ! -f "$PRISTINE/.unpacked" ]; then
  echo "setup: unpacking $TARBALL -> $PRISTINE" >&2
  rm -rf "$PRISTINE" "$PRISTINE.tmp"
  mkdir -p "$PRISTINE.tmp"
  tar -xf "$TARBALL" -C "$PRISTINE.tmp" --strip-components=1
  echo "setup: unpacked ($(du -sh "$PRISTINE.tmp" | cut -f1))" >&2
  touch "$PRISTINE.tmp/.unpacked"
  mv "$PRISTINE.tmp" "$PRISTINE"
fi
echo "SOURCE_VERSION=$VER"
