#!/bin/sh
# Builds the C testee: impls/c/build.sh OUTDIR [extra gcc flags...] -> OUTDIR/crconform
#
# A mutant (impls/mutants/mutants.tsv) is selected with -DMUTANT=N, where N
# may also be written as the mutant's id or its prefix: -DMUTANT=m08 or
# -DMUTANT=m08-head-rev-zero both mean -DMUTANT=8.
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 OUTDIR [gcc flags...]" >&2
  exit 2
fi
out=$1
shift
src=$(dirname "$0")/crconform.c
mkdir -p "$out"
for f in "$@"; do
  shift
  case $f in
    -DMUTANT=m[0-9]*)
      n=$(printf '%s' "${f#-DMUTANT=m}" | sed 's/^\([0-9]*\).*/\1/; s/^0*//')
      f="-DMUTANT=${n:-0}"
      ;;
  esac
  set -- "$@" "$f"
done
exec "${CC:-gcc}" -std=c99 -O2 -Wall -Wextra -Werror -pedantic "$@" -o "$out/crconform" "$src"
