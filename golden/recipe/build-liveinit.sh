#!/bin/sh
# build-liveinit.sh ABI TREE OUTFILE — compile liveinit.c static against TREE's nolibc.
# Reproducible: the binary does not depend on where TREE or this folder is
# (-ffile-prefix-map, no debug info, stripped, no .comment).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ABI=$1 TREE=$2 OUTF=$3
TREE=$(cd "$TREE" && pwd)
case "$ABI" in x86_64) M= ;; i386) M=-m32 ;; *) echo "build-liveinit: unknown ABI $ABI" >&2; exit 2 ;; esac
export LC_ALL=C
gcc $M -static -nostdlib -Os -Wall -fno-asynchronous-unwind-tables -fno-ident \
  -fno-tree-loop-distribute-patterns \
  -ffile-prefix-map="$TREE/=" -ffile-prefix-map="$HERE/=" \
  -Wl,--build-id=none \
  -include "$TREE/tools/include/nolibc/nolibc.h" -I"$TREE/tools/include/nolibc" \
  -o "$OUTF.tmp" "$HERE/liveinit.c" -lgcc
strip "$OUTF.tmp"
mv "$OUTF.tmp" "$OUTF"
