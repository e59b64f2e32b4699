#!/bin/sh
# build.sh ABI PRISTINE OUT [VARIANT_FRAGMENT] — build the patched kernel for one ABI.
#   ABI       x86_64 | i386
#   PRISTINE  unpacked linux-source-6.1 (never modified; copied to OUT/src)
#   OUT       output directory; on success holds bzImage, gen_init_cpio,
#             kernelrelease, config, the patched tree src/ (kept for
#             build-init.sh and incremental work) and the marker file DONE.
#   VARIANT_FRAGMENT  optional config fragment (a file name in this folder,
#             e.g. config.stackpattern) merged after config.fragment: its
#             lines replace config.fragment's lines for the same symbols.
# Progress goes to stderr as "build: <phase>" lines; make's output goes to
# OUT/build.log (one "  CC      <object>" line per object, which the caller
# counts).
#
# Reproducible: the kernel image does not depend on the time, the user, the
# host, or where OUT is. KBUILD_BUILD_TIMESTAMP/USER/HOST/VERSION are fixed
# (uname -v, and the built-in initramfs's timestamps), the build is in-tree
# (Kbuild passes paths relative to the tree), and -ffile-prefix-map strips the
# tree's absolute path from anything that would still record it (__FILE__,
# debug info). build.sh checks the result: no trace of OUT in vmlinux.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ABI=$1 PRISTINE=$2 OUT=$3 VARIANT=${4:-}
case "$ABI" in
  x86_64) KARCH=x86_64 ;;
  i386) KARCH=i386 ;;
  *) echo "build: unknown ABI $ABI" >&2; exit 2 ;;
esac
if [ -n "$VARIANT" ] && [ ! -f "$HERE/$VARIANT" ]; then
  echo "build: no variant fragment $HERE/$VARIANT" >&2; exit 2
fi
export KBUILD_BUILD_TIMESTAMP="Tue Apr  1 00:00:00 UTC 2008"
export KBUILD_BUILD_USER=crconform KBUILD_BUILD_HOST=crconform KBUILD_BUILD_VERSION=1
export TZ=UTC LC_ALL=C
unset KCFLAGS KAFLAGS KCPPFLAGS KBUILD_OUTPUT O CROSS_COMPILE
JOBS=${JOBS:-$(nproc)}
rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PRISTINE=$(cd "$PRISTINE" && pwd)
SRC="$OUT/src"
echo "build: copying the pristine source ($(du -sh "$PRISTINE" 2>/dev/null | cut -f1))" >&2
cp -a "$PRISTINE" "$SRC"
echo "build: applying the port" >&2
sh "$HERE/apply.sh" "$SRC" >&2
cd "$SRC"
echo "build: configuring (tinyconfig + config.fragment${VARIANT:+ + $VARIANT})" >&2
make -s ARCH=$KARCH tinyconfig > "$OUT/config.log" 2>&1
FRAG="$OUT/fragment.config"
cp "$HERE/config.fragment" "$FRAG"
[ "$ABI" = x86_64 ] && echo "CONFIG_64BIT=y" >> "$FRAG"
if [ -n "$VARIANT" ]; then
  for n in $(sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*$/\1/p' \
      -e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1/p' "$HERE/$VARIANT"); do
    grep -v -e "^$n=" -e "^# $n is not set\$" "$FRAG" > "$FRAG.tmp" || true
    mv "$FRAG.tmp" "$FRAG"
  done
  cat "$HERE/$VARIANT" >> "$FRAG"
fi
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
echo "build: compiling bzImage (make -j$JOBS)" >&2
MAP="-ffile-prefix-map=$SRC/= -fmacro-prefix-map=$SRC/="
make ARCH=$KARCH -j"$JOBS" KCFLAGS="$MAP" KAFLAGS="$MAP" bzImage > "$OUT/build.log" 2>&1 ||
  { tail -40 "$OUT/build.log" >&2; exit 1; }
if grep -aqF "$OUT" vmlinux arch/x86/boot/bzImage; then
  echo "build: vmlinux or bzImage records the build path $OUT" >&2; exit 1
fi
cp arch/x86/boot/bzImage "$OUT/bzImage"
cp .config "$OUT/config"
make -s ARCH=$KARCH kernelrelease > "$OUT/kernelrelease"
gcc -O2 -o "$OUT/gen_init_cpio" usr/gen_init_cpio.c
echo "build: done: bzImage $(wc -c < "$OUT/bzImage") bytes, sha256 $(sha256sum "$OUT/bzImage" | cut -c1-16)" >&2
touch "$OUT/DONE"
