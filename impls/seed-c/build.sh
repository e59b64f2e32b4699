#!/bin/sh
# Builds the seed-c testee: impls/seed-c/build.sh OUTDIR ABI [extra gcc flags...] -> OUTDIR/seed-c
#
# ABI is x86_64 (gcc -m64 on an x86 compiler; any other LP64 compiler, e.g.
# aarch64, lays the structs out the same way, is checked to be LP64 and gets
# no flag) or i386 (gcc -m32, which needs the i386 libc: Debian's
# gcc-multilib, installed by `tools/deno/deno task setup`, never by this
# script). The port's files are compiled unmodified from golden/recipe/port/ against the shim headers in shim/include/; objects (and
# --coverage notes) go to OUTDIR/obj/. Extra flags come last and apply to
# every file, e.g. -ftrivial-auto-var-init=pattern, or --coverage -O0.
set -eu
if [ $# -lt 2 ]; then
  echo "usage: $0 OUTDIR x86_64|i386 [gcc flags...]" >&2
  exit 2
fi
out=$1
abi=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
port=$(cd "$here/../../golden/recipe/port" && pwd)
cc=${CC:-gcc}
case $abi in
  x86_64)
    case $("$cc" -dumpmachine 2>/dev/null) in
      x86_64-* | i?86-*) m=-m64 ;;
      *) m= ;;
    esac
    ;;
  i386) m=-m32 ;;
  *)
    echo "$0: unknown ABI $abi (x86_64 or i386)" >&2
    exit 2
    ;;
esac

if [ -z "$m" ]; then
  printf '_Static_assert(sizeof(long) == 8 && _Alignof(long long) == 8, "%s");\n' \
    "the x86_64 layout needs an LP64 compiler" | "$cc" -x c -c -o /dev/null -
fi

mkdir -p "$out/obj"
obj=$(cd "$out/obj" && pwd)
base="-std=gnu11 $m -O2 -g"
kinc="-include $here/shim/include/linux/kconfig.h -I$port/include -I$here/shim/include"
# The port builds warning-free in the kernel, which does not enable -Wsign-compare.
portw="-Wall -Wextra -Wno-sign-compare"
ownw="-Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes"
for f in sys checkpoint restart; do
  # shellcheck disable=SC2086
  "$cc" $base $kinc $portw "$@" -c "$port/checkpoint/$f.c" -o "$obj/$f.o"
done
# shellcheck disable=SC2086
"$cc" $base $kinc $ownw "$@" -c "$here/shim/shim.c" -o "$obj/shim.o"
# shellcheck disable=SC2086
"$cc" $base -I"$here" $ownw "$@" -c "$here/main.c" -o "$obj/main.o"
# shellcheck disable=SC2086
"$cc" $m "$@" -o "$out/seed-c" "$obj/main.o" "$obj/shim.o" "$obj/sys.o" "$obj/checkpoint.o" \
  "$obj/restart.o"
