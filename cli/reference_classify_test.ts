// The first triage from evidence: a difference or a throw is a gap, more undefined only is
// definedness, nothing is equivalent, each entry marked as resting on the differential alone.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { classify } from "./reference_classify.ts";
import type { MutantRun } from "./reference_mutants.ts";

const run = (detail: string): MutantRun => ({
  mutant: {
    id: "shadow.ts#0:negate:0",
    file: "reference/shadow.ts",
    line: 1,
    lineText: "  if (x) return y;",
    op: "negate",
    start: 0,
    end: 1,
    replacement: "!(x)",
  },
  verdict: "survived",
  detail,
  ms: 1,
});
const d = (
  o: Partial<{ observable: number; moreUndefined: number; metadata: number; threw: number }>,
) => ({
  runs: 1000,
  observable: 0,
  moreUndefined: 0,
  metadata: 0,
  threw: 0,
  first: "restart/x86_64/fuzz/3@seed: ret/consumed -22,8 → 0,8",
  ...o,
});

Deno.test("classify: an observable difference or a throw on new inputs is a gap, with the first input", () => {
  deepStrictEqual(classify(run(""), d({ observable: 2, moreUndefined: 5 }), 100), {
    kind: "gap",
    first: "differs on 2 of 1000 runs; first: restart/x86_64/fuzz/3@seed: ret/consumed -22,8 → 0,8",
  });
  strictEqual(classify(run(""), d({ threw: 1 }), 100).kind, "gap");
});

Deno.test("classify: more undefined only is definedness, nothing is equivalent, both marked as evidence only", () => {
  const p = classify(
    run("replayed: 3 of 900 runs changed, 7 recorded answers to them agree"),
    d({ moreUndefined: 4 }),
    100,
  );
  deepStrictEqual(p, {
    kind: "entry",
    entry: {
      line: "if (x) return y;",
      op: "negate",
      evidence: "differential",
      test: "cli/fills_tightness_test.ts",
      class: "definedness",
      reason:
        "by differential only: it calls undefined 4 values the reference defines and changes " +
        "no defined value in 1000 runs (the default suite and 100 fuzzed cases per ABI of seed 2); " +
        "3 of the gate's 900 runs change, every recorded answer agrees",
    },
  });
  const q = classify(
    run("never executed by the gate (check@12 is never called): not run"),
    d({ metadata: 9 }),
    100,
  );
  strictEqual(q.kind === "entry" && q.entry.class, "equivalent");
  strictEqual(
    q.kind === "entry" && q.entry.reason,
    "by differential only: no compared value differs in 1000 runs (the default suite and 100 " +
      "fuzzed cases per ABI of seed 2); only which check decided differs, on 9; never executed " +
      "by the gate (check@12 is never called)",
  );
});
