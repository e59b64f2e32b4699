/**
 * What one run of the gate runs: the suite's cases (or a replayed corpus),
 * selected, as a list held in memory or streamed (made again for each
 * implementation, passes counted and not kept), and `--list` as the suite
 * is generated.
 *
 * @module
 */
import { abiNames } from "../reference/abi.ts";
import { buildCases, iterCases, type SuiteOptions } from "../cases/suite.ts";
import type { Case, CaseRun } from "../cases/types.ts";
import { suiteFingerprint } from "../harness/report/common.ts";
import {
  explainEmpty,
  type RunSource,
  type Selection,
  selectRuns,
  selectRunsIter,
  suiteSource,
} from "../harness/runs.ts";
import { type Options, STREAM_ABOVE } from "./options.ts";

/** The suite the options ask for (all ABIs when `--abi` is not given). */
export function suiteOptions(o: Options): SuiteOptions {
  return { seed: o.seed, cases: o.cases, fuzz: o.fuzz, abis: o.abis.length ? o.abis : undefined };
}

/** The cases a run selects from: corpus files, or the suite. */
export async function suiteCases(o: Options): Promise<Case[]> {
  if (o.replay.length) {
    const { readCorpus } = await import("../cases/corpus.ts");
    const out: Case[] = [];
    for (const f of o.replay) for (const c of readCorpus(await Deno.readTextFile(f))) out.push(c);
    return out;
  }
  return buildCases(suiteOptions(o));
}

/**
 * Whether the suite streams through the runners (made as it is sent, passes
 * counted and not kept): asked with `--stream`, or when the suite is large
 * (about {@link STREAM_ABOVE} runs, estimated from the options) and no
 * output needs every result.
 */
export function streams(o: Options): boolean {
  if (o.stream) return true;
  if (o.json || o.junit || o.html || o.updateExpect || o.replay.length || o.list) return false;
  const abis = o.abis.length || abiNames().length;
  // A generated index gives a checkpoint and a restart under two profiles; so does a fuzz index.
  return abis * (FIXED_RUNS_PER_ABI + 3 * (o.cases + o.fuzz)) > STREAM_ABOVE;
}

/**
 * About how many runs of one ABI are neither generated nor fuzzed (the named,
 * shape, family and regression cases): only the choice to stream uses it, and
 * a test keeps it within a tenth of the suite's.
 */
export const FIXED_RUNS_PER_ABI = 22_600;

/**
 * `--list` of the suite as it is generated: result ids stream out (a huge
 * `--cases` or `--fuzz` never sits in memory); exit 2 when none is selected.
 */
export function listStreaming(o: Options, sel: Selection): number {
  const opts = suiteOptions(o);
  const enc = new TextEncoder();
  let out = "";
  let n = 0;
  const flush = () => {
    const bytes = enc.encode(out);
    for (let at = 0; at < bytes.length;) at += Deno.stdout.writeSync(bytes.subarray(at));
    out = "";
  };
  for (const r of selectRunsIter(iterCases(opts), sel)) {
    out += `${r.rid}\t${r.class}\t${r.case.reason}\n`;
    if (++n % 1024 === 0) flush();
  }
  flush();
  if (n) return 0;
  console.error(explainEmpty(buildCases(opts), sel));
  return 2;
}

/** The selected runs, as a list (with the cases they came from) or streamed, and their fingerprint. */
export interface SelectedRuns {
  /** The cases, when the runs are a list. */
  readonly cases?: Case[];
  /** The runs. */
  readonly runs: readonly CaseRun[] | RunSource;
  /** The fingerprint of their result ids. */
  readonly fingerprint: string;
}

/** The runs a gate run selects, streamed when {@link streams} says so. */
export async function selectedRuns(o: Options, sel: Selection): Promise<SelectedRuns> {
  if (streams(o)) {
    const source = suiteSource(() => iterCases(suiteOptions(o)), sel);
    return { runs: source, fingerprint: source.fingerprint };
  }
  const cases = await suiteCases(o);
  const runs = selectRuns(cases, sel);
  return { cases, runs, fingerprint: suiteFingerprint(runs.map((r) => r.rid)) };
}
