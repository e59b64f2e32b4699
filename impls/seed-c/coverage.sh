#!/bin/sh
# Branch coverage of the port's own code by the crconform suite:
#   impls/seed-c/coverage.sh [--out DIR] [--io] [-- extra gate options]
#
# Builds seed-c for x86_64 and i386 with --coverage -O0 (DIR, default
# .cache/seed-c-coverage), runs the default suite through the gate against
# both (seed-c declares the seed profile only), then runs gcov -b on the
# port's sys.c, checkpoint.c and restart.c and prints, per function of the
# seed, branches taken / total and the file:line of every branch never taken,
# per ABI and for the two ABIs together (a branch counts as taken when either
# ABI took it). --io runs the testees with --io-chunk=1 --io-eagain (every
# transfer one byte, every other one -EAGAIN), to show the I/O loops' other
# branches are reachable with a file the suite cannot describe.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=.cache/seed-c-coverage
opts=
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --io) opts=" --io-chunk=1 --io-eagain"; shift ;;
    --) shift; break ;;
    *) echo "usage: $0 [--out DIR] [--io] [-- gate options]" >&2; exit 2 ;;
  esac
done
port=$root/golden/recipe/port
mkdir -p "$out"
out=$(cd "$out" && pwd)

for abi in x86_64 i386; do
  rm -rf "$out/$abi"
  impls/seed-c/build.sh "$out/$abi" "$abi" --coverage -O0
done

status=0
# The default suite (named cases, families, regressions, generated states, the fuzz batch).
tools/deno/deno task conform --no-bundled \
  --impl "seed-c-x86_64=$out/x86_64/seed-c$opts" \
  --impl "seed-c-i386=$out/i386/seed-c$opts" "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "coverage: the gate exited $status (the numbers below are still what ran)" >&2
fi

for abi in x86_64 i386; do
  mkdir -p "$out/$abi/gcov"
  (cd "$out/$abi/gcov" && gcov -b -c -o "$out/$abi/obj" \
    "$port/checkpoint/sys.c" "$port/checkpoint/checkpoint.c" "$port/checkpoint/restart.c" \
    >"$out/$abi/gcov/summary.txt")
done

echo
echo "== gcov -b summary (lines / branches / taken at least once) =="
for abi in x86_64 i386; do
  echo "-- $abi"
  awk '/^File/ { keep = ($2 ~ /checkpoint\/(sys|checkpoint|restart)\.c/) } /^$/ { keep = 0 }
    keep && /^(File|Lines|Branches|Taken)/ { print }' "$out/$abi/gcov/summary.txt"
done

# Per function: branches taken / total per ABI and together, then every branch never taken.
# A branch is identified by file, line and its index on that line (the same -O0 code on both ABIs;
# the script checks that both ABIs have the same branches per line).
awk -v abis="x86_64 i386" '
  FNR == 1 {
    n = split(FILENAME, p, "/")
    file = p[n]; sub(/\.gcov$/, "", file)
    abi = p[n - 2]
    fn = ""
    if (!(abi in seenabi)) { seenabi[abi] = 1 }
  }
  /^function / { fn = $2; if (!((file, fn) in fseen)) { fseen[file, fn] = 1; forder[++nf] = file SUBSEP fn } next }
  /^ *[-#=0-9*]+: *[0-9]+:/ {
    split($0, q, ":"); line = q[2] + 0
    src = $0; sub(/^[^:]*:[^:]*:/, "", src); text[file, line] = src
    bi = 0; next
  }
  /^branch / {
    key = file SUBSEP line SUBSEP bi
    taken = ($3 == "taken" && $4 + 0 > 0) ? 1 : 0
    if (!(key in bfn)) { bfn[key] = fn; border[++nb] = key; bdir[key] = ($0 ~ /\(fallthrough\)/) ? "fallthrough" : "jump" }
    seen[key, abi] = 1
    if (taken) tk[key, abi] = 1
    bi++
    next
  }
  END {
    split(abis, A, " ")
    printf "\n== branches per function (taken / total) ==\n"
    printf "%-14s %-22s %9s %9s %9s\n", "file", "function", A[1], A[2], "together"
    for (i = 1; i <= nf; i++) {
      split(forder[i], ff, SUBSEP)
      for (a = 1; a <= 2; a++) { t[a] = 0; all[a] = 0 }
      tt = 0; ta = 0
      for (j = 1; j <= nb; j++) {
        k = border[j]; split(k, kk, SUBSEP)
        if (kk[1] != ff[1] || bfn[k] != ff[2]) continue
        ta++; any = 0
        for (a = 1; a <= 2; a++) {
          if ((k, A[a]) in seen) all[a]++
          if ((k, A[a]) in tk) { t[a]++; any = 1 }
        }
        tt += any
      }
      if (ta == 0) continue
      printf "%-14s %-22s %4d/%-4d %4d/%-4d %4d/%-4d\n", ff[1], ff[2], t[1], all[1], t[2], all[2], tt, ta
      T1 += t[1]; N1 += all[1]; T2 += t[2]; N2 += all[2]; TT += tt; NT += ta
    }
    printf "%-14s %-22s %4d/%-4d %4d/%-4d %4d/%-4d\n", "all", "", T1, N1, T2, N2, TT, NT
    printf "\n== branches never taken (file:line #index direction [ABIs]  function  source) ==\n"
    printf "(gcov numbers the arcs of a line from 0; at -O0 the fallthrough arc of an if is its condition being true)\n"
    for (j = 1; j <= nb; j++) {
      k = border[j]; split(k, kk, SUBSEP)
      miss = ""
      for (a = 1; a <= 2; a++) if (((k, A[a]) in seen) && !((k, A[a]) in tk)) miss = miss (miss ? "," : "") A[a]
      if (miss == "") continue
      src = text[kk[1], kk[2]]; gsub(/^[ \t]+/, "", src)
      printf "%-16s #%d %-11s %-15s %-21s %s\n", kk[1] ":" kk[2], kk[3], bdir[k], "[" miss "]", bfn[k], src
    }
    for (j = 1; j <= nb; j++) {
      k = border[j]
      if (!((k, A[1]) in seen) || !((k, A[2]) in seen)) { split(k, kk, SUBSEP); printf "note: %s:%d #%d exists on one ABI only\n", kk[1], kk[2], kk[3] }
    }
  }
' "$out/x86_64/gcov/sys.c.gcov" "$out/x86_64/gcov/checkpoint.c.gcov" "$out/x86_64/gcov/restart.c.gcov" \
  "$out/i386/gcov/sys.c.gcov" "$out/i386/gcov/checkpoint.c.gcov" "$out/i386/gcov/restart.c.gcov"
echo
echo "annotated sources: $out/{x86_64,i386}/gcov/*.c.gcov"
exit "$status"
