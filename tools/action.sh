#!/usr/bin/env bash
# The GitHub Action's step (action.yml), also runnable by hand: runs the gate
# through the pinned Deno on the testee, writes JUnit, JSON and HTML reports,
# and exits with the gate's code (0 conforms, 1 does not, 2 usage/setup).
#
# Inputs (environment):
#   INPUT_TESTEE      the command that starts the testee (sh -c, from the current
#                     directory); prefix percase: for one process per case  [required]
#   INPUT_NAME        the implementation's name in reports          [default: mine]
#   INPUT_EXPECT      a known-failures file                           [optional]
#   INPUT_SHARD       K/N: run shard K of N                            [optional]
#   INPUT_OPTIONS     more gate options; quotes are honoured, nothing is expanded
#   INPUT_REPORT_DIR  where the reports go                [default: crconform-report]
# Outputs: junit, json, html, exit-code, written to $GITHUB_OUTPUT when set (and
# printed); the console report goes to $GITHUB_STEP_SUMMARY when set.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
testee=${INPUT_TESTEE:-}
if [ -z "$testee" ]; then
  echo "crconform action: the testee input is required (the command that starts your testee)" >&2
  exit 2
fi
name=${INPUT_NAME:-mine}
dir=${INPUT_REPORT_DIR:-crconform-report}
shard=${INPUT_SHARD:-}
suffix=""
if [ -n "$shard" ]; then suffix="-shard-${shard%%/*}-of-${shard##*/}"; fi
mkdir -p "$dir" || exit 2
junit="$dir/junit$suffix.xml"
json="$dir/report$suffix.json"
html="$dir/report$suffix.html"

args=(--no-bundled --impl "$name=$testee" --junit "$junit" --json "$json" --html "$html")
if [ -n "${INPUT_EXPECT:-}" ]; then args+=(--expect "$INPUT_EXPECT"); fi
if [ -n "$shard" ]; then args+=(--shard "$shard"); fi
if [ -n "${INPUT_OPTIONS:-}" ]; then
  # Split like a shell would, quotes included, but without running or globbing anything.
  mapfile -d '' extra < <(printf '%s' "$INPUT_OPTIONS" | xargs -r printf '%s\0')
  args+=("${extra[@]}")
fi

out=$(mktemp)
"$root/tools/deno/deno" run --allow-read --allow-write --allow-run --allow-env \
  "$root/cli/conform.ts" "${args[@]}" | tee "$out"
rc=${PIPESTATUS[0]}

outputs="junit=$junit
json=$json
html=$html
exit-code=$rc"
echo "$outputs"
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$outputs" >>"$GITHUB_OUTPUT"; fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "### crconform: $name${shard:+ (shard $shard)}"
    echo '```'
    tail -n 40 "$out"
    echo '```'
  } >>"$GITHUB_STEP_SUMMARY"
fi
rm -f "$out"
exit "$rc"
