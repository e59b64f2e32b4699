/**
 * Runs the suite against implementations: selects case runs (filter, ABI,
 * profile, shard), sends them to each testee, compares every answer with
 * the reference, and applies the known-failure list. It stops an
 * implementation early on an interrupt, after a few consecutive timeouts or
 * when its wall budget is spent: the runs not done are reported `not-run`,
 * and such an implementation never conforms.
 *
 * @module
 */
import type { AbiName } from "../reference/layout.ts";
import type { Profile } from "../reference/types.ts";
import { caseRuns } from "../cases/suite.ts";
import type { Case, CaseRun } from "../cases/types.ts";
import { type CaseResult, compare, expectedOf, requestOf } from "./compare.ts";
import { applyExpectations, type Expectation, matches, type Stale } from "./expect.ts";
import type { Outcome } from "../protocol/testee.ts";
import type { Hello } from "../protocol/codec.ts";
import type { Testee } from "../protocol/testee.ts";
import { type Cell, cellOf, type Coverage, coverage, declaredCells, type Scope } from "./cells.ts";

/** Which runs to keep. */
export interface Selection {
  /** Operations to keep. */
  ops?: readonly string[];
  /** Glob patterns on result ids; a run is kept if any matches. */
  filters?: readonly string[];
  /** ABIs to keep. */
  abis?: readonly AbiName[];
  /** Profiles to keep (restart runs). */
  profiles?: readonly Profile[];
  /** Shard `k` of `n` (1-based). */
  shard?: { k: number; n: number };
}

/** FNV-1a of a string: a stable hash for sharding. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** True when a case belongs to shard k of n (by its id, so both profiles of a case go together). */
export function inShard(caseId: string, k: number, n: number): boolean {
  return fnv1a(caseId) % n === k - 1;
}

const keepCase = (c: Case, sel: Selection) =>
  (!sel.abis?.length || sel.abis.includes(c.abi)) &&
  (!sel.ops?.length || sel.ops.includes(c.op)) &&
  (!sel.shard || inShard(c.id, sel.shard.k, sel.shard.n));

const keepRun = (r: CaseRun, sel: Selection) =>
  (!r.profile || !sel.profiles?.length || sel.profiles.includes(r.profile)) &&
  (!sel.filters?.length || sel.filters.some((f) => matches(f, r.rid)));

/** Selects cases, then expands them into runs with classes. */
export function selectRuns(cases: readonly Case[], sel: Selection = {}): CaseRun[] {
  return caseRuns(cases.filter((c) => keepCase(c, sel))).filter((r) => keepRun(r, sel));
}

/** {@link selectRuns} one case at a time: runs stream out as cases stream in. */
export function* selectRunsIter(cases: Iterable<Case>, sel: Selection = {}): Generator<CaseRun> {
  for (const c of cases) {
    if (!keepCase(c, sel)) continue;
    for (const r of caseRuns([c])) if (keepRun(r, sel)) yield r;
  }
}

/**
 * Why a selection is empty: the options applied one at a time, each with
 * how many runs were left, naming the first that left none.
 */
export function explainEmpty(cases: readonly Case[], sel: Selection): string {
  const steps: [string, Selection][] = [
    ["--abi", { abis: sel.abis }],
    ["--op", { abis: sel.abis, ops: sel.ops }],
    ["--profile", { abis: sel.abis, ops: sel.ops, profiles: sel.profiles }],
    ["--filter", { ...sel, shard: undefined }],
    ["--shard", sel],
  ];
  const runs = caseRuns(cases);
  const counts = [`${runs.length} runs in the suite`];
  for (const [name, s] of steps) {
    const n = runs.filter((r) => keepCase(r.case, s) && keepRun(r, s)).length;
    counts.push(`${name} → ${n}`);
    if (n === 0) {
      return `no case selected: ${name} left nothing (${counts.join(", ")})`;
    }
  }
  return `no case selected (${counts.join(", ")})`;
}

/** One implementation's results. */
export interface ImplReport {
  /** Name. */
  readonly name: string;
  /** Its hello (undefined when it could not start). */
  readonly hello?: Hello;
  /** Its declared cells in scope, with runs compared, and every coverage gap. */
  readonly coverage?: Coverage;
  /** Setup failure, if any. */
  readonly setupError?: string;
  /** Results in run order. */
  readonly results: CaseResult[];
  /** Stale expectation entries. */
  readonly stale: readonly Stale[];
  /** Wall time, ms. */
  readonly ms: number;
  /** Why the run stopped before every run was done (an interrupt, timeouts, the budget). */
  readonly stopped?: string;
  /** It was stopped by the caller's signal (an interrupt). */
  readonly interrupted?: boolean;
  /** Warnings about the run (a slow testee, with its rate). */
  readonly warnings?: readonly string[];
}

/**
 * True when an implementation conforms. It fails closed: it must have
 * started, had at least one case compared, run every declared cell in
 * scope (and every required one), and every case run must pass or be a
 * listed expected failure; a stale expectation fails it too, and so does a
 * run stopped early.
 */
export function conforms(r: ImplReport): boolean {
  if (r.stopped || r.setupError || r.stale.length || !r.coverage || r.coverage.gaps.length) {
    return false;
  }
  if (!r.results.some((x) => x.status !== "skipped")) return false;
  return r.results.every((x) =>
    x.status === "pass" || x.status === "xfail" || x.status === "skipped"
  );
}

/** Progress callback: implementation, done, total. */
export type Progress = (impl: string, done: number, total: number) => void;

/** Limits of one implementation's run, and how to stop it. */
export interface RunLimits {
  /** Stops the run (an interrupt); its reason (e.g. "SIGINT") is named in the report. */
  readonly signal?: AbortSignal;
  /** Give up after this many consecutive timeouts (0: never). @default 3 */
  readonly maxTimeouts?: number;
  /** Wall budget of the implementation, ms (0 or absent: none). */
  readonly budgetMs?: number;
  /** Warn when the runs take, or will take at the current rate, longer than this (ms). @default 60000 */
  readonly slowMs?: number;
  /** Where warnings go as they happen (they are in the report too). */
  readonly warn?: (message: string) => void;
  /**
   * Each run's result as soon as its answer is compared (before the
   * expectation list is applied): for progress lines and streamed reports.
   * The result belongs to the report: read it, do not change it.
   */
  readonly onResult?: (r: CaseResult) => void;
  /**
   * Let each passed run go of its reference result (see `CaseRun.release`):
   * for the last implementation to run these runs. @default false
   */
  readonly releasePassed?: boolean;
}

/** Thrown through a testee's callback to end a run that does not stop by itself. */
const STOP = new Error("run stopped");

const duration = (ms: number) =>
  ms >= 7_200_000
    ? `${(ms / 3_600_000).toFixed(1)} h`
    : ms >= 120_000
    ? `${(ms / 60_000).toFixed(1)} min`
    : `${(ms / 1000).toFixed(1)} s`;

/** A result for a run that was not done, and why. */
function notRun(r: CaseRun, why: string): CaseResult {
  return {
    rid: r.rid,
    run: r,
    status: "not-run",
    differences: [],
    undefinedNotes: [],
    detail: `not run: ${why}`,
  };
}

/**
 * Runs every run against one testee and compares each answer with the
 * reference. With `limits`, the run stops early (see {@link RunLimits}):
 * the testee is closed at once, and the runs not done are `not-run`.
 */
export async function runImpl(
  testee: Testee,
  runs: readonly CaseRun[],
  expectations: readonly Expectation[] = [],
  progress?: Progress,
  scope: Scope = {},
  limits: RunLimits = {},
): Promise<ImplReport> {
  const t0 = performance.now();
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    limits.warn?.(m);
  };
  let stopped: string | undefined;
  let interrupted = false;
  let closing: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  const halted = new Promise<void>((r) => wake = r);
  const stop = (why: string) => {
    if (stopped) return;
    stopped = why;
    wake!();
    closing = testee.close().catch(() => {});
  };
  const onSignal = () => {
    interrupted = true;
    const r = limits.signal?.reason;
    stop(typeof r === "string" ? `interrupted by ${r}` : "interrupted");
  };
  limits.signal?.addEventListener("abort", onSignal, { once: true });
  const budget = limits.budgetMs
    ? setTimeout(
      () => stop(`its wall budget of ${duration(limits.budgetMs!)} was spent`),
      limits.budgetMs,
    )
    : undefined;
  const cleanup = () => {
    clearTimeout(budget);
    limits.signal?.removeEventListener("abort", onSignal);
  };
  if (limits.signal?.aborted) onSignal();
  const stoppedReport = (hello?: Hello, results: CaseResult[] = []): ImplReport => {
    for (let i = 0; i < runs.length; i++) results[i] ??= notRun(runs[i]!, stopped!);
    return {
      name: testee.name,
      hello,
      results,
      stale: [],
      ms: performance.now() - t0,
      stopped,
      interrupted,
      warnings,
    };
  };
  let hello: Hello;
  try {
    if (stopped) throw STOP;
    const starting = testee.start();
    starting.catch(() => {}); // when the race is lost, its failure is no longer news
    const h = await Promise.race([starting, halted.then(() => undefined)]);
    if (!h) throw STOP;
    hello = h;
  } catch (e) {
    await closing;
    await testee.close().catch(() => {});
    cleanup();
    if (stopped) return stoppedReport();
    return {
      name: testee.name,
      setupError: (e as Error).message,
      results: [],
      stale: [],
      ms: performance.now() - t0,
    };
  }
  const results: CaseResult[] = new Array(runs.length);
  const sendIdx: number[] = [];
  const declared = new Set(declaredCells(hello));
  const compared = new Map<Cell, number>();
  runs.forEach((r, i) => {
    const cell = cellOf(r);
    if (!declared.has(cell)) {
      results[i] = {
        rid: r.rid,
        run: r,
        status: "skipped",
        differences: [],
        undefinedNotes: [],
        detail: `${cell} not declared in its hello`,
      };
    } else {
      sendIdx.push(i);
      compared.set(cell, (compared.get(cell) ?? 0) + 1);
    }
  });
  let done = runs.length - sendIdx.length;
  const maxTimeouts = limits.maxTimeouts ?? 3;
  const slowMs = limits.slowMs ?? 60_000;
  let timeouts = 0;
  let answered = 0;
  let tFirst = 0;
  let slowWarned = false;
  const tRun = performance.now();
  const rateText = (n: number, ms: number) => {
    const r = n / (ms / 1000);
    return `${r >= 10 ? Math.round(r) : r.toPrecision(2)} runs/s`;
  };
  const onOutcome = (j: number, outcome: Outcome) => {
    if (stopped) throw STOP;
    const i = sendIdx[j]!;
    const run = runs[i]!;
    const res = results[i] = compare(run, expectedOf(run), outcome);
    limits.onResult?.(res);
    // A pass keeps its class; its reference result is computed again if anything asks.
    if (limits.releasePassed && res.status === "pass") run.release?.();
    done++;
    answered++;
    if (outcome.status !== "timeout") timeouts = 0;
    else if (++timeouts >= maxTimeouts && maxTimeouts > 0) {
      stop(`gave up after ${timeouts} consecutive timeouts`);
    }
    if (answered === 1) tFirst = performance.now();
    if (!slowWarned && answered >= 2 && ((answered & 7) === 0 || answered < 8)) {
      const now = performance.now();
      const ms = now - tRun;
      // The rest at the rate since the first answer: a testee that answers a whole batch at
      // once (a live kernel, after its boot) is judged by how fast answers come, not by the wait.
      const projected = ms + ((now - tFirst) / (answered - 1)) * (sendIdx.length - answered);
      const after = Math.min(2000, slowMs / 4, (limits.budgetMs || Infinity) / 4);
      if (ms >= after && projected > slowMs) {
        slowWarned = true;
        const over = limits.budgetMs && performance.now() - t0 + projected - ms > limits.budgetMs
          ? `, beyond its budget of ${duration(limits.budgetMs)}: the rest will be not-run`
          : "";
        warn(
          `${testee.name}: slow: ${rateText(answered, ms)}; its ${sendIdx.length} runs take about ${
            duration(projected)
          }${over}`,
        );
      }
    }
    if (progress && (done & 255) === 0) progress(testee.name, done, runs.length);
  };
  try {
    if (!stopped) await testee.run(sendIdx.map((i) => requestOf(runs[i]!)), onOutcome);
  } catch (e) {
    if (e !== STOP) throw e;
  } finally {
    cleanup(); // a run that is over is not stopped by a late budget or signal
    await closing;
    await testee.close();
  }
  // A stop that came after every run had its result changed nothing.
  if (stopped && done === runs.length) stopped = undefined;
  const runMs = performance.now() - tRun;
  if (!slowWarned && !stopped && runMs > slowMs) {
    warn(`${testee.name}: slow: ${rateText(answered, runMs)}; its runs took ${duration(runMs)}`);
  }
  progress?.(testee.name, runs.length, runs.length);
  if (stopped) {
    const rep = stoppedReport(hello, results);
    const notRunIds = rep.results.filter((r) => r.status === "not-run").map((r) => r.rid);
    // An entry that matches a run not done cannot be judged stale.
    const stale = applyExpectations(testee.name, rep.results, expectations).filter((s) =>
      !notRunIds.some((rid) => matches(s.entry.pattern, rid))
    );
    return { ...rep, coverage: coverage(hello, compared, scope), stale };
  }
  const stale = applyExpectations(testee.name, results, expectations);
  return {
    name: testee.name,
    hello,
    coverage: coverage(hello, compared, scope),
    results,
    stale,
    ms: performance.now() - t0,
    warnings,
  };
}
