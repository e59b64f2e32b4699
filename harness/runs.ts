/**
 * The runs a gate run goes through: chosen from the suite's cases by
 * operation, ABI, profile, filter and shard, and given to the runner either
 * as a list or as a {@link RunSource} that makes them again as they are read
 * (a large suite streams, so that memory does not grow with it).
 *
 * @module
 */
import type { Case, CaseRun } from "../cases/types.ts";
import type { AbiName } from "../reference/layout.ts";
import type { Profile } from "../reference/types.ts";
import { caseRuns } from "../cases/suite.ts";
import { type Cell, cellOf } from "./cells.ts";
import { matches } from "./expect.ts";
import { FingerprintHash } from "./report/common.ts";

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

/**
 * Runs that stream by: made as they are read, each read starting again from
 * the first, with what must be known before the first is sent. The runner
 * takes them a segment at a time and keeps only the results that are not
 * passes (the report's `summary` counts them), so its memory does not grow with
 * the number of runs.
 */
export interface RunSource {
  /** How many runs it gives. */
  readonly count: number;
  /** How many runs of each cell it gives. */
  readonly cells: ReadonlyMap<Cell, number>;
  /** Its runs, in order, made as they are read. */
  runs(): Iterable<CaseRun>;
  /** Runs taken together (see {@link SEGMENT_RUNS}). @default SEGMENT_RUNS */
  readonly segmentRuns?: number;
}

/** A {@link RunSource} with the fingerprint of its result ids (`suiteFingerprint`). */
export interface SuiteSource extends RunSource {
  /** The fingerprint of its runs' result ids, in order. */
  readonly fingerprint: string;
}

/**
 * The selected runs of cases made as they are read (`cases()` starts them
 * again each time): one pass over them now, for their count, cells and
 * fingerprint, and one per implementation later. Nothing is kept.
 */
export function suiteSource(cases: () => Iterable<Case>, sel: Selection = {}): SuiteSource {
  const cells = new Map<Cell, number>();
  const hash = new FingerprintHash();
  let count = 0;
  for (const r of selectRunsIter(cases(), sel)) {
    count++;
    const cell = cellOf(r);
    cells.set(cell, (cells.get(cell) ?? 0) + 1);
    hash.add(r.rid);
  }
  return { count, cells, fingerprint: hash.digest(), runs: () => selectRunsIter(cases(), sel) };
}

/** The runs of a list or a source that belong to some cells (a list stays a list). */
export function runsOfCells(
  runs: readonly CaseRun[] | RunSource,
  keep: readonly Cell[],
): readonly CaseRun[] | RunSource {
  if (!isSource(runs)) return runs.filter((r) => keep.includes(cellOf(r)));
  const cells = new Map([...runs.cells].filter(([c]) => keep.includes(c)));
  let count = 0;
  for (const n of cells.values()) count += n;
  return {
    count,
    cells,
    segmentRuns: runs.segmentRuns,
    *runs() {
      for (const r of runs.runs()) if (keep.includes(cellOf(r))) yield r;
    },
  };
}

/**
 * How the runs read from a source differ, cell by cell, from what its first
 * pass counted: one line per cell that differs (none when the suite is made
 * the same every time, as a seeded one is).
 */
export function driftOf(source: RunSource, read: ReadonlyMap<Cell, number>): string[] {
  const out: string[] = [];
  for (const cell of new Set([...source.cells.keys(), ...read.keys()])) {
    const before = source.cells.get(cell) ?? 0, now = read.get(cell) ?? 0;
    if (before !== now) {
      out.push(`${cell}: the suite counted ${before} runs of it, then gave ${now} when run`);
    }
  }
  return out;
}

/** How many runs a list or a source has. */
export function runCount(runs: readonly CaseRun[] | RunSource): number {
  return isSource(runs) ? runs.count : runs.length;
}

/** The result ids of a list's or a source's runs, in order (a source is read again). */
export function* ridsOfRuns(runs: readonly CaseRun[] | RunSource): Generator<string> {
  for (const r of isSource(runs) ? runs.runs() : runs) yield r.rid;
}

/**
 * Runs taken together from a {@link RunSource}: memory is about this many
 * runs and their results. Measured with `--cases 64000` (399,429 runs):
 * 2,048–8,192 keep the whole command at 235–258 MiB, 32,768 at 453 MiB.
 */
export const SEGMENT_RUNS = 4096;

/**
 * The segments of a list (itself) or of a source: its `segmentRuns` (or
 * {@link SEGMENT_RUNS}) runs each, at least `atLeast`.
 */
export function* segmentsOf(
  runs: readonly CaseRun[] | RunSource,
  atLeast = 1,
): Generator<readonly CaseRun[]> {
  if (isSource(runs)) {
    const size = Math.max(1, atLeast, runs.segmentRuns ?? SEGMENT_RUNS);
    let seg: CaseRun[] = [];
    for (const r of runs.runs()) {
      seg.push(r);
      if (seg.length === size) {
        yield seg;
        seg = [];
      }
    }
    if (seg.length) yield seg;
  } else if (runs.length) yield runs;
}

/** True when the runs are a source (not a list). */
export function isSource(runs: readonly CaseRun[] | RunSource): runs is RunSource {
  return !Array.isArray(runs);
}
