/**
 * The gate's middle: each implementation run in turn over its runs (its own
 * cases when it has them), the known-failure list judged, the first failure
 * shrunk, a bundled one this host cannot run set aside as unavailable; and `--update-expect`'s rewrite of the list from the results.
 *
 * @module
 */
import { buildCases, iterCases, resultIds as ridsOf } from "../cases/suite.ts";
import type { Case, CaseRun } from "../cases/types.ts";
import { type Cell, cellOf, inScope, type Scope } from "../harness/cells.ts";
import {
  type Expectation,
  isFailure,
  unknownEntries,
  updatedExpectations,
} from "../harness/expect.ts";
import { PerCaseTestee } from "../harness/percase_testee.ts";
import type { ProcessOptions } from "../harness/process_options.ts";
import { ProcessTestee } from "../harness/process_testee.ts";
import {
  completeResults,
  type ImplReport,
  ridsOfRuns,
  runCount,
  runImpl,
  type RunLimits,
  runsOfCells,
  type Selection,
  selectRuns,
} from "../harness/runner.ts";
import type { Testee } from "../protocol/testee.ts";
import type { Entry } from "./bundled.ts";
import type { SelectedRuns } from "./suite_runs.ts";
import type { ImplSpec, Options } from "./options.ts";
import { shrinkFirst } from "./shrink_report.ts";
import type { Outputs } from "./outputs.ts";
import type { UnavailableImpl } from "../harness/report/common.ts";
import type { CaseResult } from "../harness/compare.ts";

/** A new testee for an `--impl` option. */
export function testeeOf(i: ImplSpec, popts: ProcessOptions): Testee {
  return i.percase
    ? new PerCaseTestee(i.name, i.cmd, popts)
    : new ProcessTestee(i.name, i.cmd, popts);
}

/** What the gate judges: the coverage scope of the options. */
function scopeOf(o: Options, runs: SelectedRuns["runs"]): Scope {
  return {
    ops: o.ops,
    abis: o.abis,
    profiles: o.profiles,
    require: o.require,
    // A replayed corpus is about its own cells only (a replay is never streamed).
    cells: o.replay.length && Array.isArray(runs)
      ? [...new Set((runs as readonly CaseRun[]).map(cellOf))]
      : undefined,
  };
}

/**
 * Every result id of the suite before shard, filter and --abi, with an
 * implementation's own cases: an expectation that matches none of them names
 * nothing (entries whose cases lie outside this selection are not judged).
 */
function expectationUniverse(o: Options, cases: readonly Case[] | undefined) {
  let suiteIds: string[] | undefined;
  return (own?: readonly Case[]) => () => {
    const all = { seed: o.seed, cases: o.cases, fuzz: o.fuzz };
    // Streamed, the ids are read as they are made (a large suite's ids are not kept).
    if (!cases) {
      return (function* () {
        yield* ridsOf(iterCases(all));
        if (own) yield* ridsOf(own);
      })();
    }
    suiteIds ??= [...ridsOf(o.abis.length ? buildCases(all) : cases)];
    return own ? [...suiteIds, ...ridsOf(own)] : suiteIds;
  };
}

/** What {@link runEntries} needs. */
export interface RunContext {
  /** The options. */
  readonly o: Options;
  /** The selection of runs. */
  readonly sel: Selection;
  /** The suite's runs (or their source, streamed) and cases. */
  readonly selected: SelectedRuns;
  /** The known failures. */
  readonly expectations: readonly Expectation[];
  /** The `--impl` options by name. */
  readonly specs: ReadonlyMap<string, ImplSpec>;
  /** How testees are started. */
  readonly popts: ProcessOptions;
  /** The progress, stream and report files. */
  readonly outputs: Outputs;
  /** An interrupt. */
  readonly signal: AbortSignal;
}

/** What the implementations' runs came to. */
export interface GateRun {
  /** One per implementation run. */
  readonly reports: ImplReport[];
  /** Lines printed after the console report (a bundled implementation not run, and why). */
  readonly notes: string[];
  /** Shrinking results per implementation. */
  readonly extra: Map<string, string[]>;
  /** Expectation entries that name no case of the suite. */
  readonly unknown: Set<Expectation>;
  /** Bundled implementations with cases selected that this host cannot run (not run). */
  readonly unavailable: UnavailableImpl[];
  /** Runs sent in all. */
  total: number;
  /** `--fail-fast` stopped the gate at a failing run. */
  stoppedAtFailure: boolean;
}

/** Runs every implementation in turn (each over its own runs when it has them) and shrinks. */
export async function runEntries(entries: readonly Entry[], c: RunContext): Promise<GateRun> {
  const { o, sel, expectations, specs, popts, outputs, signal } = c;
  const { runs, cases } = c.selected;
  const scope = scopeOf(o, runs);
  const universe = expectationUniverse(o, cases);
  const out: GateRun = {
    reports: [],
    notes: [],
    extra: new Map(),
    unknown: new Set(),
    unavailable: [],
    total: 0,
    stoppedAtFailure: false,
  };
  // --fail-fast: the first failing run stops the gate (it does not conform); not with known
  // failures, whose failing runs are expected.
  const firstFailure = new AbortController();
  const failFast = o.failFast && !expectations.length;
  const limits: RunLimits = {
    signal: failFast ? AbortSignal.any([signal, firstFailure.signal]) : signal,
    maxTimeouts: o.maxTimeouts,
    budgetMs: o.implBudget * 1000,
    warn: (m) => console.error(`conform: ${m}`),
  };
  for (const [at, e] of entries.entries()) {
    const own = e.cases?.();
    // The last implementation to run a list of runs lets each passed run's reference result
    // go (its class is kept); one before it would only make the next compute it again.
    const releasePassed = own !== undefined || !entries.slice(at + 1).some((x) => !x.cases);
    const all = own ? selectRuns(own, sel) : runs;
    // A bundled implementation that says what it declares gets only those cells' runs.
    const mine = e.declares ? runsOfCells(all, e.declares) : all;
    const bundled = !specs.has(e.testee.name);
    const inScopeCells = e.declares?.filter((cell: Cell) => inScope(cell, scope));
    if (bundled && (!runCount(mine) || inScopeCells?.length === 0)) {
      out.notes.push(`${e.testee.name}: no case of it selected, not run`);
      continue;
    }
    if (e.unavailable) {
      const u = { name: e.testee.name, ...e.unavailable };
      out.unavailable.push(u);
      outputs.unavailable(u);
      continue;
    }
    if (e.note) out.notes.push(e.note);
    out.total += runCount(mine);
    const watched = outputs.observe(e.testee);
    const onResult = !failFast ? watched.onResult : (r: CaseResult) => {
      watched.onResult?.(r);
      if (isFailure(r.status)) firstFailure.abort("--fail-fast");
    };
    let rep = await runImpl(
      watched.testee,
      mine,
      expectations,
      undefined,
      scope,
      { ...limits, onResult, onSending: watched.onSending, releasePassed },
    );
    if (expectations.length && !o.replay.length && !rep.setupError) {
      const names = unknownEntries(rep.name, expectations, ridsOfRuns(mine), universe(own));
      for (const s of names) out.unknown.add(s.entry);
      if (names.length) rep = { ...rep, stale: [...rep.stale, ...names] };
    }
    outputs.finished(rep);
    out.reports.push(rep);
    if (firstFailure.signal.aborted) {
      out.stoppedAtFailure = true;
      break;
    }
    if (o.shrink && !rep.setupError && !signal.aborted) {
      const spec = specs.get(e.testee.name);
      const lines = await shrinkFirst(rep, () => (spec ? testeeOf(spec, popts) : e.testee));
      if (lines.length) out.extra.set(e.testee.name, lines);
    }
  }
  return out;
}

/** `--update-expect`: rewrites the known-failure file from this run's results. */
export async function rewriteExpectations(
  path: string,
  expectations: readonly Expectation[],
  reports: readonly ImplReport[],
  unknown: ReadonlySet<Expectation>,
): Promise<void> {
  const failures = new Map<string, string[]>();
  const others = new Map<string, Set<string>>();
  for (const rep of reports) {
    const results = completeResults(rep, "--update-expect");
    failures.set(
      rep.name,
      results.filter((r) => isFailure(r.status) || r.status === "xfail").map((r) => r.rid),
    );
    others.set(
      rep.name,
      new Set(
        results.filter((r) => ["pass", "xpass", "skipped"].includes(r.status)).map((r) => r.rid),
      ),
    );
  }
  await Deno.writeTextFile(path, updatedExpectations(expectations, failures, others, unknown));
  console.log(`rewrote ${path}`);
}
