#!/bin/sh
# apply.sh TREE — install the crconform checkpoint/restart port into a copy of
# the linux-source-6.1 tree. Copies golden/recipe/port/ over the tree and makes
# three scripted edits (PORT.md): Kbuild gets checkpoint/, and both x86
# syscall tables get 451 checkpoint / 452 restart. Fails if already applied.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
T=$1
test -f "$T/Kbuild" || { echo "apply: $T is not a kernel tree" >&2; exit 1; }
if grep -q '^obj-y[[:space:]]*+= checkpoint/' "$T/Kbuild"; then
  echo "apply: already applied to $T" >&2; exit 1
fi
for t in syscall_64.tbl syscall_32.tbl; do
  if grep -qE '^45[12][[:space:]]' "$T/arch/x86/entry/syscalls/$t"; then
    echo "apply: syscall 451/452 already taken in $t" >&2; exit 1
  fi
done
cp -R "$HERE/port/." "$T/"
# Kbuild: build checkpoint/ into vmlinux (always; no Kconfig symbol)
sed -i 's|^obj-y[[:space:]]*+= kernel/$|&\nobj-y\t\t\t+= checkpoint/|' "$T/Kbuild"
grep -q '^obj-y[[:space:]]*+= checkpoint/' "$T/Kbuild" || { echo "apply: Kbuild edit failed" >&2; exit 1; }
# syscall tables: after 450 set_mempolicy_home_node
sed -i 's|^450\tcommon\tset_mempolicy_home_node.*$|&\n451\tcommon\tcheckpoint\t\tsys_checkpoint\n452\tcommon\trestart\t\t\tsys_restart|' \
  "$T/arch/x86/entry/syscalls/syscall_64.tbl"
sed -i 's|^450\ti386\tset_mempolicy_home_node.*$|&\n451\ti386\tcheckpoint\t\tsys_checkpoint\n452\ti386\trestart\t\t\tsys_restart|' \
  "$T/arch/x86/entry/syscalls/syscall_32.tbl"
grep -qE '^451[[:space:]]+common[[:space:]]+checkpoint' "$T/arch/x86/entry/syscalls/syscall_64.tbl"
grep -qE '^452[[:space:]]+i386[[:space:]]+restart' "$T/arch/x86/entry/syscalls/syscall_32.tbl"
echo "apply: ok"
