/**
 * The slice of the suite that `impls/c/c_test.ts` runs through impls/c's
 * per-case mode (`crconform OP`), in `deno task test` rather than in the
 * default gate: the gate judges the user's testee in the mode the user
 * gives, and a second mode of our own implementation is ours to test, not
 * worth the gate's time. The mechanical yardstick runs the same slice
 * (`cli/mechanical_mutants.ts`).
 *
 * @module
 */
import { buildCases } from "../../cases/suite.ts";
import type { CaseRun } from "../../cases/types.ts";
import { selectRuns } from "../../harness/runner.ts";

/** The per-case slice: shard 1 of 160 of the suite with 4 generated cases (about 230 runs). */
export function perCaseSlice(): CaseRun[] {
  return selectRuns(buildCases({ cases: 4 }), { shard: { k: 1, n: 160 } });
}
