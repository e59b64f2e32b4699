#!/bin/sh
# Builds the seed-c testee: impls/seed-c/build.sh OUTDIR ABI [extra gcc flags...] -> OUTDIR/seed-c
#
# ABI is x86_64 (gcc) or i386 (gcc -m32; installs Debian's gcc-multilib when
# -m32 cannot link). The port's files are compiled unmodified from
# golden/recipe/port/ against the shim headers in shim/include/; objects (and
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
  x86_64) m=-m64 ;;
  i386) m=-m32 ;;
  *)
    echo "$0: unknown ABI $abi (x86_64 or i386)" >&2
    exit 2
    ;;
esac

# gcc -m32 needs the i386 libc and libgcc (Debian: gcc-multilib).
if [ "$abi" = i386 ]; then
  probe=$(mktemp -d)
  trap 'rm -rf "$probe"' EXIT
  printf 'int main(void){return 0;}\n' >"$probe/t.c"
  if ! "$cc" -m32 "$probe/t.c" -o "$probe/t" 2>/dev/null; then
    echo "seed-c: gcc -m32 cannot link; installing gcc-multilib" >&2
    sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y gcc-multilib >&2
  fi
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
