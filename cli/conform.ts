/**
 * `deno task conform`: the conformance gate. Runs the suite against the
 * reference, the bundled implementations and any `--impl NAME=CMD`, prints a
 * report, and exits 0 when every implementation conforms, 1 when one does
 * not, 2 on a usage or setup error. It fails closed: a selection with no
 * case, an implementation with nothing compared, or a declared cell left
 * unexercised is never a pass.
 *
 * @example
 * ```sh
 * deno task conform --no-bundled --impl mine=./my-testee --require 'restart/*\/*'
 * ```
 *
 * @module
 */
import { buildCases, iterCases, resultIds as ridsOf } from "../cases/suite.ts";
import type { Case, CaseRun } from "../cases/types.ts";
import { PROTOCOL_VERSION } from "../protocol/codec.ts";
import { type Cell, cellOf, inScope, type Scope } from "../harness/cells.ts";
import type { CaseResult } from "../harness/compare.ts";
import {
  type Expectation,
  isFailure,
  parseExpectations,
  unknownEntries,
  updatedExpectations,
} from "../harness/expect.ts";
import { PerCaseTestee } from "../harness/percase_testee.ts";
import { killAllChildren } from "../harness/child.ts";
import type { ProcessOptions } from "../harness/process_options.ts";
import { ProcessTestee } from "../harness/process_testee.ts";
import { consoleReport } from "../harness/report/console.ts";
import type { GateInfo } from "../harness/report/common.ts";
import type { SuiteMeta } from "../harness/report/json.ts";
import {
  completeResults,
  conforms,
  explainEmpty,
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
import { bundledTestees, type Entry } from "./bundled.ts";
import { listStreaming, type SelectedRuns, selectedRuns, suiteOptions } from "./suite_runs.ts";
import { type ImplSpec, type Options, parseOptions, USAGE, UsageError } from "./options.ts";
import { shrinkFirst } from "./shrink_report.ts";
import { gateCommand, quote } from "./gate_command.ts";
import { Outputs } from "./outputs.ts";
import config from "../deno.json" with { type: "json" };

export { gateCommand } from "./gate_command.ts";

/** The gate's version (deno.json `version`). */
export const VERSION: string = config.version;

/** What `--version` prints: the gate, the protocol, and the selected suite's fingerprint. */
function versionText(gate: GateInfo, o: Options): string {
  const how = [`--seed ${o.seed}`, `--cases ${o.cases}`, `--fuzz ${o.fuzz}`];
  for (const op of o.ops) how.push(`--op ${op}`);
  for (const a of o.abis) how.push(`--abi ${a}`);
  for (const p of o.profiles) how.push(`--profile ${p}`);
  for (const f of o.filters) how.push(`--filter ${quote(f)}`);
  for (const f of o.replay) how.push(`--replay ${quote(f)}`);
  if (o.shard) how.push(`--shard ${o.shard.k}/${o.shard.n}`);
  return [
    `crconform ${gate.version}`,
    `protocol ${gate.protocol}`,
    `suite ${gate.fingerprint} (${gate.runs} runs: ${how.join(" ")})`,
  ].join("\n");
}

/** A new testee for an `--impl` option. */
function testeeOf(i: ImplSpec, popts: ProcessOptions): Testee {
  return i.percase
    ? new PerCaseTestee(i.name, i.cmd, popts)
    : new ProcessTestee(i.name, i.cmd, popts);
}

/** Runs the gate with `args` and returns its exit code. */
export async function main(args: string[]): Promise<number> {
  let o: Options;
  try {
    o = parseOptions(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  let expectations: Expectation[] = [];
  if (o.expect) {
    try {
      const text = await Deno.readTextFile(o.expect).catch((e) => {
        if (e instanceof Deno.errors.NotFound && o.updateExpect) return "";
        throw e;
      });
      expectations = parseExpectations(text);
    } catch (e) {
      console.error(`--expect ${o.expect}: ${(e as Error).message}`);
      return 2;
    }
  }
  const sel: Selection = {
    ops: o.ops,
    abis: o.abis,
    profiles: o.profiles,
    filters: o.filters,
    shard: o.shard,
  };
  if (o.list && !o.replay.length) return listStreaming(o, sel);
  const suiteOpts = suiteOptions(o);
  // The suite as a list, or streamed: made again for each implementation, passes not kept.
  let selected: SelectedRuns;
  try {
    selected = await selectedRuns(o, sel);
  } catch (e) {
    console.error(
      `${o.replay.length ? "--replay" : "building the suite"}: ${(e as Error).message}`,
    );
    return 2;
  }
  const { cases, runs, fingerprint } = selected;
  const scope: Scope = {
    ops: o.ops,
    abis: o.abis,
    profiles: o.profiles,
    require: o.require,
    // A replayed corpus is about its own cells only (a replay is never streamed).
    cells: o.replay.length && Array.isArray(runs)
      ? [...new Set((runs as readonly CaseRun[]).map(cellOf))]
      : undefined,
  };
  const gate: GateInfo = {
    version: VERSION,
    protocol: PROTOCOL_VERSION,
    fingerprint,
    runs: runCount(runs),
  };
  if (o.version) {
    console.log(versionText(gate, o));
    return 0;
  }
  if (!runCount(runs)) {
    console.error(explainEmpty(cases ?? buildCases(suiteOpts), sel));
    return 2;
  }
  if (o.list) {
    for (const r of runs as readonly CaseRun[]) {
      console.log(`${r.rid}\t${r.class}\t${r.case.reason}`);
    }
    return 0;
  }
  const popts: ProcessOptions = { timeoutMs: o.timeout, window: o.window };
  let entries: Entry[] = [];
  try {
    if (o.bundled) {
      const suite = { seed: o.seed, cases: o.cases, fuzz: o.fuzz };
      const replay = o.replay.length > 0;
      entries.push(...await bundledTestees(popts, { kernel: o.kernel, suite, replay }));
    }
  } catch (e) {
    console.error(`setup: ${(e as Error).message}`);
    return 2;
  }
  const specs = new Map(o.impls.map((i) => [i.name, i]));
  const taken = entries.find((e) => specs.has(e.testee.name));
  if (taken) {
    console.error(`--impl: ${taken.testee.name} is the name of a bundled implementation`);
    return 2;
  }
  entries.push(...o.impls.map((i) => ({ testee: testeeOf(i, popts) })));
  if (o.only.length) {
    const unknown = o.only.filter((n) => !entries.some((e) => e.testee.name === n));
    if (unknown.length) {
      console.error(
        `--only: no implementation called ${unknown.join(", ")} (there are: ${
          entries.map((e) => e.testee.name).join(", ")
        })`,
      );
      return 2;
    }
    entries = entries.filter((e) => o.only.includes(e.testee.name));
  }
  if (!entries.length) {
    console.error("no implementation to run: give --impl NAME=CMD, or drop --no-bundled");
    return 2;
  }
  const rerun = (impl: string, r: CaseResult) => {
    const parts = [gateCommand(), "--only", quote(impl)];
    for (const f of o.replay) parts.push("--replay", quote(f));
    const spec = specs.get(impl);
    if (spec) parts.push("--no-bundled", "--impl", quote(spec.spec));
    parts.push("--op", r.run.case.op, "--abi", r.run.case.abi);
    if (r.run.profile) parts.push("--profile", r.run.profile);
    parts.push("--filter", quote(r.rid));
    const origin = r.run.case.origin;
    if (origin?.kind === "fuzz") {
      parts.push("--seed", String(origin.seed), "--fuzz", String(origin.index + 1));
    } else if (origin) {
      parts.push("--seed", String(origin.seed), "--cases", String(origin.index + 1));
    }
    return parts.join(" ");
  };
  const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  const suite: SuiteMeta = {
    seed: o.seed,
    cases: o.cases,
    fuzz: o.fuzz,
    shard: o.shard ?? null,
    ops: o.ops,
    abis: o.abis,
    profiles: o.profiles,
    filters: o.filters,
    replay: o.replay,
  };
  const outputs = new Outputs({ o, gate, suite, rerun, expectations });
  // Every result id of the suite before shard, filter and --abi: an expectation that matches
  // none of them names nothing (entries whose cases lie outside this selection are not judged).
  let suiteIds: string[] | undefined;
  const universe = (own?: readonly Case[]) => () => {
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
  const unknown = new Set<Expectation>();
  const reports: ImplReport[] = [];
  const notes: string[] = [];
  const extra = new Map<string, string[]>();
  const t0 = performance.now();
  let total = 0;
  // Interrupts: SIGINT or SIGTERM stops the run (testees killed, the runs not done reported
  // not-run) and the reports below are written with what exists; a second one exits at once.
  const interrupt = new AbortController();
  const onSignal = (sig: "SIGINT" | "SIGTERM") => () => {
    if (interrupt.signal.aborted) {
      killAllChildren();
      Deno.exit(sig === "SIGINT" ? 130 : 143);
    }
    console.error(`\nconform: ${sig}: stopping, the reports will be partial (again: exit at once)`);
    interrupt.abort(sig);
  };
  const listeners = (["SIGINT", "SIGTERM"] as const).map((s) => [s, onSignal(s)] as const);
  for (const [s, f] of listeners) Deno.addSignalListener(s, f);
  // --fail-fast: the first failing run stops the gate (it does not conform).
  const firstFailure = new AbortController();
  const limits: RunLimits = {
    signal: o.failFast
      ? AbortSignal.any([interrupt.signal, firstFailure.signal])
      : interrupt.signal,
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
    const inScopeCells = e.declares?.filter((c: Cell) => inScope(c, scope));
    if (bundled && (!runCount(mine) || inScopeCells?.length === 0)) {
      notes.push(`${e.testee.name}: no case of it selected, not run`);
      continue;
    }
    total += runCount(mine);
    const watched = outputs.observe(e.testee);
    const onResult = !o.failFast ? watched.onResult : (r: CaseResult) => {
      watched.onResult?.(r);
      if (isFailure(r.status) && !expectations.length) firstFailure.abort("--fail-fast");
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
      for (const s of names) unknown.add(s.entry);
      if (names.length) rep = { ...rep, stale: [...rep.stale, ...names] };
    }
    outputs.finished(rep);
    reports.push(rep);
    if (firstFailure.signal.aborted) break;
    if (o.shrink && !rep.setupError && !interrupt.signal.aborted) {
      const spec = specs.get(e.testee.name);
      const lines = await shrinkFirst(rep, () => (spec ? testeeOf(spec, popts) : e.testee));
      if (lines.length) extra.set(e.testee.name, lines);
    }
  }
  if (!reports.length) {
    console.error(`no implementation has a case in this selection (${notes.join("; ")})`);
    return 2;
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(consoleReport(reports, { color, maxFailures: o.maxFailures, rerun, extra }));
  for (const n of notes) console.log(n);
  console.log(
    `${total} case runs, ${reports.length} implementations, ${
      seconds.toFixed(2)
    } s; suite ${gate.fingerprint}, crconform ${VERSION}`,
  );
  await outputs.close(reports, { runs: total, seconds });
  if (o.updateExpect && o.expect && !interrupt.signal.aborted) {
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
    await Deno.writeTextFile(
      o.expect,
      updatedExpectations(expectations, failures, others, unknown),
    );
    console.log(`rewrote ${o.expect}`);
  }
  for (const [s, f] of listeners) Deno.removeSignalListener(s, f);
  if (firstFailure.signal.aborted) {
    console.log("stopped at the first failing run (--fail-fast): does not conform");
    return 1;
  }
  if (interrupt.signal.aborted) {
    console.log(`INTERRUPTED by ${interrupt.signal.reason}: partial results, does not conform`);
    return interrupt.signal.reason === "SIGTERM" ? 143 : 130;
  }
  if (reports.some((r) => r.setupError)) return 2;
  return reports.every(conforms) ? 0 : 1;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (e) {
    // A setup problem we did not foresee (an unwritable --json path, say): one line, exit 2.
    console.error(`conform: ${(e as Error).message}`);
    code = 2;
  }
  Deno.exit(code);
}
