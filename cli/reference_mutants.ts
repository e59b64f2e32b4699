/**
 * `deno task mutants:reference [--sample N --seed S] [--jobs J] [--id ID]…`:
 * how well the oracle is pinned. Mutates the reference model
 * (`cli/reference_mutator.ts`) and runs the default gate's cross-checks with
 * each mutant as the oracle: the bundled C implementation, seed-c (each ABI
 * the host runs) and the golden kernel captures, in a copy of the repository,
 * one gate process per mutant (`--fail-fast`). A mutant is killed when the
 * gate does not conform (some independent implementation disagrees with the
 * mutated oracle) or the mutated reference crashes or hangs the gate. Every
 * survivor must be explained in `reference/mutation_triage.json`
 * (equivalent, pinned, definedness or tested), else it is unexplained and
 * the run fails. One cohesive thing: the run, its judging against the
 * triage, and its report (the command line at the end).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { applyMutant, type Mutant, mutantsOf } from "./reference_mutator.ts";
import {
  type Baseline,
  changedRunsInWorker,
  differential,
  differentialInWorker,
  identicalSuiteInWorker,
  inputs,
  referenceBaseline,
} from "./reference_differential.ts";
import { addAnswers, type Answers, ReplayJudge } from "./reference_replay.ts";
import { classify } from "./reference_classify.ts";
import { DEFAULT_FUZZ } from "./options.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The reference files that decide outcomes (inspect.ts and layout_doc.ts only document). */
export const TARGETS: readonly string[] = [
  "reference/restart.ts",
  "reference/restart_concrete.ts",
  "reference/checkpoint.ts",
  "reference/walk.ts",
  "reference/layout.ts",
  "reference/shadow.ts",
  "reference/codec.ts",
  "reference/validate.ts",
  "reference/abi.ts",
];

/** The triage file, relative to the repository root. */
export const TRIAGE_PATH = "reference/mutation_triage.json";

/**
 * How a mutant is explained: `equivalent` (nothing observable changes),
 * `pinned` (a cross-check added for it kills it now), `definedness` (it only
 * calls more undefined: the safe direction; `test` names what catches it),
 * `tested` (code the gate's oracle never runs with an effect, such as the
 * ABI registry's own checks; `test` names the unit test that fails).
 */
export type TriageClass = "equivalent" | "pinned" | "definedness" | "tested";

/** One triage entry. */
export interface TriageEntry {
  /** The explanation's class. */
  readonly class: TriageClass;
  /** Why (for `pinned`: what now kills it). */
  readonly reason: string;
  /** The mutated line, for a reader (not matched). */
  readonly line?: string;
  /** The operator, for a reader (not matched). */
  readonly op?: string;
  /** For `definedness` and `tested`: the test file that fails under the mutant (`--verify-tests`). */
  readonly test?: string;
  /**
   * `differential`: proposed from the differential's evidence alone
   * (`--classify`), no reason written by hand yet; counted apart.
   */
  readonly evidence?: "differential";
}

/** The verdict on one mutant. */
export type Verdict = "killed" | "crashed" | "hung" | "survived" | "invalid";

/** One mutant's run. */
export interface MutantRun {
  /** The mutant. */
  readonly mutant: Mutant;
  /** The verdict of the gate. */
  readonly verdict: Verdict;
  /** What killed it (an implementation's name, the error's first line) or why invalid. */
  readonly detail: string;
  /** Wall time of its gate run, ms. */
  readonly ms: number;
}

/** The run's summary. */
export interface MutationSummary {
  /** Mutants generated (before sampling). */
  readonly generated: number;
  /** Mutants run. */
  readonly runs: readonly MutantRun[];
  /** The implementations the gate ran against each mutant. */
  readonly impls: readonly string[];
  /** Bundled implementations left out because they do not conform unmutated (with why). */
  readonly dropped: readonly string[];
  /** Killed (crashed and hung included). */
  readonly killed: number;
  /** Survivors explained as equivalent. */
  readonly equivalent: number;
  /** Killed mutants the triage says were pinned by a new cross-check. */
  readonly pinned: number;
  /** Survivors explained as a definedness-only change in the safe direction. */
  readonly definedness: number;
  /** Survivors outside the oracle, pinned by a named unit test. */
  readonly tested: number;
  /** Of the explained survivors, those whose entry rests on the differential alone (`evidence`). */
  readonly byDifferential: number;
  /** Survivors with no triage entry. */
  readonly unexplained: readonly MutantRun[];
  /** Triage entries contradicted by the run (`pinned`/`equivalent` but the other way). */
  readonly contradicted: readonly string[];
  /** Triage entries naming no generated mutant. */
  readonly stale: readonly string[];
  /** Invalid mutants (do not parse): not counted. */
  readonly invalid: number;
  /** Wall time, s. */
  readonly seconds: number;
}

/** Reads the triage file (empty when there is none). */
export async function readTriage(root = ROOT): Promise<Record<string, TriageEntry>> {
  try {
    return JSON.parse(await Deno.readTextFile(join(root, TRIAGE_PATH)));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw new Error(`${TRIAGE_PATH}: ${(e as Error).message}`);
  }
}

/** Every mutant of the target files, as they are now. */
export async function generateMutants(root = ROOT): Promise<Mutant[]> {
  const out: Mutant[] = [];
  for (const f of TARGETS) out.push(...await mutantsOf(f, await Deno.readTextFile(join(root, f))));
  return out;
}

/**
 * `n` mutants picked by `seed`: the first `n` by a seeded hash of their ids.
 * A mutant's rank depends only on its own id, so an edit elsewhere in the
 * reference keeps the sample but for the mutants it adds or removes.
 */
export function sample(ms: readonly Mutant[], n: number, seed: number): Mutant[] {
  const rank = (m: Mutant) => createHash("sha256").update(`${seed}:${m.id}`).digest("hex");
  return ms.map((m) => [rank(m), m] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n).map(([, m]) => m);
}

/** Copies the repository (no .git, no caches; the pinned Deno linked) into a new temp folder. */
async function copyRepo(root: string): Promise<string> {
  const dst = await Deno.makeTempDir({ prefix: "crconform-refmut-" });
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(root, rel))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (/^(\.git|\.cache|node_modules|out)$/.test(e.name)) continue;
      if (e.isDirectory) {
        await Deno.mkdir(join(dst, p), { recursive: true });
        await walk(p);
      } else if (e.isFile) {
        await Deno.copyFile(join(root, p), join(dst, p));
      }
    }
  };
  await walk("");
  const nm = join(root, "tools/deno/node_modules");
  await Deno.symlink(await Deno.realPath(nm), join(dst, "tools/deno/node_modules"));
  return dst;
}

/** The gate command in `dir` against `impls` (`env`: more environment variables). */
function gate(
  dir: string,
  impls: readonly string[],
  extra: readonly string[] = [],
  env: Record<string, string> = {},
) {
  const deno = join(dir, "tools/deno/node_modules/.bin/deno");
  const only = impls.flatMap((i) => ["--only", i]);
  return new Deno.Command(Deno.execPath() || deno, {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      join(dir, "cli/conform.ts"),
      "--quiet",
      "--no-shrink",
      "--max-failures",
      "1",
      ...only,
      ...extra,
    ],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1", ...env },
  });
}

/** The gates and tests running now: an interrupted run kills them too. */
const running = new Set<Deno.ChildProcess>();

/** Runs a gate command, killed after `timeoutMs`. */
async function runGate(cmd: Deno.Command, timeoutMs: number) {
  const child = cmd.spawn();
  running.add(child);
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutMs);
  const out = await child.output();
  running.delete(child);
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code: out.code, hung, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The implementations a gate's console report says do not conform. */
function failingImpls(stdout: string): string[] {
  return [...stdout.matchAll(/^(\S+)(?: \([^)]*\))?: DOES NOT CONFORM/gm)].map((m) => m[1]!);
}

/**
 * The independent implementations (all bundled but the reference) that
 * conform unmutated; with `answers`, every answer they gave is recorded there.
 */
async function baseline(dir: string, timeoutMs: number, answers?: string) {
  const all = ["c", "seed-c-x86_64", "seed-c-i386", "golden-x86_64", "golden-i386"];
  const r = await runGate(gate(dir, all, answers ? ["--answers", answers] : []), timeoutMs);
  const bad = failingImpls(r.stdout);
  const impls = all.filter((i) => !bad.includes(i) && r.stdout.includes(`${i} (`));
  const dropped = bad.map((b) => {
    const why = r.stdout.split("\n").find((l) => l.includes(`setup: ${b}`))?.trim();
    return `${b}: does not conform unmutated${why ? ` (${why})` : ""}`;
  });
  if (!impls.length) throw new Error(`no bundled implementation conforms here:\n${r.stdout}`);
  return { impls, dropped };
}

/** Calls of each named function of each reference file: `file` → `line:name` → calls. */
export type FunctionCalls = ReadonlyMap<string, ReadonlyMap<string, number>>;

/**
 * The function records of an LCOV report (`FN:line,name`, then
 * `FNDA:calls,name` in the same order), per file relative to `root`. A name
 * met twice at one line sums its calls.
 */
export function parseLcovFunctions(lcov: string, root: string): FunctionCalls {
  const out = new Map<string, Map<string, number>>();
  let file = "", fns: { line: number; name: string }[] = [], i = 0;
  for (const line of lcov.split("\n")) {
    if (line.startsWith("SF:")) {
      file = line.slice(3).replace(/^file:\/\//, "").replace(
        root.endsWith("/") ? root : `${root}/`,
        "",
      );
      fns = [];
      i = 0;
      out.set(file, new Map());
    } else if (line.startsWith("FN:")) {
      const comma = line.indexOf(",");
      fns.push({ line: Number(line.slice(3, comma)), name: line.slice(comma + 1) });
    } else if (line.startsWith("FNDA:")) {
      const comma = line.indexOf(",");
      const calls = Number(line.slice(5, comma)), name = line.slice(comma + 1);
      const fn = fns[i++];
      if (!fn || fn.name !== name) {
        throw new Error(`${file}: FNDA record ${i} names ${name}, expected ${fn?.name ?? "none"}`);
      }
      const key = `${fn.line}:${fn.name}`, calls0 = out.get(file)!.get(key) ?? 0;
      out.get(file)!.set(key, calls0 + calls);
    }
  }
  return out;
}

/**
 * The first named function around `m` that the gate never calls
 * (`name@line`), or `undefined`: the mutant is then possibly executed. Only a
 * function with a record in the report counts (an unnamed one has none).
 */
export function notExecuted(m: Mutant, calls: FunctionCalls): string | undefined {
  const fns = calls.get(m.file);
  if (!fns) return undefined;
  for (const f of m.fns ?? []) {
    if (fns.get(`${f.line}:${f.name}`) === 0) return `${f.name}@${f.line}`;
  }
  return undefined;
}

/**
 * Runs the unmutated gate in `dir` once under V8 coverage (every Deno
 * process it starts too, through `DENO_COVERAGE_DIR`) and returns the calls
 * of each named function of the reference. The gate must conform.
 */
async function gateCoverage(
  dir: string,
  impls: readonly string[],
  timeoutMs: number,
): Promise<FunctionCalls> {
  const cov = await Deno.makeTempDir({ prefix: "crconform-refcov-" });
  try {
    const r = await runGate(gate(dir, impls, [], { DENO_COVERAGE_DIR: cov }), timeoutMs);
    if (r.code !== 0 || r.hung) {
      throw new Error(`the coverage pass: the unmutated gate did not conform (exit ${r.code})`);
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["coverage", cov, "--lcov", `--include=^file://${dir}/reference/`],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`deno coverage: ${new TextDecoder().decode(out.stderr)}`);
    return parseLcovFunctions(new TextDecoder().decode(out.stdout), dir);
  } finally {
    await Deno.remove(cov, { recursive: true }).catch(() => {});
  }
}

/** Whether `deno test` of `file` in `dir` fails (as it must under the mutant it names). */
async function runTest(dir: string, file: string, timeoutMs: number): Promise<boolean> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--no-check", join(dir, file)],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  });
  const r = await runGate(cmd, timeoutMs);
  return r.code !== 0;
}

/** The verdict on one mutant from its gate run. */
function verdictOf(r: Awaited<ReturnType<typeof runGate>>): { verdict: Verdict; detail: string } {
  if (r.hung) return { verdict: "hung", detail: "the gate did not finish in time" };
  if (r.code === 0) return { verdict: "survived", detail: "" };
  // A slow testee's warning is not why the gate failed: the detail is the first other line.
  const lines = [...r.stderr.split("\n"), ...r.stdout.split("\n")].map((l) => l.trim())
    .filter((l) => !/: slow: /.test(l));
  const err = lines.find((l) => /error|Error|setup:/.test(l)) ?? lines.find((l) => l) ?? "";
  if (/could not be parsed|SyntaxError/.test(r.stderr)) return { verdict: "invalid", detail: err };
  const bad = failingImpls(r.stdout).filter((b) => b !== "reference");
  if (r.code === 1 && bad.length) return { verdict: "killed", detail: bad.join(",") };
  return { verdict: "crashed", detail: `exit ${r.code}: ${err.slice(0, 160)}` };
}

/** Options of a run. */
export interface RunOptions {
  /** Only these many mutants, picked by `seed`. */
  readonly sample?: number;
  /** The sample's seed. @default 1 */
  readonly seed?: number;
  /** Only these ids. */
  readonly ids?: readonly string[];
  /** Gate processes at once. @default 1 */
  readonly jobs?: number;
  /** A mutant's gate is killed (verdict hung) after this long. @default 10 × the unmutated gate, at least a minute */
  readonly timeoutMs?: number;
  /** A line about the run's progress (the coverage pass's count). */
  readonly note?: (line: string) => void;
  /** Each finished mutant, as it finishes. */
  readonly progress?: (r: MutantRun, done: number, total: number) => void;
  /** The repository to mutate. @default this one */
  readonly root?: string;
  /**
   * Judge a mutant in process first: one that leaves the gate's suite exactly
   * as it is (every case's inputs, every run's compared values) survives
   * without a gate run (on a loaded machine this costs about what the gate
   * does). @default false
   */
  readonly prefilter?: boolean;
  /**
   * seed-c's never-written memory fills (`SEED_C_FILL`: `pattern`, `random`)
   * tried on each survivor of a gate: seed-c is run again with each, and a
   * disagreement kills the mutant (a value the mutant calls defined depends on
   * never-written memory). The unmutated gate must conform with each. With
   * {@link replay}, each fill's answers are recorded once and replayed
   * instead; and `targeted` (replay only) adds seed-c's answers on every path
   * of `fills:targeted` (each run with undefined values, run with the
   * never-written contents that decide it each way: docs/FILLS.md), so a
   * mutant that calls such a value defined must match seed-c on every path.
   */
  readonly fills?: readonly string[];
  /**
   * Run the unmutated gate once under coverage first: a mutant inside a
   * function the gate never calls survives without a gate run (its triage
   * entry must still explain it). @default false
   */
  readonly coverage?: boolean;
  /**
   * Check every surviving `equivalent` and `definedness` entry with the
   * in-process differential on the default suite and this many fuzzed cases
   * per ABI (seed 2: other inputs than the gate's): an `equivalent` one must
   * change no compared value and call nothing more undefined, a `definedness`
   * one must change no defined value; else the entry is contradicted.
   */
  readonly verifyDifferential?: number;
  /** Run the test a `definedness` or `tested` entry names under its mutant: it must fail. */
  readonly verifyTests?: boolean;
  /** Runs already made (a previous run's `--jsonl`): their mutants are not run again. */
  readonly done?: readonly MutantRun[];
  /**
   * Judge a mutant against recorded answers first: the unmutated gate's run
   * (and each fill's) records every answer (`conform --answers`), and a
   * mutant that keeps the suite's inputs is judged in process by the gate's
   * comparison of its changed expectations with them (`reference_replay.ts`);
   * only a mutant that changes the inputs, throws or is of a file the gate
   * reads outside the cases runs a gate. It makes `prefilter` needless.
   * @default false
   */
  readonly replay?: boolean;
}

/** Runs the mutants and judges the survivors against the triage. */
export async function referenceMutationRun(opts: RunOptions = {}): Promise<MutationSummary> {
  const t0 = performance.now();
  const root = opts.root ?? ROOT;
  const all = await generateMutants(root);
  const triage = await readTriage(root);
  let chosen = opts.ids?.length ? all.filter((m) => opts.ids!.includes(m.id)) : all;
  // In a seeded random order, so that a run stopped early is a fair sample of the whole.
  chosen = sample(chosen, opts.sample ?? chosen.length, opts.seed ?? 1);
  const byId = new Map(all.map((m) => [m.id, m]));
  const picked = new Set(chosen.map((m) => m.id));
  // The last run of each mutant of this selection (ids are stable, so a log outlives edits).
  const last = new Map((opts.done ?? []).map((r) => [r.mutant.id, r]));
  let done = [...last.values()].filter((r) => picked.has(r.mutant.id))
    .map((r) => ({ ...r, mutant: byId.get(r.mutant.id)! }));
  // A survivor of an earlier run whose entry asks for a check not made yet is checked now
  // (its gate is not run again).
  const unchecked = (r: MutantRun) => {
    const t = triage[r.mutant.id];
    if (r.verdict !== "survived" || !t) return false;
    return (!!opts.verifyTests && !!t.test && !/named test (fails|passes)/.test(r.detail)) ||
      (opts.verifyDifferential !== undefined &&
        (t.class === "equivalent" || t.class === "definedness") &&
        !/differential (agrees|contradicts)/.test(r.detail));
  };
  const recheck = new Map(done.filter(unchecked).map((r) => [r.mutant.id, r]));
  done = done.filter((r) => !recheck.has(r.mutant.id));
  const doneIds = new Set(done.map((r) => r.mutant.id));
  chosen = chosen.filter((m) => !doneIds.has(m.id));
  // Every mutant asked for is in the log, every check made: judge the log, run nothing.
  if (!chosen.length && !recheck.size) {
    done.sort((a, b) => (a.mutant.id < b.mutant.id ? -1 : 1));
    return judge(all, done, triage, {
      impls: ["(the log's runs)"],
      dropped: [],
      seconds: (performance.now() - t0) / 1000,
    });
  }
  const jobs = Math.max(1, opts.jobs ?? 1);
  const dirs = await Promise.all(Array.from({ length: jobs }, () => copyRepo(root)));
  // An interrupted run removes its copies too.
  const stop = () => {
    for (const c of running) {
      try {
        c.kill("SIGKILL");
      } catch { /* gone */ }
    }
    for (const d of dirs) {
      try {
        Deno.removeSync(d, { recursive: true });
      } catch { /* gone */ }
    }
    Deno.exit(130);
  };
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const sig of signals) Deno.addSignalListener(sig, stop);
  try {
    const b0 = performance.now();
    const record = (
      name: string,
    ) => (opts.replay ? join(dirs[0]!, `.answers-${name}.jsonl`) : undefined);
    const { impls, dropped } = await baseline(dirs[0]!, opts.timeoutMs ?? 600_000, record("gate"));
    const gateMs = performance.now() - b0;
    const seedC = impls.filter((i) => i.startsWith("seed-c-"));
    // `targeted` is not a whole-memory fill: its answers come from `fills:targeted` (replay only).
    const fills = (opts.fills ?? []).filter((f) => f !== "targeted");
    const targeted = opts.fills?.includes("targeted");
    if (targeted && !opts.replay) throw new Error("--fill targeted needs --replay");
    for (const fill of fills) {
      const rec = record(`fill-${fill}`);
      const r = await runGate(
        gate(dirs[0]!, seedC, rec ? ["--answers", rec] : [], { SEED_C_FILL: fill }),
        opts.timeoutMs ?? 600_000,
      );
      if (r.code !== 0) {
        throw new Error(`seed-c with SEED_C_FILL=${fill} does not conform unmutated`);
      }
    }
    // The recorded answers, read once (the files go with the copy).
    let answers: Answers | undefined, base: Baseline | undefined;
    const kernel0 = JSON.parse(await Deno.readTextFile(join(root, "golden/MANIFEST.json"))).kernel;
    if (opts.replay) {
      answers = new Map();
      let n = addAnswers(answers, await Deno.readTextFile(record("gate")!));
      // Fail closed: an implementation the gate ran with no recorded answer would let every
      // mutant it alone could kill survive.
      const recorded = new Set([...answers.values()].flat().map((a) => a.who));
      const silent = impls.filter((i) => !recorded.has(i));
      if (silent.length) {
        throw new Error(
          `replay: no answer of ${silent.join(", ")} was recorded (conform --answers)`,
        );
      }
      if (targeted) {
        // seed-c on every path of every run with undefined values, each with the never-written
        // contents that decide it (docs/FILLS.md): a mutant that calls such a value defined
        // must match seed-c on every path.
        const rec = record("targeted")!;
        const abis = seedC.map((i) => ["--abi", i.slice("seed-c-".length)]).flat();
        const r = await runGate(
          new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", join(dirs[0]!, "cli/fills_targeted.ts"), ...abis, "--answers", rec],
            cwd: dirs[0]!,
            stdout: "piped",
            stderr: "piped",
            stdin: "null",
          }),
          opts.timeoutMs ?? 3_600_000,
        );
        if (r.code !== 0 || r.hung) {
          throw new Error(
            `fills:targeted: seed-c does not agree with the unmutated reference (exit ${r.code}):\n${
              r.stdout.slice(-2000)
            }`,
          );
        }
        n += addAnswers(answers, await Deno.readTextFile(rec));
      }
      for (const fill of fills) {
        n += addAnswers(
          answers,
          await Deno.readTextFile(record(`fill-${fill}`)!),
          `SEED_C_FILL=${fill}`,
        );
      }
      // The reference's side of every mutant's walk, made once.
      base = await referenceBaseline(DEFAULT_FUZZ, kernel0, root);
      opts.note?.(
        `replay: ${n} recorded answers of ${impls.join(", ")}${
          opts.fills?.length ? ` and seed-c with fills ${opts.fills.join(", ")}` : ""
        }`,
      );
    }
    // A mutant's gate is hung when it takes ten times the unmutated gate (at least a minute).
    const timeoutMs = opts.timeoutMs ?? Math.max(60_000, 10 * gateMs);
    const manifest = JSON.parse(await Deno.readTextFile(join(root, "golden/MANIFEST.json")));
    const kernel = manifest.kernel;
    // Functions the unmutated gate never calls: a mutant inside one is never executed by it.
    const never = opts.coverage ? await gateCoverage(dirs[0]!, impls, timeoutMs) : undefined;
    if (never) {
      // A check of the pass on the runs already made: no mutant a gate killed is inside a
      // function the gate never calls.
      const dead = (r: MutantRun) => ["killed", "crashed", "hung"].includes(r.verdict);
      const bad = done.find((r) => dead(r) && notExecuted(r.mutant, never));
      if (bad) {
        throw new Error(
          `the coverage pass calls ${bad.mutant.id} never executed, but a gate run ${bad.verdict} it`,
        );
      }
      const n = chosen.filter((m) => notExecuted(m, never)).length;
      opts.note?.(
        `coverage pass: ${n} of the ${chosen.length} mutants to run are inside functions the gate never calls`,
      );
    }
    const runs: MutantRun[] = [...done];
    let next = 0;
    const worker = async (dir: string) => {
      while (next < chosen.length) {
        const m = chosen[next++]!;
        const s = performance.now();
        let run: MutantRun | undefined = recheck.get(m.id);
        const uncalled = !run && never && notExecuted(m, never);
        if (uncalled) {
          run = {
            mutant: m,
            verdict: "survived",
            detail: `never executed by the gate (${uncalled} is never called): not run`,
            ms: performance.now() - s,
          };
        }
        if (!run && answers) {
          const judge = new ReplayJudge(answers);
          const v = await changedRunsInWorker(
            { mutant: m, fuzz: DEFAULT_FUZZ, kernel, root, base },
            (batch) => judge.add(batch),
            timeoutMs,
          ).then((c) => judge.verdict(c))
            .catch((e) => ({ verdict: "gate" as const, detail: (e as Error).message }));
          if (v.verdict !== "gate") {
            run = { mutant: m, verdict: v.verdict, detail: v.detail, ms: performance.now() - s };
          }
        }
        if (!run && opts.prefilter && !answers) {
          const same = await identicalSuiteInWorker({ mutant: m, fuzz: DEFAULT_FUZZ, kernel, root })
            .catch((e) => ({ identical: false, runs: 0, first: (e as Error).message }));
          if (same?.identical) {
            run = {
              mutant: m,
              verdict: "survived",
              detail: `the gate's suite is unchanged (${same.runs} runs): not run`,
              ms: performance.now() - s,
            };
          }
        }
        const file = join(dir, m.file);
        const original = await Deno.readTextFile(file);
        await Deno.writeTextFile(file, applyMutant(original, m));
        try {
          if (!run) {
            const g0 = performance.now();
            const r = await runGate(gate(dir, impls, ["--fail-fast"]), timeoutMs);
            run = { mutant: m, ...verdictOf(r), ms: performance.now() - g0 };
            for (const fill of run.verdict === "survived" ? fills : []) {
              const f = await runGate(
                gate(dir, seedC, ["--fail-fast"], { SEED_C_FILL: fill }),
                timeoutMs,
              );
              const v = verdictOf(f);
              if (v.verdict === "survived") continue;
              run = {
                mutant: m,
                ...v,
                detail: `${v.detail} (SEED_C_FILL=${fill})`,
                ms: performance.now() - g0,
              };
              break;
            }
          }
          const test = triage[m.id]?.test;
          if (opts.verifyTests && run.verdict === "survived" && test) {
            const t = await runTest(dir, test, timeoutMs);
            const said = t ? `named test fails: ${test}` : `named test passes: ${test}`;
            run = { ...run, detail: run.detail ? `${said}; ${run.detail}` : said };
          }
          const cls = triage[m.id]?.class;
          const fuzz = opts.verifyDifferential;
          if (
            fuzz !== undefined && run.verdict === "survived" &&
            (cls === "equivalent" || cls === "definedness")
          ) {
            const d = await differentialInWorker({ mutant: m, fuzz, seed: 2, root })
              .catch((e) => ({
                runs: 0,
                observable: 0,
                moreUndefined: 0,
                threw: 1,
                first: `${e}`,
              }));
            const bad = d.observable > 0 || d.threw > 0 ||
              (cls === "equivalent" && d.moreUndefined > 0);
            const said = `differential ${bad ? "contradicts" : "agrees"}: ${d.runs} runs, ` +
              `${d.observable} observable, ${d.moreUndefined} more undefined, ${d.threw} threw` +
              (bad && d.first ? ` (${d.first.slice(0, 200)})` : "");
            run = { ...run, detail: run.detail ? `${said}; ${run.detail}` : said };
          }
          runs.push(run);
          opts.progress?.(run, runs.length, chosen.length + done.length);
        } finally {
          await Deno.writeTextFile(file, original);
        }
      }
    };
    await Promise.all(dirs.map(worker));
    runs.sort((a, b) => (a.mutant.id < b.mutant.id ? -1 : 1));
    return judge(all, runs, triage, { impls, dropped, seconds: (performance.now() - t0) / 1000 });
  } finally {
    for (const sig of signals) Deno.removeSignalListener(sig, stop);
    for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
}

/** The summary of `runs` judged against `triage`. */
export function judge(
  all: readonly Mutant[],
  runs: readonly MutantRun[],
  triage: Readonly<Record<string, TriageEntry>>,
  meta: { impls: readonly string[]; dropped: readonly string[]; seconds: number },
): MutationSummary {
  const ids = new Set(all.map((m) => m.id));
  const dead = (r: MutantRun) => ["killed", "crashed", "hung"].includes(r.verdict);
  const contradicted: string[] = [];
  const unexplained: MutantRun[] = [];
  let equivalent = 0, pinned = 0, definedness = 0, tested = 0, byDifferential = 0;
  for (const r of runs) {
    const t = triage[r.mutant.id];
    if (dead(r)) {
      if (t?.class === "pinned") pinned++;
      else if (t) contradicted.push(`${r.mutant.id}: triaged ${t.class} but ${r.verdict}`);
    } else if (r.verdict === "survived") {
      if (t?.evidence === "differential") byDifferential++;
      if (!t) unexplained.push(r);
      else if (t.class === "equivalent") equivalent++;
      else if (t.class === "definedness") definedness++;
      else if (t.class === "tested") tested++;
      else contradicted.push(`${r.mutant.id}: triaged pinned but survived`);
      if (/named test passes|differential contradicts/.test(r.detail)) {
        contradicted.push(`${r.mutant.id}: ${r.detail}`);
      }
    }
  }
  return {
    generated: all.length,
    runs,
    impls: meta.impls,
    dropped: meta.dropped,
    killed: runs.filter(dead).length,
    equivalent,
    pinned,
    definedness,
    tested,
    byDifferential,
    unexplained,
    contradicted,
    stale: Object.keys(triage).filter((id) => !ids.has(id)).sort(),
    invalid: runs.filter((r) => r.verdict === "invalid").length,
    seconds: meta.seconds,
  };
}

/** The report: counts, the reasons, the unexplained survivors, the run time. */
export function formatSummary(
  s: MutationSummary,
  triage: Readonly<Record<string, TriageEntry>>,
): string {
  const lines: string[] = [];
  const runCount = s.runs.length - s.invalid;
  lines.push(`oracle cross-checks: ${s.impls.join(", ")}`);
  for (const d of s.dropped) lines.push(`  left out: ${d}`);
  const by = (v: Verdict) => s.runs.filter((r) => r.verdict === v).length;
  lines.push(
    `generated ${s.generated}, run ${runCount}${s.invalid ? ` (+${s.invalid} invalid)` : ""}: ` +
      `killed ${s.killed} (${by("killed")} by an implementation, ${by("crashed")} crashed, ${
        by("hung")
      } hung), equivalent ${s.equivalent}, pinned ${s.pinned}, definedness ${s.definedness}, ` +
      `tested ${s.tested}, ` +
      `unexplained ${s.unexplained.length}` +
      (s.byDifferential ? ` (${s.byDifferential} explained by the differential alone)` : ""),
  );
  const explained = s.runs.filter((r) => triage[r.mutant.id] && r.verdict !== "invalid");
  if (explained.length) lines.push("", "explained:");
  for (const r of explained) {
    const t = triage[r.mutant.id]!;
    lines.push(`  ${r.mutant.id} [${t.class}] ${r.mutant.lineText.slice(0, 60)}`);
    lines.push(`      ${t.reason}`);
  }
  if (s.unexplained.length) lines.push("", "UNEXPLAINED survivors:");
  for (const r of s.unexplained) {
    lines.push(
      `  ${r.mutant.id}  ${r.mutant.file}:${r.mutant.line} ${r.mutant.op} → ${
        JSON.stringify(r.mutant.replacement.slice(0, 40))
      }  ${r.mutant.lineText.slice(0, 70)}`,
    );
  }
  for (const c of s.contradicted) lines.push(`CONTRADICTED: ${c}`);
  if (s.stale.length) {
    lines.push(`stale triage entries (no such mutant now): ${s.stale.length}`);
    for (const id of s.stale) lines.push(`  ${id}`);
  }
  lines.push(`run time ${s.seconds.toFixed(1)} s`);
  return lines.join("\n");
}

/** The runs of a `--jsonl` log (a missing file is none). */
export async function readRuns(path: string): Promise<MutantRun[]> {
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as MutantRun);
}

/** Whether the run passes: nothing unexplained, nothing contradicted. */
export const passes = (s: MutationSummary): boolean =>
  s.unexplained.length === 0 && s.contradicted.length === 0;

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sample: { type: "string" },
      seed: { type: "string" },
      jobs: { type: "string" },
      id: { type: "string", multiple: true },
      jsonl: { type: "string" },
      prefilter: { type: "boolean" },
      replay: { type: "boolean" },
      coverage: { type: "boolean" },
      fill: { type: "string", multiple: true },
      differential: { type: "string" },
      classify: { type: "string" },
      "triage-out": { type: "string" },
      "verify-tests": { type: "boolean" },
      "verify-differential": { type: "string" },
      resume: { type: "string" },
      list: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "usage: deno task mutants:reference [--sample N --seed S] [--jobs J] [--id ID]... " +
        "[--jsonl FILE] [--resume FILE] [--replay] [--prefilter] [--coverage] [--fill pattern|random|targeted|none] [--differential N] [--classify N [--triage-out FILE]] [--verify-tests] [--verify-differential N] [--list]",
    );
    Deno.exit(0);
  }
  const num = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) {
      console.error(`--${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
      Deno.exit(2);
    }
    return n;
  };
  const sampleN = num("sample", values.sample), seed = num("seed", values.seed) ?? 1;
  if (values.list) {
    const ms = await generateMutants();
    const picked = sampleN === undefined ? ms : sample(ms, sampleN, seed);
    for (const m of picked.sort((a, b) => (a.id < b.id ? -1 : 1))) {
      console.log(`${m.id}\t${m.file}:${m.line}\t${m.op}\t${m.lineText}`);
    }
    Deno.exit(0);
  }
  const log = values.jsonl
    ? await Deno.open(values.jsonl, {
      create: true,
      write: true,
      append: !!values.resume && values.resume === values.jsonl,
      truncate: !(values.resume && values.resume === values.jsonl),
    })
    : undefined;
  const enc = new TextEncoder();
  if (sampleN !== undefined) console.log(`sample ${sampleN}, seed ${seed}`);
  const s = await referenceMutationRun({
    sample: sampleN,
    seed,
    jobs: num("jobs", values.jobs),
    ids: values.id,
    prefilter: values.prefilter ?? false,
    replay: values.replay ?? false,
    coverage: values.coverage ?? false,
    // seed-c's pattern fill by default (`--fill none`: no fill).
    fills: (values.fill ?? ["pattern"]).filter((f) => f !== "none"),
    verifyTests: values["verify-tests"] ?? false,
    verifyDifferential: num("verify-differential", values["verify-differential"]),
    done: values.resume ? await readRuns(values.resume) : undefined,
    note: (line) => console.error(line),
    progress: (r, done, total) => {
      log?.writeSync(enc.encode(JSON.stringify(r) + "\n"));
      console.error(`[${done}/${total}] ${r.verdict.padEnd(8)} ${r.mutant.id} ${r.detail}`);
    },
  });
  log?.close();
  console.log(formatSummary(s, await readTriage()));
  const fuzz = num("differential", values.differential);
  if (fuzz !== undefined && s.unexplained.length) {
    // The survivors' differential against the reference, to triage them with.
    const cases = inputs(fuzz, seed);
    console.log(
      `\ndifferential of the unexplained survivors (${cases.length} cases, fuzz ${fuzz} per ABI):`,
    );
    for (const r of s.unexplained) {
      const d = await differential(r.mutant, cases);
      console.log(`  ${r.mutant.id}  ${JSON.stringify(d)}`);
    }
  }
  const classifyFuzz = num("classify", values.classify);
  if (classifyFuzz !== undefined && s.unexplained.length) {
    // A first triage from evidence (docs/ORACLE.md): gaps to pin, proposals to check and merge.
    console.log(
      `\nclassify: the differential of ${s.unexplained.length} unexplained survivors ` +
        `(fuzz ${classifyFuzz} per ABI, seed 2):`,
    );
    const proposals: Record<string, TriageEntry> = {};
    const gaps: string[] = [];
    for (const r of s.unexplained) {
      const d = await differentialInWorker({
        mutant: r.mutant,
        fuzz: classifyFuzz,
        seed: 2,
        root: ROOT,
      }).catch((e) => ({
        runs: 0,
        observable: 0,
        moreUndefined: 0,
        metadata: 0,
        threw: 1,
        first: `${e}`,
      }));
      const p = classify(r, d, classifyFuzz);
      if (p.kind === "gap") gaps.push(`${r.mutant.id}: ${p.first}`);
      else proposals[r.mutant.id] = p.entry;
      console.log(
        `  ${r.mutant.id}  ${
          p.kind === "gap" ? `GAP ${p.first}` : `${p.entry.class}: ${p.entry.reason}`
        }`,
      );
    }
    console.log(
      `classify: ${gaps.length} gaps, ${Object.keys(proposals).length} proposed entries`,
    );
    for (const g of gaps) console.log(`  GAP ${g}`);
    if (values["triage-out"]) {
      await Deno.writeTextFile(values["triage-out"], JSON.stringify(proposals, null, 2) + "\n");
    }
  }
  Deno.exit(passes(s) ? 0 : 1);
}
