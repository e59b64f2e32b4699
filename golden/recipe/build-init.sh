#!/bin/sh
# build-init.sh ABI TREE OUTFILE — compile init.c static against TREE's nolibc.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ABI=$1 TREE=$2 OUTF=$3
case "$ABI" in x86_64) M= ;; i386) M=-m32 ;; *) echo "build-init: unknown ABI $ABI" >&2; exit 2 ;; esac
gcc $M -static -nostdlib -Os -Wall -fno-asynchronous-unwind-tables -fno-ident \
  -fno-tree-loop-distribute-patterns \
  -include "$TREE/tools/include/nolibc/nolibc.h" -I"$TREE/tools/include/nolibc" \
  -o "$OUTF.tmp" "$HERE/init.c" -lgcc
strip "$OUTF.tmp"
mv "$OUTF.tmp" "$OUTF"
