#!/bin/sh
# The arm64 check: builds impls/c and seed-c (its x86_64 layout) for aarch64,
# where char is unsigned, and runs both under qemu-aarch64 over the suite.
#
#   tools/cross/arm64.sh [conform options...]      (deno task cross:arm64)
#   tools/cross/arm64.sh --probe                    (0: the tools are here; 77: not, and why)
#
# Needs a C compiler for aarch64 with a static libc, and qemu-aarch64. The
# compiler is $CROSS_CC, else aarch64-linux-gnu-gcc (Debian:
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross), else clang --target (Debian:
# clang, binutils-aarch64-linux-gnu, libc6-dev-arm64-cross,
# libgcc-12-dev-arm64-cross): on Debian 12 gcc-aarch64-linux-gnu conflicts
# with gcc-multilib (seed-c-i386's -m32); clang does not. qemu-aarch64 is in
# Debian's qemu-user. Without them it says what is missing and exits 0,
# SKIPPED (77 with CROSS_STRICT=1). Options go to conform (default: the
# default suite); the exit code is conform's. The binaries are linked
# statically (no aarch64 libraries looked up at run time) and run through
# qemu-aarch64 (binfmt_misc is not needed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
qemu=${CROSS_QEMU:-qemu-aarch64}
if [ -n "${CROSS_CC:-}" ]; then
  cc=$CROSS_CC
elif command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
  cc=aarch64-linux-gnu-gcc
elif command -v clang >/dev/null 2>&1; then
  cc="clang --target=aarch64-linux-gnu"
else
  cc=
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The compiler as one command for the build scripts. seed-c's build.sh asks
# for -m64, which aarch64 compilers do not take: it is dropped.
{
  echo '#!/bin/sh'
  echo 'for a; do shift; [ "$a" = -m64 ] || set -- "$@" "$a"; done'
  echo "exec $cc \"\$@\""
} >"$work/cc"
chmod +x "$work/cc"

missing=
[ -n "$cc" ] ||
  missing="$missing an aarch64 C compiler (Debian: gcc-aarch64-linux-gnu, or clang with binutils-aarch64-linux-gnu)"
command -v "$qemu" >/dev/null 2>&1 || missing="$missing $qemu (Debian: qemu-user)"
if [ -z "$missing" ]; then
  printf 'int main(void){return 0;}\n' >"$work/t.c"
  if ! "$work/cc" -static "$work/t.c" -o "$work/t" 2>/dev/null; then
    missing="$missing a static aarch64 libc for $cc (Debian: libc6-dev-arm64-cross, libgcc-12-dev-arm64-cross)"
  elif ! "$qemu" "$work/t" 2>/dev/null; then
    missing="$missing a working $qemu"
  fi
fi
if [ -n "$missing" ]; then
  echo "cross:arm64: SKIPPED, missing:$missing" >&2
  [ "${CROSS_STRICT:-}" = 1 ] || [ "${1:-}" = --probe ] && exit 77
  exit 0
fi
[ "${1:-}" = --probe ] && exit 0

CC=$work/cc "$root/impls/c/build.sh" "$work/c" -static
CC=$work/cc "$root/impls/seed-c/build.sh" "$work/seed" x86_64 -DSEED_C_X86_64_LAYOUT -static

# Both really are aarch64 ELF files (e_machine 183 at offset 18).
for f in "$work/c/crconform" "$work/seed/seed-c"; do
  m=$(od -An -tu2 -j18 -N2 "$f" | tr -d ' ')
  if [ "$m" != 183 ]; then
    echo "cross:arm64: $f is not an aarch64 program (e_machine $m)" >&2
    exit 1
  fi
done
# char is unsigned there: the compiler says so.
if ! printf '#include <limits.h>\n#if CHAR_MIN != 0\n#error signed\n#endif\n' |
  "$work/cc" -E -x c - >/dev/null 2>&1; then
  echo "cross:arm64: $cc has a signed char" >&2
  exit 1
fi
echo "cross:arm64: built impls/c and seed-c (x86_64 layout) with $cc (char is unsigned); running them under $qemu" >&2

cd "$root"
status=0
"$root/tools/deno/deno" run --allow-read --allow-write --allow-run --allow-env cli/conform.ts \
  --no-bundled \
  --impl "c-arm64=$qemu $work/c/crconform" \
  --impl "seed-c-arm64=$qemu $work/seed/seed-c" \
  "$@" || status=$?
exit "$status"
