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
import { buildCases } from "../cases/suite.ts";
import type { CaseRun } from "../cases/types.ts";
import { PROTOCOL_VERSION } from "../protocol/codec.ts";
import type { CaseResult } from "../harness/compare.ts";
import { type Expectation, parseExpectations } from "../harness/expect.ts";
import { killAllChildren } from "../harness/child.ts";
import { hostLine } from "../harness/host.ts";
import type { ProcessOptions } from "../harness/process_options.ts";
import { consoleReport } from "../harness/report/console.ts";
import type { GateInfo, Rerun } from "../harness/report/common.ts";
import type { SuiteMeta } from "../harness/report/json.ts";
import { conforms, explainEmpty, runCount, type Selection } from "../harness/runner.ts";
import { bundledTestees, type Entry, unavailableText } from "./bundled.ts";
import { listStreaming, type SelectedRuns, selectedRuns, suiteOptions } from "./suite_runs.ts";
import { type ImplSpec, type Options, parseOptions, USAGE, UsageError } from "./options.ts";
import { gateCommand, quote } from "./gate_command.ts";
import { Outputs } from "./outputs.ts";
import { type GateRun, rewriteExpectations, runEntries, testeeOf } from "./gate_run.ts";
import config from "../deno.json" with { type: "json" };

export { gateCommand } from "./gate_command.ts";

/** The gate's version (deno.json `version`). */
export const VERSION: string = config.version;

/** What `--version` prints (a host line follows): the gate, the protocol, and the selected suite's fingerprint. */
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

/** Runs the gate with `args` and returns its exit code. */
export async function main(args: string[]): Promise<number> {
  try {
    return await gate(args);
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    if (e.message) console.error(e.message);
    return e.code;
  }
}

/** The gate's flow, step by step; a step that ends the run early throws {@link Exit}. */
async function gate(args: string[]): Promise<number> {
  const o = parsedOptions(args);
  const expectations = await readExpectations(o);
  const sel: Selection = {
    ops: o.ops,
    abis: o.abis,
    profiles: o.profiles,
    filters: o.filters,
    shard: o.shard,
  };
  if (o.list && !o.replay.length) return listStreaming(o, sel);
  const selected = await selectSuite(o, sel);
  const gate = gateInfo(selected);
  if (o.version) {
    console.log(`${versionText(gate, o)}\n${await hostLine()}`);
    return 0;
  }
  checkNotEmpty(o, sel, selected);
  if (o.list) {
    for (const r of selected.runs as readonly CaseRun[]) {
      console.log(`${r.rid}\t${r.class}\t${r.case.reason}`);
    }
    return 0;
  }
  const popts: ProcessOptions = { timeoutMs: o.timeout, window: o.window };
  const specs = new Map(o.impls.map((i) => [i.name, i]));
  const entries = await implementations(o, popts, specs);
  const rerun = rerunCommand(o, specs);
  const outputs = new Outputs({ o, gate, suite: suiteMeta(o), rerun, expectations });
  const interrupt = trapInterrupts();
  const t0 = performance.now();
  const run = await runEntries(entries, {
    o,
    sel,
    selected,
    expectations,
    specs,
    popts,
    outputs,
    signal: interrupt.signal,
  });
  if (!run.reports.length) {
    const why = [...run.notes, ...run.unavailable.map((u) => unavailableText(u.name, u))];
    const what = run.unavailable.length
      ? "no implementation could run on this host"
      : "no implementation has a case in this selection";
    throw new Exit(2, `${what} (${why.join("; ")})`);
  }
  const seconds = (performance.now() - t0) / 1000;
  printConsole(o, gate, run, rerun, seconds);
  await outputs.close(run.reports, { runs: run.total, seconds }, run.unavailable);
  if (o.updateExpect && o.expect && !interrupt.signal.aborted) {
    await rewriteExpectations(o.expect, expectations, run.reports, run.unknown);
  }
  interrupt.release();
  return exitCode(o, run, interrupt.signal);
}

/** Ends the run early with an exit code, after printing the message (if any) on stderr. */
class Exit extends Error {
  /** Builds it. */
  constructor(readonly code: number, message = "") {
    super(message);
  }
}

/** The options, or an {@link Exit}: 2 with the usage for bad ones, 0 after printing `--help`. */
function parsedOptions(args: string[]): Options {
  let o: Options;
  try {
    o = parseOptions(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    throw new Exit(2, `${e.message}\n\n${USAGE}`);
  }
  if (o.help) {
    console.log(USAGE);
    throw new Exit(0);
  }
  return o;
}

/** The known failures of `--expect` (none without it; a missing file is empty with `--update-expect`). */
async function readExpectations(o: Options): Promise<Expectation[]> {
  if (!o.expect) return [];
  try {
    const text = await Deno.readTextFile(o.expect).catch((e) => {
      if (e instanceof Deno.errors.NotFound && o.updateExpect) return "";
      throw e;
    });
    return parseExpectations(text);
  } catch (e) {
    throw new Exit(2, `--expect ${o.expect}: ${(e as Error).message}`);
  }
}

/** The suite as a list, or streamed: made again for each implementation, passes not kept. */
async function selectSuite(o: Options, sel: Selection): Promise<SelectedRuns> {
  try {
    return await selectedRuns(o, sel);
  } catch (e) {
    throw new Exit(
      2,
      `${o.replay.length ? "--replay" : "building the suite"}: ${(e as Error).message}`,
    );
  }
}

/** The gate's identity and the selected suite's. */
function gateInfo(selected: SelectedRuns): GateInfo {
  return {
    version: VERSION,
    protocol: PROTOCOL_VERSION,
    fingerprint: selected.fingerprint,
    runs: runCount(selected.runs),
  };
}

/** An empty selection is an {@link Exit} 2 saying why nothing was selected. */
function checkNotEmpty(o: Options, sel: Selection, selected: SelectedRuns): void {
  if (runCount(selected.runs)) return;
  throw new Exit(2, explainEmpty(selected.cases ?? buildCases(suiteOptions(o)), sel));
}

/** The implementations to run: the bundled ones (unless `--no-bundled`), the `--impl`s, `--only`. */
async function implementations(
  o: Options,
  popts: ProcessOptions,
  specs: ReadonlyMap<string, ImplSpec>,
): Promise<Entry[]> {
  let entries: Entry[] = [];
  try {
    if (o.bundled) {
      const suite = { seed: o.seed, cases: o.cases, fuzz: o.fuzz };
      const replay = o.replay.length > 0;
      entries.push(...await bundledTestees(popts, { kernel: o.kernel, suite, replay }));
    }
  } catch (e) {
    throw new Exit(2, `setup: ${(e as Error).message}`);
  }
  const taken = entries.find((e) => specs.has(e.testee.name));
  if (taken) {
    throw new Exit(2, `--impl: ${taken.testee.name} is the name of a bundled implementation`);
  }
  entries.push(...o.impls.map((i) => ({ testee: testeeOf(i, popts) })));
  if (o.only.length) {
    const unknown = o.only.filter((n) => !entries.some((e) => e.testee.name === n));
    if (unknown.length) {
      throw new Exit(
        2,
        `--only: no implementation called ${unknown.join(", ")} (there are: ${
          entries.map((e) => e.testee.name).join(", ")
        })`,
      );
    }
    entries = entries.filter((e) => o.only.includes(e.testee.name));
  }
  if (!entries.length) {
    throw new Exit(2, "no implementation to run: give --impl NAME=CMD, or drop --no-bundled");
  }
  return entries;
}

/** The command that runs one result again, alone. */
function rerunCommand(o: Options, specs: ReadonlyMap<string, ImplSpec>): Rerun {
  return (impl: string, r: CaseResult) => {
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
}

/** The selection as the reports record it. */
function suiteMeta(o: Options): SuiteMeta {
  return {
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
}

/**
 * SIGINT or SIGTERM stops the run (testees killed, the runs not done
 * reported not-run) and the reports are written with what exists; a second
 * one exits at once. `release` removes the listeners.
 */
function trapInterrupts(): { signal: AbortSignal; release(): void } {
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
  return {
    signal: interrupt.signal,
    release: () => {
      for (const [s, f] of listeners) Deno.removeSignalListener(s, f);
    },
  };
}

/** The console report, the notes and the run's last line. */
function printConsole(o: Options, gate: GateInfo, run: GateRun, rerun: Rerun, seconds: number) {
  const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  const { reports, extra, unavailable } = run;
  console.log(
    consoleReport(reports, { color, maxFailures: o.maxFailures, rerun, extra, unavailable }),
  );
  for (const n of run.notes) console.log(n);
  console.log(
    `${run.total} case runs, ${reports.length} implementations, ${
      seconds.toFixed(2)
    } s; suite ${gate.fingerprint}, crconform ${VERSION}`,
  );
}

/**
 * 130/143 after an interrupt, 2 on a setup error (and, with `--strict`, when
 * a bundled implementation is unavailable here), 0 when every implementation
 * run conforms, else 1. An unavailable bundled implementation alone changes
 * nothing: the verdict is about the implementations that ran.
 */
function exitCode(o: Options, run: GateRun, signal: AbortSignal): number {
  if (signal.aborted) {
    console.log(`INTERRUPTED by ${signal.reason}: partial results, does not conform`);
    return signal.reason === "SIGTERM" ? 143 : 130;
  }
  if (run.stoppedAtFailure) {
    console.log("stopped at the first failing run (--fail-fast): does not conform");
    return 1;
  }
  if (run.reports.some((r) => r.setupError)) return 2;
  if (o.strict && run.unavailable.length) {
    console.log(
      `--strict: ${run.unavailable.map((u) => u.name).join(", ")} unavailable on this host: exit 2`,
    );
    return 2;
  }
  return run.reports.every(conforms) ? 0 : 1;
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
