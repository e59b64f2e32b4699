/**
 * Runs the selected runs (see `runs.ts`) against implementations: sends
 * them to each testee, compares every answer with the reference, and
 * applies the known-failure list. It stops an implementation early on an
 * interrupt, after a few consecutive timeouts or when its wall budget is
 * spent: the runs not done are reported `not-run`, and such an
 * implementation never conforms.
 *
 * This module is one cohesive thing: the run loop and the verdict it gives.
 *
 * @module
 */
import type { CaseRun } from "../cases/types.ts";
import { type CaseResult, compare, expectedOf, notRun, requestOf, skipped } from "./compare.ts";
import { type Expectation, ExpectationTally, type Stale } from "./expect.ts";
import type { Outcome } from "../protocol/testee.ts";
import { featuresOf, type Hello, helloAccepts } from "../protocol/codec.ts";
import type { Testee } from "../protocol/testee.ts";
import { type Cell, cellOf, type Coverage, coverage, declaredCells, type Scope } from "./cells.ts";
import { summarize, type Summary, Tally } from "./summary.ts";
import { driftOf, isSource, runCount, type RunSource, segmentsOf } from "./runs.ts";

export {
  explainEmpty,
  ridsOfRuns,
  runCount,
  runsOfCells,
  type RunSource,
  type Selection,
  selectRuns,
  suiteSource,
} from "./runs.ts";

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
  /**
   * Results in run order: every run's, or, when {@link summary} is there
   * (the runs streamed), only those that are neither passes nor `not-run`.
   */
  readonly results: CaseResult[];
  /**
   * What every run's result added up to, when {@link results} does not hold
   * them all (the runs streamed from a {@link RunSource}); absent when it
   * does. Read it through {@link summaryOf}.
   */
  readonly summary?: Summary;
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
  /** How it broke `PROTOCOL.md`'s rule for the end of its input (exit 0), if it did. */
  readonly endError?: string;
}

/**
 * True when an implementation conforms. It fails closed: it must have
 * started, had at least one case compared, run every declared cell in
 * scope (and every required one), and every case run must pass or be a
 * listed expected failure; a stale expectation fails it too, and so does a
 * run stopped early, and a testee that did not exit 0 at the end of its input.
 */
export function conforms(r: ImplReport): boolean {
  if (
    r.stopped || r.setupError || r.endError || r.stale.length || !r.coverage ||
    r.coverage.gaps.length
  ) {
    return false;
  }
  const { runs, counts } = summaryOf(r);
  if (runs - (counts["skipped"] ?? 0) === 0) return false;
  return Object.entries(counts).every(([status, n]) =>
    n === 0 || status === "pass" || status === "xfail" || status === "skipped"
  );
}

/** What an implementation's results add up to: its summary, or the count of its results. */
export function summaryOf(r: ImplReport): Summary {
  return r.summary ?? summarize(r.results);
}

/**
 * Every run's result, for a report that lists them all (JSON, JUnit, HTML,
 * `--update-expect`); throws when the runs streamed and only the notable
 * results were kept (the gate does not stream when such a report is asked for).
 */
export function completeResults(r: ImplReport, forWhat: string): CaseResult[] {
  if (r.summary) {
    throw new Error(
      `${forWhat} needs every result of ${r.name}, but its ${r.summary.runs} runs streamed and ` +
        `only the ${r.results.length} results that are not passes were kept`,
    );
  }
  return r.results;
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
  /**
   * How many runs are about to be sent (the runs of the cells the testee
   * declares), said once, after its hello and before the first is sent.
   */
  readonly onSending?: (count: number) => void;
}

/** Thrown through a testee's callback to end a run that does not stop by itself. */
const STOP = new Error("run stopped");

const duration = (ms: number) =>
  ms >= 7_200_000
    ? `${(ms / 3_600_000).toFixed(1)} h`
    : ms >= 120_000
    ? `${(ms / 60_000).toFixed(1)} min`
    : `${(ms / 1000).toFixed(1)} s`;

/**
 * Runs every run against one testee and compares each answer with the
 * reference. With `limits`, the run stops early (see {@link RunLimits}):
 * the testee is closed at once, and the runs not done are `not-run`. Runs
 * given as a {@link RunSource} stream through a segment at a time: the
 * report then keeps only the results that are not passes, and counts every
 * one in its `summary`.
 */
export async function runImpl(
  testee: Testee,
  runs: readonly CaseRun[] | RunSource,
  expectations: readonly Expectation[] = [],
  progress?: Progress,
  scope: Scope = {},
  limits: RunLimits = {},
): Promise<ImplReport> {
  const t0 = performance.now();
  const streamed = isSource(runs);
  const total = runCount(runs);
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

  // Every result goes through `settle`, in run order: the expectation list is applied, the
  // tally counts it (streamed runs), and the result is kept (every one, or only the notable).
  const results: CaseResult[] = [];
  const expected = new ExpectationTally(testee.name, expectations);
  const tally = streamed ? new Tally() : undefined;
  // Passes per cell (after the expectation list): a declared cell needs one to conform.
  const passed = new Map<Cell, number>();
  const settle = (r: CaseResult) => {
    if ((r.status as string) === "not-run") expected.notDone(r.rid);
    else expected.add(r);
    if (r.status === "pass") {
      const cell = cellOf(r.run);
      passed.set(cell, (passed.get(cell) ?? 0) + 1);
    }
    if (!tally) {
      results.push(r);
      return;
    }
    tally.add(r);
    if (r.status !== "pass" && (r.status as string) !== "not-run") results.push(r);
  };
  /**
   * The runs of `first` and of the segments after it, never sent: skipped when the testee
   * does not declare their cell (as far as its hello is known), else not run.
   */
  const settleRest = (
    segments: Iterator<readonly CaseRun[]>,
    first: readonly CaseRun[] | undefined,
    declared?: ReadonlySet<Cell>,
    onCell?: (cell: Cell, sendable: boolean) => void,
  ) => {
    for (let seg = first; seg; seg = segments.next().value ?? undefined) {
      for (const r of seg) {
        const cell = declared && cellOf(r);
        // A run needing a feature the hello lacks is skipped, as it would have been if sent.
        const lacks = !!cell && declared.has(cell) && !!helloNow &&
          !helloAccepts(helloNow, r.case.env);
        if (cell) onCell?.(cell, !lacks);
        settle(
          cell && !declared.has(cell)
            ? skipped(r, cell)
            : lacks
            ? skipped(r, `feature ${featuresOf(r.case.env).join(" ")}`)
            : notRun(r, stopped!),
        );
      }
    }
  };
  let helloNow: Hello | undefined;
  // A source read again must give the runs its first pass counted (else coverage means nothing).
  const readCells = new Map<Cell, number>();
  const read = (cell: Cell) => readCells.set(cell, (readCells.get(cell) ?? 0) + 1);
  const coverageOf = (hello: Hello, compared: Map<Cell, number>) => {
    const c = coverage(hello, compared, scope, passed);
    const extra = streamed ? driftOf(runs, readCells) : [];
    return extra.length ? { ...c, gaps: [...c.gaps, ...extra] } : c;
  };
  const report = (hello: Hello | undefined, compared?: Map<Cell, number>): ImplReport => ({
    name: testee.name,
    hello,
    ...(compared && hello ? { coverage: coverageOf(hello, compared) } : {}),
    results,
    ...(tally ? { summary: tally.summary() } : {}),
    stale: expected.stale(),
    ms: performance.now() - t0,
    ...(stopped ? { stopped, interrupted } : {}),
    warnings,
    ...(testee.endError && !stopped ? { endError: testee.endError } : {}),
  });

  let hello: Hello;
  try {
    if (stopped) throw STOP;
    const starting = testee.start();
    starting.catch(() => {}); // when the race is lost, its failure is no longer news
    const h = await Promise.race([starting, halted.then(() => undefined)]);
    if (!h) throw STOP;
    hello = helloNow = h;
  } catch (e) {
    await closing;
    await testee.close().catch(() => {});
    cleanup();
    if (stopped) {
      const segments = segmentsOf(runs, testee.batch);
      settleRest(segments, segments.next().value ?? undefined);
      return report(undefined);
    }
    return {
      name: testee.name,
      setupError: (e as Error).message,
      results: [],
      stale: [],
      ms: performance.now() - t0,
    };
  }
  const declared = new Set(declaredCells(hello));
  // The runs of each declared cell, to be sent: from the source's cells up front, or counted
  // as the list (one segment) is gone through.
  const compared = new Map<Cell, number>();
  const count = (cell: Cell, n: number) => {
    if (declared.has(cell)) compared.set(cell, (compared.get(cell) ?? 0) + n);
  };
  let toSend = 0;
  if (streamed) {
    for (const [cell, n] of runs.cells) count(cell, n);
    for (const n of compared.values()) toSend += n;
    if (!stopped) limits.onSending?.(toSend);
  }
  let done = 0;
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
  const segments = segmentsOf(runs, testee.batch);
  try {
    for (let it = segments.next(); !it.done; it = segments.next()) {
      const seg = it.value;
      if (stopped) {
        // A list's cells are counted as it is gone through: the runs never sent count too.
        settleRest(
          segments,
          seg,
          declared,
          streamed
            ? (cell, sendable) => {
              read(cell);
              if (!sendable) count(cell, -1);
            }
            : (cell, sendable) => sendable && count(cell, 1),
        );
        break;
      }
      const segResults: (CaseResult | undefined)[] = new Array(seg.length);
      const sendIdx: number[] = [];
      for (let i = 0; i < seg.length; i++) {
        const r = seg[i]!;
        const cell = cellOf(r);
        if (streamed) read(cell);
        if (!declared.has(cell)) segResults[i] = skipped(r, cell);
        else if (!helloAccepts(hello, r.case.env)) {
          segResults[i] = skipped(r, `feature ${featuresOf(r.case.env).join(" ")}`);
          if (streamed) count(cell, -1); // counted up front with its cell: not sent after all
        } else {
          sendIdx.push(i);
          if (!streamed) count(cell, 1);
        }
      }
      if (!streamed) {
        toSend = sendIdx.length;
        if (!stopped) limits.onSending?.(toSend);
      }
      done += seg.length - sendIdx.length;
      const onOutcome = (j: number, outcome: Outcome) => {
        if (stopped) throw STOP;
        const i = sendIdx[j]!;
        const run = seg[i]!;
        const res = segResults[i] = compare(run, expectedOf(run), outcome);
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
          // once (a live kernel, after its boot) is judged by how fast answers come, not by the
          // wait.
          const projected = ms + ((now - tFirst) / (answered - 1)) * (toSend - answered);
          const after = Math.min(2000, slowMs / 4, (limits.budgetMs || Infinity) / 4);
          if (ms >= after && projected > slowMs) {
            slowWarned = true;
            const over =
              limits.budgetMs && performance.now() - t0 + projected - ms > limits.budgetMs
                ? `, beyond its budget of ${duration(limits.budgetMs)}: the rest will be not-run`
                : "";
            warn(
              `${testee.name}: slow: ${rateText(answered, ms)}; its ${toSend} runs take about ${
                duration(projected)
              }${over}`,
            );
          }
        }
        if (progress && (done & 255) === 0) progress(testee.name, done, total);
      };
      try {
        if (!stopped && sendIdx.length) {
          await testee.run(sendIdx.map((i) => requestOf(seg[i]!)), onOutcome);
        }
      } catch (e) {
        if (e !== STOP) throw e;
      }
      // A run with no outcome: stopped first, or a testee whose run ended without one (which
      // then cannot conform: a `not-run` result is not a pass).
      const missing = stopped ?? "the testee's run ended without an outcome for it";
      for (let i = 0; i < seg.length; i++) settle(segResults[i] ?? notRun(seg[i]!, missing));
    }
  } finally {
    cleanup(); // a run that is over is not stopped by a late budget or signal
    await closing;
    await testee.close();
  }
  // A stop that came after every run had its result changed nothing.
  if (stopped && done === total) stopped = undefined;
  const runMs = performance.now() - tRun;
  if (!slowWarned && !stopped && runMs > slowMs) {
    warn(`${testee.name}: slow: ${rateText(answered, runMs)}; its runs took ${duration(runMs)}`);
  }
  progress?.(testee.name, total, total);
  return report(hello, compared);
}
