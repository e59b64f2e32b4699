#!/bin/sh
# Runs a C build script with -ftrivial-auto-var-init=pattern as its last flag
# when the compiler (${CC:-gcc}) takes it, else as it is:
#   harness/with_stack_init.sh SCRIPT ARGS...   ->   sh SCRIPT ARGS... [-ftrivial-auto-var-init=pattern]
#
# The bundled builds the gate runs (impls/c, seed-c) go through it: a local
# variable read before it is written then holds a pattern (gcc 0xfe, clang
# 0xaa bytes), not the 0 a fresh process's stack happens to hold, so an
# implementation that reads one gives itself away (docs/PROTOCOL-FREEDOMS.md).
# The build is cached by its inputs and command (harness/build.ts), so the
# probe runs once per build, not per gate run.
set -eu
flag=-ftrivial-auto-var-init=pattern
if printf 'int main(void) { return 0; }\n' |
  "${CC:-gcc}" -Werror "$flag" -x c -c -o /dev/null - >/dev/null 2>&1; then
  exec sh "$@" "$flag"
fi
exec sh "$@"
