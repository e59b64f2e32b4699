// The oracle pinned, in CI: a fixed sample of the reference's mutants, each run through the
// gate's cross-checks (C, seed-c, golden), must be killed or explained by the triage file; and
// the judging of runs against the triage, on hand-made runs.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  formatSummary,
  judge,
  type MutantRun,
  passes,
  readTriage,
  referenceMutationRun,
  sample,
  type TriageEntry,
} from "./reference_mutants.ts";
import type { Mutant } from "./reference_mutator.ts";

/** The CI sample: `deno task mutants:reference --sample 17 --seed 1`. */
export const CI_SAMPLE = { sample: 17, seed: 1 } as const;

const mutant = (id: string): Mutant => ({
  id,
  file: "reference/x.ts",
  line: 1,
  lineText: "x",
  op: "num:+1",
  start: 0,
  end: 1,
  replacement: "y",
});
const run = (id: string, verdict: MutantRun["verdict"], detail = ""): MutantRun => ({
  mutant: mutant(id),
  verdict,
  detail,
  ms: 1,
});

Deno.test("judge: killed, explained, unexplained, contradicted and stale, counted apart", () => {
  const all = ["a", "b", "c", "d", "e", "f", "g"].map(mutant);
  const triage: Record<string, TriageEntry> = {
    b: { class: "equivalent", reason: "r" },
    c: { class: "pinned", reason: "r" },
    d: { class: "pinned", reason: "r" },
    e: { class: "definedness", reason: "r", test: "t_test.ts" },
    f: { class: "tested", reason: "r", test: "t_test.ts" },
    gone: { class: "equivalent", reason: "r" },
  };
  const runs = [
    run("a", "killed", "c"),
    run("b", "survived"),
    run("c", "crashed"),
    run("d", "survived"),
    run("e", "survived"),
    run("f", "survived", "named test passes: t_test.ts"),
    run("g", "survived"),
  ];
  const s = judge(all, runs, triage, { impls: ["c"], dropped: [], seconds: 1 });
  deepStrictEqual(
    [s.generated, s.killed, s.equivalent, s.pinned, s.definedness, s.tested],
    [7, 2, 1, 1, 1, 1],
  );
  deepStrictEqual(s.unexplained.map((r) => r.mutant.id), ["g"]);
  deepStrictEqual(s.contradicted, [
    "d: triaged pinned but survived",
    "f: named test passes: t_test.ts",
  ]);
  deepStrictEqual(s.stale, ["gone"]);
  strictEqual(passes(s), false);
  strictEqual(formatSummary(s, triage).includes("UNEXPLAINED survivors:\n  g "), true);
});

Deno.test("sample: a mutant's place depends on its own id only", () => {
  const all = Array.from({ length: 200 }, (_, i) => mutant(`m${i}`));
  const before = sample(all, 10, 1).map((m) => m.id);
  const more = [...all, ...Array.from({ length: 50 }, (_, i) => mutant(`new${i}`))];
  const after = sample(more, 60, 1).map((m) => m.id);
  deepStrictEqual(after.filter((id) => before.includes(id)), before);
  deepStrictEqual(sample(all, 10, 1), sample([...all].reverse(), 10, 1));
});

/** Whether the gate's C implementations can be built here. */
function haveGcc(): boolean {
  try {
    return new Deno.Command("gcc", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

// Ignored without gcc: the mutants run against the C implementations, built with it.
Deno.test({
  name: "mutants:reference CI sample: every sampled mutant is killed or explained",
  ignore: !haveGcc(),
  fn: async () => {
    const s = await referenceMutationRun(CI_SAMPLE);
    const triage = await readTriage();
    console.log(formatSummary(s, triage));
    strictEqual(s.runs.length, CI_SAMPLE.sample);
    deepStrictEqual(s.unexplained.map((r) => r.mutant.id), []);
    deepStrictEqual(s.contradicted, []);
    deepStrictEqual(
      s.stale,
      [],
      "a triage entry names no mutant: the line changed; run the triage again",
    );
  },
});
