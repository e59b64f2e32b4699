#!/bin/sh
# The fill experiment (see fills.ts): impls/seed-c/fills.sh [--out DIR] [-- extra gate options]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
exec tools/deno/deno run --allow-read --allow-write --allow-run --allow-env impls/seed-c/fills.ts "$@"
