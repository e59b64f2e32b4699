#!/bin/sh
# build.sh ABI PRISTINE OUT — build the patched kernel for one ABI.
#   ABI       x86_64 | i386
#   PRISTINE  unpacked linux-source-6.1 (never modified; copied to OUT/src)
#   OUT       output directory; on success holds bzImage, gen_init_cpio,
#             kernelrelease, config, the patched tree src/ (kept for
#             build-init.sh and incremental work) and the marker file DONE.
# Reproducible: fixed KBUILD_BUILD_TIMESTAMP/USER/HOST.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ABI=$1 PRISTINE=$2 OUT=$3
case "$ABI" in
  x86_64) KARCH=x86_64 ;;
  i386) KARCH=i386 ;;
  *) echo "build: unknown ABI $ABI" >&2; exit 2 ;;
esac
export KBUILD_BUILD_TIMESTAMP="Tue Apr  1 00:00:00 UTC 2008"
export KBUILD_BUILD_USER=crconform KBUILD_BUILD_HOST=crconform
JOBS=${JOBS:-$(nproc)}
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PRISTINE=$(cd "$PRISTINE" && pwd)
SRC="$OUT/src"
cp -a "$PRISTINE" "$SRC"
sh "$HERE/apply.sh" "$SRC"
cd "$SRC"
make -s ARCH=$KARCH tinyconfig > "$OUT/config.log" 2>&1
FRAG="$OUT/fragment.config"
cp "$HERE/config.fragment" "$FRAG"
[ "$ABI" = x86_64 ] && echo "CONFIG_64BIT=y" >> "$FRAG"
ARCH=$KARCH scripts/kconfig/merge_config.sh -m .config "$FRAG" >> "$OUT/config.log" 2>&1
make -s ARCH=$KARCH olddefconfig
# every fragment line must have survived olddefconfig
while IFS= read -r l; do
  case "$l" in
    CONFIG_*) grep -qx "$l" .config || { echo "build: config lost: $l" >&2; exit 1; } ;;
    "# CONFIG_"*" is not set")
      n=$(echo "$l" | sed 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1/')
      if grep -q "^$n=" .config; then echo "build: config lost: $l" >&2; exit 1; fi ;;
  esac
done < "$FRAG"
make ARCH=$KARCH -j"$JOBS" bzImage > "$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log" >&2; exit 1; }
cp arch/x86/boot/bzImage "$OUT/bzImage"
cp .config "$OUT/config"
make -s ARCH=$KARCH kernelrelease > "$OUT/kernelrelease"
gcc -O2 -o "$OUT/gen_init_cpio" usr/gen_init_cpio.c
touch "$OUT/DONE"
