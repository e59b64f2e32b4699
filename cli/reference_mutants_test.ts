// The oracle pinned, in CI: a fixed sample of the reference's mutants, each run through the
// gate's cross-checks (C, seed-c, golden), must be killed or explained by the triage file; and
// the judging of runs against the triage, on hand-made runs.
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import {
  formatSummary,
  generateMutants,
  judge,
  type MutantRun,
  notExecuted,
  parseLcovFunctions,
  passes,
  readTriage,
  referenceMutationRun,
  sample,
  type TriageEntry,
} from "./reference_mutants.ts";
import { type Mutant, mutantsOf } from "./reference_mutator.ts";
import {
  changedRunsInWorker,
  importClosure,
  mustRun,
  referenceBaseline,
} from "./reference_differential.ts";
import { DEFAULT_FUZZ } from "./options.ts";

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
  const all = ["a", "b", "c", "d", "e", "f", "g", "h"].map(mutant);
  const triage: Record<string, TriageEntry> = {
    b: { class: "equivalent", reason: "r", evidence: "differential" },
    c: { class: "pinned", reason: "r" },
    d: { class: "pinned", reason: "r" },
    e: { class: "definedness", reason: "r", test: "t_test.ts" },
    f: { class: "tested", reason: "r", test: "t_test.ts" },
    h: { class: "equivalent", reason: "r" },
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
    run(
      "h",
      "survived",
      "differential contradicts: 9 runs, 1 observable, 0 more undefined, 0 threw",
    ),
  ];
  const s = judge(all, runs, triage, { impls: ["c"], dropped: [], seconds: 1 });
  deepStrictEqual(
    [s.generated, s.killed, s.equivalent, s.pinned, s.definedness, s.tested, s.byDifferential],
    [8, 2, 2, 1, 1, 1, 1],
  );
  deepStrictEqual(s.unexplained.map((r) => r.mutant.id), ["g"]);
  deepStrictEqual(s.contradicted, [
    "d: triaged pinned but survived",
    "f: named test passes: t_test.ts",
    "h: differential contradicts: 9 runs, 1 observable, 0 more undefined, 0 threw",
  ]);
  deepStrictEqual(s.stale, ["gone"]);
  strictEqual(passes(s), false);
  strictEqual(formatSummary(s, triage).includes("UNEXPLAINED survivors:\n  g "), true);
  strictEqual(
    formatSummary(s, triage).includes("unexplained 1 (1 explained by the differential alone)"),
    true,
  );
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
    const s = await referenceMutationRun({ ...CI_SAMPLE, replay: true, fills: ["pattern"] });
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

// The replay is the gate's verdict without the gate: on mutants of each kind (killed by a
// recorded answer, surviving with changed runs, surviving with none, changing the suite's
// inputs so that a gate runs) both ways give the same verdicts.
Deno.test({
  name: "mutants:reference --replay gives the gate's verdicts",
  ignore: !haveGcc(),
  fn: async () => {
    const ids = [
      "restart_concrete.ts#f4058030:num:+1:0",
      "restart.ts#2849214e:not:drop:0",
      "restart.ts#7b62a42f:arith:+:-:0",
      "checkpoint.ts#ba63182d:num:-1:0",
    ];
    const verdicts = (s: { runs: readonly MutantRun[] }) =>
      s.runs.map((r) => `${r.mutant.id} ${r.verdict}`);
    const gate = await referenceMutationRun({ ids, fills: [] });
    const replay = await referenceMutationRun({ ids, fills: [], replay: true });
    deepStrictEqual(verdicts(replay), verdicts(gate));
    deepStrictEqual(verdicts(gate), [
      "checkpoint.ts#ba63182d:num:-1:0 survived",
      "restart.ts#2849214e:not:drop:0 killed",
      "restart.ts#7b62a42f:arith:+:-:0 survived",
      "restart_concrete.ts#f4058030:num:+1:0 killed",
    ]);
    // Judged in process, but for the mutant that changes the suite's inputs (a gate ran).
    const how = replay.runs.map((r) => /replayed/.test(r.detail));
    deepStrictEqual(how, [false, true, true, true]);
  },
});

Deno.test("coverage pre-pass: a mutant is not executed only inside a named function with 0 calls", () => {
  const lcov = [
    "SF:/r/reference/x.ts",
    "FN:2,get small",
    "FN:5,run",
    "FN:6,f",
    "FN:9,run",
    "FNDA:0,get small",
    "FNDA:3,run",
    "FNDA:0,f",
    "FNDA:0,run",
    "end_of_record",
    "",
  ].join("\n");
  const calls = parseLcovFunctions(lcov, "/r");
  deepStrictEqual([...calls.get("reference/x.ts")!], [
    ["2:get small", 0],
    ["5:run", 3],
    ["6:f", 0],
    ["9:run", 0],
  ]);
  const m = (fns: { line: number; name: string }[]): Mutant => ({ ...mutant("m"), fns });
  strictEqual(notExecuted(m([{ line: 6, name: "f" }, { line: 5, name: "run" }]), calls), "f@6");
  strictEqual(notExecuted(m([{ line: 5, name: "run" }]), calls), undefined);
  strictEqual(notExecuted(m([{ line: 9, name: "run" }]), calls), "run@9");
  // No record (an unnamed function, another line): possibly executed.
  strictEqual(notExecuted(m([{ line: 7, name: "g" }]), calls), undefined);
  strictEqual(notExecuted(m([]), calls), undefined);
  strictEqual(
    notExecuted({ ...m([{ line: 6, name: "f" }]), file: "reference/y.ts" }, calls),
    undefined,
  );
  throws(() => parseLcovFunctions("SF:/r/a.ts\nFN:1,a\nFNDA:0,b\n", "/r"), /FNDA record 1 names b/);
});

// The names the mutator gives functions are the ones Deno's coverage reports (else the pre-pass
// would find no record and run every mutant: safe, but it would save nothing).
Deno.test("coverage pre-pass: Deno's LCOV names the functions as the mutator does", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crconform-covnames-" });
  try {
    const src = [
      "export class K {",
      "  get small(): number {",
      "    return 1;",
      "  }",
      "  run(x: number): number {",
      "    const f = (s: number) => s + 1;",
      "    return f(x) + this.small;",
      "  }",
      "  idle(): number {",
      "    return 2;",
      "  }",
      "}",
      "function top(a: number): number {",
      "  return a - 1;",
      "}",
      "console.log(new K().run(1), typeof top);",
      "",
    ].join("\n");
    await Deno.mkdir(`${dir}/reference`);
    await Deno.writeTextFile(`${dir}/reference/k.ts`, src);
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", `${dir}/reference/k.ts`],
      env: { DENO_COVERAGE_DIR: `${dir}/cov` },
      stdout: "null",
    }).output();
    strictEqual(run.success, true);
    const lcov = await new Deno.Command(Deno.execPath(), {
      args: ["coverage", `${dir}/cov`, "--lcov"],
      stdout: "piped",
    }).output();
    const calls = parseLcovFunctions(new TextDecoder().decode(lcov.stdout), dir);
    const ms = await mutantsOf("reference/k.ts", src);
    const verdict = (line: number) =>
      ms.filter((x) => x.line === line).map((x) => notExecuted(x, calls) ?? "run");
    deepStrictEqual(verdict(3), ["run", "run"]); // get small: called
    deepStrictEqual(verdict(6), ["run", "run", "run"]); // f: called
    deepStrictEqual(verdict(10), ["idle@9", "idle@9"]);
    deepStrictEqual(verdict(14), ["top@13", "top@13", "top@13"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// The walk's shortcut: a run whose code does not read the mutated file is not run under the
// mutant. Its import closures are the reference's own, and the shortcut changes no count.
Deno.test("replay: the runs left out of a mutant's walk are those its file cannot change", async () => {
  const concrete = await importClosure("reference/restart_concrete.ts");
  strictEqual(concrete.includes("reference/layout.ts"), true);
  strictEqual(concrete.includes("reference/shadow.ts"), false);
  strictEqual(concrete.includes("reference/restart.ts"), false);
  strictEqual(
    (await importClosure("reference/checkpoint.ts")).includes("reference/codec.ts"),
    true,
  );
  const base = {
    digests: ["", "", ""],
    concrete: Uint8Array.of(0, 1, 0),
    checkpointFiles: ["reference/checkpoint.ts"],
    concreteFiles: ["reference/restart_concrete.ts"],
    restartFiles: ["reference/restart.ts", "reference/restart_concrete.ts", "reference/shadow.ts"],
  };
  const at = (file: string, fn?: string): Mutant => ({
    ...mutant("m"),
    file,
    fns: fn ? [{ line: 1, name: fn }] : [],
  });
  // A shadow-path mutant: not the checkpoint (0), not a restart the concrete path answers (1).
  deepStrictEqual(
    [0, 1, 2].map((i) =>
      mustRun(at("reference/shadow.ts", "f"), base, i ? "restart" : "checkpoint", i)
    ),
    [false, false, true],
  );
  // restart.ts: only `restart()` itself (or its module's top level) runs before the concrete path.
  strictEqual(mustRun(at("reference/restart.ts", "finish"), base, "restart", 1), false);
  strictEqual(mustRun(at("reference/restart.ts", "restart"), base, "restart", 1), true);
  strictEqual(mustRun(at("reference/restart.ts"), base, "restart", 1), true);
  strictEqual(mustRun(at("reference/restart_concrete.ts", "f"), base, "restart", 1), true);
});

Deno.test({
  name: "replay: a mutant's changed runs are the same with the walk's shortcut and without",
  fn: async () => {
    const id = "restart.ts#de76b86f:del-early:0";
    const m = (await generateMutants()).find((x) => x.id === id)!;
    const kernel = JSON.parse(
      await Deno.readTextFile(new URL("../golden/MANIFEST.json", import.meta.url)),
    ).kernel;
    const base = await referenceBaseline(DEFAULT_FUZZ, kernel);
    const seen = (b?: typeof base) => {
      const rids: string[] = [];
      return changedRunsInWorker(
        {
          mutant: m,
          fuzz: DEFAULT_FUZZ,
          kernel,
          root: new URL("../", import.meta.url).pathname,
          base: b,
        },
        (batch) => (rids.push(...batch.map((c) => c.rid)), false),
        600_000,
      ).then((c) => ({ c, rids }));
    };
    const plain = await seen(), short = await seen(base);
    deepStrictEqual(short, plain);
    // By hand: deleting the early return of a check that fails on every path changes runs.
    strictEqual(plain.rids.length > 0, true);
  },
});
