/**
 * Runs the suite against implementations: selects case runs (filter, ABI,
 * profile, shard), sends them to each testee, compares every answer with
 * the reference, and applies the known-failure list.
 *
 * @module
 */
import type { AbiName } from "../reference/layout.ts";
import type { Profile } from "../reference/types.ts";
import { caseRuns } from "../cases/suite.ts";
import type { Case, CaseRun } from "../cases/types.ts";
import { type CaseResult, compare, expectedOf, requestOf } from "./compare.ts";
import { applyExpectations, type Expectation, matches, type Stale } from "./expect.ts";
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
}

/**
 * True when an implementation conforms. It fails closed: it must have
 * started, had at least one case compared, run every declared cell in
 * scope (and every required one), and every case run must pass or be a
 * listed expected failure; a stale expectation fails it too.
 */
export function conforms(r: ImplReport): boolean {
  if (r.setupError || r.stale.length || !r.coverage || r.coverage.gaps.length) return false;
  if (!r.results.some((x) => x.status !== "skipped")) return false;
  return r.results.every((x) =>
    x.status === "pass" || x.status === "xfail" || x.status === "skipped"
  );
}

/** Progress callback: implementation, done, total. */
export type Progress = (impl: string, done: number, total: number) => void;

/** Runs every run against one testee and compares each answer with the reference. */
export async function runImpl(
  testee: Testee,
  runs: readonly CaseRun[],
  expectations: readonly Expectation[] = [],
  progress?: Progress,
  scope: Scope = {},
): Promise<ImplReport> {
  const t0 = performance.now();
  let hello: Hello;
  try {
    hello = await testee.start();
  } catch (e) {
    await testee.close().catch(() => {});
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
  try {
    await testee.run(sendIdx.map((i) => requestOf(runs[i]!)), (j, outcome) => {
      const i = sendIdx[j]!;
      results[i] = compare(runs[i]!, expectedOf(runs[i]!), outcome);
      done++;
      if (progress && (done & 255) === 0) progress(testee.name, done, runs.length);
    });
  } finally {
    await testee.close();
  }
  progress?.(testee.name, runs.length, runs.length);
  const stale = applyExpectations(testee.name, results, expectations);
  return {
    name: testee.name,
    hello,
    coverage: coverage(hello, compared, scope),
    results,
    stale,
    ms: performance.now() - t0,
  };
}
