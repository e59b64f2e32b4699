import { ok, strictEqual, throws } from "node:assert/strict";
import { parseOptions, UsageError } from "./options.ts";
import { buildCases } from "../cases/suite.ts";
import { selectRuns } from "../harness/runs.ts";
import { FIXED_RUNS_PER_ABI, streams } from "./suite_runs.ts";

Deno.test("the suite streams when asked, or when large and no report needs every result", () => {
  const s = (...args: string[]) => streams(parseOptions(args));
  strictEqual(s(), false); // the default suite, about 101,000 runs
  strictEqual(s("--stream"), true);
  strictEqual(s("--cases", "64000"), true); // about 400,000 runs
  strictEqual(s("--cases", "64000", "--abi", "i386"), true);
  strictEqual(s("--cases", "16000", "--fuzz", "0"), true); // about 137,000
  strictEqual(s("--cases", "10000", "--fuzz", "0"), false); // about 101,000: under the threshold
  strictEqual(s("--cases", "25000", "--fuzz", "0", "--abi", "x86_64"), false);
  for (const report of [["--json", "x"], ["--junit", "x"], ["--html", "x"], ["--list"]]) {
    strictEqual(s("--cases", "64000", ...report), false, report[0]);
    throws(() => s("--stream", ...report), UsageError, report[0]);
  }
  strictEqual(s("--cases", "64000", "--expect", "x", "--update-expect"), false);
  strictEqual(s("--cases", "64000", "--jsonl", "x"), true);
});

Deno.test("the estimate of an ABI's runs that are neither generated nor fuzzed is within a tenth", () => {
  for (const abi of ["x86_64", "i386"]) {
    const n = selectRuns(buildCases({ cases: 0, fuzz: 0, abis: [abi] })).length;
    ok(
      Math.abs(n - FIXED_RUNS_PER_ABI) < n / 10,
      `${abi}: ${n} runs, the estimate ${FIXED_RUNS_PER_ABI}`,
    );
  }
});
