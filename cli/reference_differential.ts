/**
 * The differential between the reference and one of its mutants, in
 * process: both models run on the same inputs (the default suite's cases
 * and a large fuzz batch, built once by the unmutated model) and every
 * result is compared. What it tells a survivor's triage: no observable
 * difference (equivalent), differences only where the mutant calls more
 * undefined (definedness, the safe direction), or an observable difference
 * and the first input that shows it (a case to pin it with).
 *
 * One cohesive thing: the reference and a mutant of it compared in process,
 * as the differential, as the prefilter (is the gate's suite unchanged?) and
 * as the replay's walk (which of the gate's runs does it change?), and the
 * worker each runs in.
 *
 * @module
 */
import { join } from "node:path";
import { iterCases, namedCases, resultId } from "../cases/suite.ts";
import type { Case, Expected } from "../cases/types.ts";
import { PROFILES } from "../reference/types.ts";
import type { CheckpointResult, KernelVersion, Maybe, RestartOutcome } from "../reference/types.ts";
import { checkpoint as checkpoint0 } from "../reference/checkpoint.ts";
import { restart as restart0 } from "../reference/restart.ts";
import { restartConcrete } from "../reference/restart_concrete.ts";
import { applyMutant, type Mutant } from "./reference_mutator.ts";
import { toHex } from "../reference/bytes.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The differential's verdict on one mutant. */
export interface Differential {
  /** Runs compared (restart cases × profiles, checkpoint cases). */
  readonly runs: number;
  /** Runs where a value defined in both differs, or the mutant calls defined what was not. */
  readonly observable: number;
  /** Runs where the mutant calls undefined a value the reference defines (and nothing else differs). */
  readonly moreUndefined: number;
  /** Runs where only the decision or an undefined value's source differs. */
  readonly metadata: number;
  /** Runs where the mutant threw. */
  readonly threw: number;
  /** The first run with an observable difference (or a throw): its case id and what differs. */
  readonly first?: string;
}

/** The inputs: the default suite's cases and `fuzz` fuzzed cases per ABI, seed `seed`. */
export function inputs(fuzz: number, seed = 1): Case[] {
  return [...iterCases({ seed, cases: 64, fuzz })];
}

/** Copies `dirs` of the repository (recursively) into a temp folder with the mutant applied. */
async function mutatedCopy(m: Mutant, dirs: readonly string[], root: string): Promise<string> {
  const dst = await Deno.makeTempDir({ prefix: "crconform-refdiff-" });
  const walk = async (rel: string) => {
    await Deno.mkdir(join(dst, rel), { recursive: true });
    for await (const e of Deno.readDir(join(root, rel))) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile && !e.name.endsWith("_test.ts")) {
        let text = await Deno.readTextFile(join(root, p));
        if (p === m.file) text = applyMutant(text, m);
        await Deno.writeTextFile(join(dst, p), text);
      }
    }
  };
  for (const d of dirs) await walk(d);
  return dst;
}

/** Loads the mutated model (a copy of `reference/` with the mutant applied) in process. */
export async function loadMutant(m: Mutant, root: string = ROOT): Promise<{
  restart: typeof restart0;
  checkpoint: typeof checkpoint0;
}> {
  const dir = await mutatedCopy(m, ["reference"], root);
  try {
    const r = await import(`file://${dir}/reference/restart.ts`);
    const c = await import(`file://${dir}/reference/checkpoint.ts`);
    return { restart: r.restart, checkpoint: c.checkpoint };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The reference files the gate reads outside the cases (protocol, harness): a mutant of one is always run through the gate. */
export const READ_BY_THE_GATE: readonly string[] = [
  "reference/layout.ts",
  "reference/validate.ts",
  "reference/abi.ts",
  "reference/walk.ts",
  "reference/bytes.ts",
  "reference/errors.ts",
];

/** What the gate sees of a suite: every case's inputs and each run's compared values. */
type Suite = (kernel: KernelVersion) => Iterable<Case>;

/** Deep equality over the plain data of inputs (bigints, byte arrays, objects, arrays). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** Whether two restart outcomes agree on everything the gate compares (defined values and definedness). */
function sameCompared(a: RestartOutcome, b: RestartOutcome): boolean {
  return restartDigest(a) === restartDigest(b);
}

/**
 * Whether the mutant leaves the gate's suite exactly as it is: the default
 * suite (seed 1, 64 generated states, `fuzz` fuzzed cases per ABI) and the
 * named cases for the golden kernel `kernel`, built by the mutated model,
 * have the same cases with the same inputs, and every run the same compared
 * values. When so, the gate cannot kill it (it compares the same answers
 * with the same expectations) and need not be run. A mutant of a file the
 * gate reads outside the cases is never judged this way (`undefined`).
 */
export async function identicalSuite(
  m: Mutant,
  fuzz: number,
  kernel: KernelVersion,
  root = ROOT,
): Promise<{ identical: boolean; runs: number; first?: string } | undefined> {
  const w = await walkSuites(m, fuzz, kernel, root, (run) => `${run.rid}: outcome differs`);
  if (!w) return undefined;
  if (w.stopped) return { identical: false, runs: w.runs, first: w.stopped };
  return { identical: true, runs: w.runs };
}

/** Which implementations answer a run: the gate's suite (`main`) or a golden capture's own cases. */
export type SuiteGroup = "main" | `golden-${string}`;

/** A run of the gate whose expected result the mutant changes (its inputs are the same). */
export interface ChangedRun {
  /** Whose runs: the gate's suite or a golden capture's cases. */
  readonly group: SuiteGroup;
  /** The run's result id. */
  readonly rid: string;
  /** Its case's ABI. */
  readonly abi: Case["abi"];
  /** The mutated model's result for it. */
  readonly expected: Expected;
}

/** What {@link changedRuns} found (the changed runs themselves went to its `emit`). */
export type Changes =
  | { readonly judged: false; readonly runs: number; readonly why: string }
  | {
    readonly judged: true;
    readonly runs: number;
    /** How many runs changed (all were emitted, unless {@link truncated}). */
    readonly changed: number;
    /** More runs changed than the cap: only the first ones were emitted. */
    readonly truncated: boolean;
  };

/**
 * The runs of the gate whose compared result the mutant changes, given to
 * `emit` in batches as they are found, when the gate's suite built by the
 * mutant has the same cases with the same inputs (else `judged: false`,
 * with why; also when the mutant throws, and for a file the gate reads
 * outside the cases; the runs emitted before then were changed too). Every
 * other run's expectation is the same, so the recorded answers that passed
 * it still pass: judging these against the recorded answers is judging the
 * gate.
 */
export async function changedRuns(
  m: Mutant,
  fuzz: number,
  kernel: KernelVersion,
  emit: (batch: ChangedRun[]) => void,
  root = ROOT,
  base?: Baseline,
  cap = 20_000,
): Promise<Changes> {
  let pending: ChangedRun[] = [], changed = 0, truncated = false;
  const flush = () => {
    if (pending.length) emit(pending);
    pending = [];
  };
  const w = await walkSuites(m, fuzz, kernel, root, (run, group, expected) => {
    if (changed >= cap) {
      truncated = true;
      return "enough";
    }
    changed++;
    pending.push({ group, rid: run.rid, abi: run.case.abi, expected });
    // Small batches first: the first changed run is the likeliest to kill.
    if (pending.length >= Math.min(256, 4 * changed)) flush();
    return undefined;
  }, base);
  flush();
  if (!w) return { judged: false, runs: 0, why: "a file the gate reads outside the cases" };
  if (w.stopped && !truncated) return { judged: false, runs: w.runs, why: w.stopped };
  return { judged: true, runs: w.runs, changed, truncated };
}

/**
 * Walks the gate's suites built by the reference and by the mutant side by
 * side. Stops (`stopped`: why) at the first case whose list entry or inputs
 * differ, at a throw, or when `onChanged` (called for each run whose
 * compared result differs, with the mutant's result) says why to stop.
 * `undefined` for a mutant of a file the gate reads outside the cases.
 */
async function walkSuites(
  m: Mutant,
  fuzz: number,
  kernel: KernelVersion,
  root: string,
  onChanged: (
    run: { rid: string; case: Case },
    group: SuiteGroup,
    expected: Expected,
  ) => string | undefined,
  base?: Baseline,
): Promise<{ runs: number; stopped?: string } | undefined> {
  if (READ_BY_THE_GATE.includes(m.file)) return undefined;
  const dir = await mutatedCopy(m, ["reference", "cases"], root);
  let mod;
  try {
    mod = {
      suite: await import(`file://${dir}/cases/suite.ts`),
      restart: (await import(`file://${dir}/reference/restart.ts`)).restart as typeof restart0,
      checkpoint: (await import(`file://${dir}/reference/checkpoint.ts`))
        .checkpoint as typeof checkpoint0,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const suites: [SuiteGroup, Suite, Suite][] = [
    [
      "main",
      () => iterCases({ seed: 1, cases: 64, fuzz }),
      () => mod.suite.iterCases({ seed: 1, cases: 64, fuzz }),
    ],
    ...(["x86_64", "i386"] as const).map((abi): [SuiteGroup, Suite, Suite] => [
      `golden-${abi}`,
      (k) => namedCases(abi, { version: k }).map(seedOnly),
      (k) => (mod.suite.namedCases(abi, { version: k }) as Case[]).map(seedOnly),
    ]),
  ];
  let runs = 0;
  for (const [group, mine, theirs] of suites) {
    const it = theirs(kernel)[Symbol.iterator]();
    for (const c of mine(kernel)) {
      const n = it.next();
      const d = n.done ? undefined : n.value as Case;
      if (!d || d.id !== c.id || d.op !== c.op) {
        return { runs, stopped: `${c.id}: the case list differs (${d?.id ?? "end"})` };
      }
      try {
        if (c.op === "checkpoint" && d.op === "checkpoint") {
          runs++;
          if (!same(c.state, d.state) || !same(c.env, d.env)) {
            return { runs, stopped: `${c.id}: inputs differ` };
          }
          if (base && !mustRun(m, base, "checkpoint", runs - 1)) continue;
          const y = mod.checkpoint(d.state, d.env);
          const differs = base
            ? base.digests[runs - 1] !== checkpointDigest(y)
            : checkpointDigest(checkpoint0(c.state, c.env)) !== checkpointDigest(y);
          if (differs) {
            const why = onChanged({ rid: resultId(c), case: c }, group, {
              kind: "checkpoint",
              r: y,
            });
            if (why) return { runs, stopped: why };
          }
        } else if (c.op === "restart" && d.op === "restart") {
          if (!same(c.image, d.image) || !same(c.env, d.env) || !same(c.profiles, d.profiles)) {
            return { runs, stopped: `${c.id}: inputs differ` };
          }
          for (const p of c.profiles ?? PROFILES) {
            runs++;
            if (base && !mustRun(m, base, "restart", runs - 1)) continue;
            const y = mod.restart(d.image, d.env, p);
            const differs = base
              ? base.digests[runs - 1] !== restartDigest(y)
              : !sameCompared(restart0(c.image, c.env, p), y);
            if (differs) {
              const run = { rid: resultId(c, p), case: c };
              const why = onChanged(run, group, { kind: "restart", o: y });
              if (why) return { runs, stopped: why };
            }
          }
        }
      } catch (e) {
        return { runs, stopped: `${c.id}: the mutant threw ${(e as Error).message}` };
      }
    }
    if (!it.next().done) return { runs, stopped: "the mutant's suite has more cases" };
  }
  return { runs };
}

/** What the gate compares of a restart outcome, as one string: defined values, `u` for undefined ones. */
export function restartDigest(o: RestartOutcome): string {
  const v = (m: Maybe<number>) => (m.defined ? String(m.value) : "u");
  let s = `${v(o.ret)},${v(o.consumed)},${o.counter},`;
  for (let i = 0; i < o.comm.length; i++) s += o.commDefined[i] ? `${o.comm[i]}.` : "u.";
  return s;
}

/** What the gate compares of a checkpoint result, as one string. */
export function checkpointDigest(r: CheckpointResult): string {
  return `${r.ret},${r.counter},${toHex(r.image)}`;
}

/**
 * What a mutant's walk needs of the reference, made once: the digest of
 * every run of the gate's suites (in the order {@link changedRuns} walks
 * them), which restart runs the concrete path answers, and the reference
 * files each operation's code reads. With it the reference is not run again
 * per mutant, and a run whose code does not read the mutated file is not
 * run under the mutant either (its result cannot change).
 */
export interface Baseline {
  /** Each run's compared values ({@link restartDigest}, {@link checkpointDigest}). */
  readonly digests: readonly string[];
  /** Per run: 1 when it is a restart the concrete path answers. */
  readonly concrete: Uint8Array;
  /** The reference files `checkpoint()` reads (its module and what it imports, transitively). */
  readonly checkpointFiles: readonly string[];
  /** The files a restart the concrete path answers reads (`restart_concrete.ts`'s closure, and what `restart()` calls before it). */
  readonly concreteFiles: readonly string[];
  /** The files any restart reads (`restart.ts`'s closure). */
  readonly restartFiles: readonly string[];
}

/** The reference files `file` imports for their code (not types only), transitively, itself included. */
export async function importClosure(file: string, root = ROOT): Promise<string[]> {
  const seen = new Set<string>();
  const visit = async (f: string) => {
    if (seen.has(f)) return;
    seen.add(f);
    const text = await Deno.readTextFile(join(root, f));
    for (
      const m of text.matchAll(/(?:^|\n)(?:import|export)\s+(type\s)?[^;]*?from\s+"\.\/([^"]+)"/g)
    ) {
      if (!m[1]) await visit(`reference/${m[2]}`);
    }
  };
  await visit(file);
  return [...seen].sort();
}

/** The {@link Baseline} of the gate's suites (`fuzz` fuzzed cases per ABI, golden kernel `kernel`). */
export async function referenceBaseline(
  fuzz: number,
  kernel: KernelVersion,
  root = ROOT,
): Promise<Baseline> {
  const digests: string[] = [], flags: number[] = [];
  const all = [
    ...iterCases({ seed: 1, cases: 64, fuzz }),
    ...(["x86_64", "i386"] as const).flatMap((abi) =>
      namedCases(abi, { version: kernel }).map(seedOnly)
    ),
  ];
  for (const c of all) {
    if (c.op === "checkpoint") {
      digests.push(checkpointDigest(checkpoint0(c.state, c.env)));
      flags.push(0);
      continue;
    }
    for (const p of c.profiles ?? PROFILES) {
      digests.push(restartDigest(restart0(c.image, c.env, p)));
      flags.push(restartConcrete(c.image, c.env, p) ? 1 : 0);
    }
  }
  // `restart()` validates the environment and the profile before the concrete path.
  const wrapper = ["reference/validate.ts", "reference/errors.ts"];
  return {
    digests,
    concrete: Uint8Array.from(flags),
    checkpointFiles: await importClosure("reference/checkpoint.ts", root),
    concreteFiles: [
      ...new Set([...await importClosure("reference/restart_concrete.ts", root), ...wrapper]),
    ],
    restartFiles: await importClosure("reference/restart.ts", root),
  };
}

/**
 * Whether a run must be run under the mutant `m` to know its result: its
 * code reads the mutated file. A restart the concrete path answers reads
 * `restart.ts` only in `restart()` itself (or its module's top level).
 */
export function mustRun(m: Mutant, b: Baseline, op: Case["op"], index: number): boolean {
  if (op === "checkpoint") return b.checkpointFiles.includes(m.file);
  if (!b.concrete[index]) return b.restartFiles.includes(m.file);
  if (b.concreteFiles.includes(m.file)) return true;
  return m.file === "reference/restart.ts" &&
    (!m.fns?.length || m.fns.some((f) => f.name === "restart"));
}

const seedOnly = (c: Case): Case => (c.op === "restart" ? { ...c, profiles: ["seed"] } : c);

type Cmp = "same" | "metadata" | "more-undefined" | "observable";

const worst = (a: Cmp, b: Cmp): Cmp => {
  const order: Cmp[] = ["same", "metadata", "more-undefined", "observable"];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
};

function cmpMaybe<T>(a: Maybe<T>, b: Maybe<T>): Cmp {
  if (a.defined && b.defined) return a.value === b.value ? "same" : "observable";
  if (a.defined) return "more-undefined";
  if (b.defined) return "observable";
  return a.source === b.source ? "same" : "metadata";
}

function cmpRestart(a: RestartOutcome, b: RestartOutcome): [Cmp, string] {
  let c = worst(cmpMaybe(a.ret, b.ret), cmpMaybe(a.consumed, b.consumed));
  const what: string[] = [];
  if (c !== "same") {
    what.push(
      `ret/consumed ${show(a.ret)},${show(a.consumed)} → ${show(b.ret)},${show(b.consumed)}`,
    );
  }
  if (a.counter !== b.counter) {
    c = "observable";
    what.push(`counter ${a.counter} → ${b.counter}`);
  }
  for (let i = 0; i < a.comm.length; i++) {
    const da = a.commDefined[i], db = b.commDefined[i];
    let d: Cmp = "same";
    if (da && db) d = a.comm[i] === b.comm[i] ? "same" : "observable";
    else if (da) d = "more-undefined";
    else if (db) d = "observable";
    else if (a.commSource[i] !== b.commSource[i]) d = "metadata";
    if (d !== "same") what.push(`comm[${i}] ${d}`);
    c = worst(c, d);
  }
  if (c === "same" && JSON.stringify(dec(a.decision)) !== JSON.stringify(dec(b.decision))) {
    c = "metadata";
  }
  return [c, what.join("; ")];
}

const show = (m: Maybe<number>) => (m.defined ? String(m.value) : `undef(${m.source})`);
const dec = (d: RestartOutcome["decision"]) => ({ ...d, field: d.field?.name });

function cmpCheckpoint(a: CheckpointResult, b: CheckpointResult): [Cmp, string] {
  if (a.ret !== b.ret || a.counter !== b.counter) {
    return ["observable", `ret ${a.ret} → ${b.ret}, counter ${a.counter} → ${b.counter}`];
  }
  if (a.image.length !== b.image.length) {
    return ["observable", `image ${a.image.length} → ${b.image.length} bytes`];
  }
  for (let i = 0; i < a.image.length; i++) {
    if (a.image[i] !== b.image[i]) return ["observable", `image byte 0x${i.toString(16)}`];
  }
  return [
    JSON.stringify(dec(a.decision)) === JSON.stringify(dec(b.decision)) ? "same" : "metadata",
    "",
  ];
}

/** Runs the reference and the mutant on every input and counts the differences. */
export async function differential(
  m: Mutant,
  cases: readonly Case[],
  root: string = ROOT,
): Promise<Differential> {
  const mut = await loadMutant(m, root);
  let runs = 0, observable = 0, moreUndefined = 0, metadata = 0, threw = 0;
  let first: string | undefined;
  for (const c of cases) {
    const jobs: [string, () => [Cmp, string]][] = [];
    if (c.op === "checkpoint") {
      jobs.push([
        c.id,
        () => cmpCheckpoint(checkpoint0(c.state, c.env), mut.checkpoint(c.state, c.env)),
      ]);
    } else {
      for (const p of c.profiles ?? PROFILES) {
        jobs.push([
          `${c.id}@${p}`,
          () => cmpRestart(restart0(c.image, c.env, p), mut.restart(c.image, c.env, p)),
        ]);
      }
    }
    for (const [id, job] of jobs) {
      runs++;
      let r: [Cmp, string];
      try {
        r = job();
      } catch (e) {
        threw++;
        first ??= `${id}: the mutant threw ${(e as Error).message}`;
        continue;
      }
      if (r[0] === "observable") {
        observable++;
        first ??= `${id}: ${r[1]}`;
      } else if (r[0] === "more-undefined") moreUndefined++;
      else if (r[0] === "metadata") metadata++;
    }
  }
  return { runs, observable, moreUndefined, metadata, threw, first };
}

/** A worker's request: judge one mutant with {@link identicalSuite} (or {@link changedRuns}). */
export interface PrefilterRequest {
  /** The reference's {@link Baseline} for {@link changedRuns}, if made. */
  readonly base?: Baseline;
  /** The mutant. */
  readonly mutant: Mutant;
  /** Fuzzed cases per ABI of the gate's suite. */
  readonly fuzz: number;
  /** The golden kernel's version. */
  readonly kernel: KernelVersion;
  /** The repository. */
  readonly root: string;
}

/**
 * {@link identicalSuite} in a worker, so the mutated module graph is let go
 * when it is done (a process judging hundreds of mutants would keep them all).
 */
export function identicalSuiteInWorker(
  req: PrefilterRequest,
): Promise<Awaited<ReturnType<typeof identicalSuite>>> {
  return inWorker({ kind: "prefilter", ...req }) as Promise<
    Awaited<ReturnType<typeof identicalSuite>>
  >;
}

/** A worker's request: the {@link differential} of one mutant on {@link inputs}`(fuzz, seed)`. */
export interface DifferentialRequest {
  /** The mutant. */
  readonly mutant: Mutant;
  /** Fuzzed cases per ABI. */
  readonly fuzz: number;
  /** Their seed. */
  readonly seed: number;
  /** The repository. */
  readonly root: string;
}

/** {@link differential} in a worker (the mutated module graph is let go when it is done). */
export function differentialInWorker(req: DifferentialRequest): Promise<Differential> {
  return inWorker({ kind: "differential", ...req }) as Promise<Differential>;
}

/**
 * {@link changedRuns} in a worker: each batch of changed runs goes to
 * `onBatch` as the worker finds it; when `onBatch` returns true (the mutant
 * is judged: killed) the worker is stopped and `undefined` is the result. It
 * is given up (rejected) after `timeoutMs`: a mutant that loops forever is
 * then left to the gate, which calls it hung.
 */
export function changedRunsInWorker(
  req: PrefilterRequest,
  onBatch: (batch: ChangedRun[]) => boolean,
  timeoutMs: number,
): Promise<Changes | undefined> {
  return inWorker({ kind: "changes", ...req }, timeoutMs, onBatch) as Promise<
    Changes | undefined
  >;
}

function inWorker(
  msg: unknown,
  timeoutMs?: number,
  onBatch?: (batch: ChangedRun[]) => boolean,
): Promise<unknown> {
  const w = new Worker(new URL("./reference_differential.ts", import.meta.url), {
    type: "module",
  });
  return new Promise((resolve, reject) => {
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      w.terminate();
      reject(new Error(`no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    w.onmessage = (e) => {
      if (e.data.batch) {
        if (!onBatch?.(e.data.batch)) return;
        clearTimeout(timer);
        w.terminate();
        resolve(undefined);
        return;
      }
      clearTimeout(timer);
      w.terminate();
      if (e.data.error) reject(new Error(e.data.error));
      else resolve(e.data.result);
    };
    w.onerror = (e) => {
      clearTimeout(timer);
      w.terminate();
      e.preventDefault();
      reject(new Error(e.message));
    };
    w.postMessage(msg);
  });
}

// In a worker: answer one request.
// deno-lint-ignore no-explicit-any
const self_ = globalThis as any;
if (typeof self_.WorkerGlobalScope !== "undefined" && self_ instanceof self_.WorkerGlobalScope) {
  self_.onmessage = async (
    e: MessageEvent<
      | ({ kind: "prefilter" } & PrefilterRequest)
      | ({ kind: "changes" } & PrefilterRequest)
      | ({ kind: "differential" } & DifferentialRequest)
    >,
  ) => {
    try {
      const q = e.data;
      self_.postMessage({
        result: q.kind === "prefilter"
          ? await identicalSuite(q.mutant, q.fuzz, q.kernel, q.root)
          : q.kind === "changes"
          ? await changedRuns(
            q.mutant,
            q.fuzz,
            q.kernel,
            (batch) => self_.postMessage({ batch }),
            q.root,
            q.base,
          )
          : await differential(q.mutant, inputs(q.fuzz, q.seed), q.root),
      });
    } catch (err) {
      self_.postMessage({ error: (err as Error).message });
    }
  };
}
