#!/bin/sh
# A build script of the shape harness/with_stack_init.sh wraps: OUTDIR [flags...] -> OUTDIR/uninit
set -eu
out=$1
shift
mkdir -p "$out"
exec "${CC:-gcc}" -O2 "$@" -o "$out/uninit" "$(dirname "$0")/uninit.c"
