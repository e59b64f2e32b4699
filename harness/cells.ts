/**
 * Coverage cells: what an implementation declares (operation × ABI ×
 * profile; a checkpoint has no profile) and what a run must exercise. The
 * verdict fails closed on them: a declared cell in scope with no case run,
 * or a cell the user requires that the testee does not declare, is a
 * failure, never a silent pass.
 *
 * @module
 */
import { abiNames } from "../reference/abi.ts";
import { PROFILES } from "../reference/types.ts";
import { type Hello, type Op, OPS } from "../protocol/codec.ts";
import type { CaseRun } from "../cases/types.ts";
import { matches } from "./expect.ts";

/** A cell id: `checkpoint/<abi>` or `restart/<abi>/<profile>`. */
export type Cell = string;

/** The cell a run belongs to. */
export function cellOf(run: CaseRun): Cell {
  return run.profile
    ? `${run.case.op}/${run.case.abi}/${run.profile}`
    : `${run.case.op}/${run.case.abi}`;
}

/** Every cell of the given operations, ABIs and profiles. */
export function cellsOf(
  ops: readonly Op[],
  abis: readonly string[],
  profiles: readonly string[],
): Cell[] {
  const out: Cell[] = [];
  for (const op of ops) {
    for (const abi of abis) {
      if (op === "checkpoint") out.push(`checkpoint/${abi}`);
      else for (const p of profiles) out.push(`restart/${abi}/${p}`);
    }
  }
  return out;
}

/** Every cell the registry allows (the universe `--require` patterns match against). */
export function allCells(): Cell[] {
  return cellsOf(OPS, abiNames(), PROFILES);
}

/** The cells a hello declares. */
export function declaredCells(h: Hello): Cell[] {
  return cellsOf(h.ops, h.abis, h.profiles);
}

/** What the user asked the run to cover: the options that narrow it, and the required cells. */
export interface Scope {
  /** `--op`: operations kept (all when absent). */
  readonly ops?: readonly Op[];
  /** `--abi`: ABIs kept. */
  readonly abis?: readonly string[];
  /** `--profile`: profiles kept. */
  readonly profiles?: readonly string[];
  /** `--require` patterns (`OP/ABI/PROFILE`, `*` and `?` wildcards). */
  readonly require?: readonly string[];
  /** When set, only these cells are in scope (a replayed corpus covers its own cells). */
  readonly cells?: readonly Cell[];
}

/** True when a cell survives the scope's `--op`, `--abi` and `--profile`. */
export function inScope(cell: Cell, scope: Scope): boolean {
  const [op, abi, profile] = cell.split("/");
  if (scope.cells && !scope.cells.includes(cell)) return false;
  return (!scope.ops?.length || scope.ops.includes(op as Op)) &&
    (!scope.abis?.length || scope.abis.includes(abi!)) &&
    (!profile || !scope.profiles?.length || scope.profiles.includes(profile));
}

/** The cells a `--require` pattern names; a checkpoint cell matches `checkpoint/ABI` and `checkpoint/ABI/*`. */
export function requiredCells(pattern: string): Cell[] {
  return allCells().filter((c) =>
    matches(pattern, c) || (c.startsWith("checkpoint/") && matches(pattern, `${c}/-`))
  );
}

/** How the cells of one implementation fared. */
export interface Coverage {
  /** Declared cells in scope, each with the number of runs compared in it. */
  readonly exercised: ReadonlyMap<Cell, number>;
  /** Problems: declared cells with no run (or no pass), required cells not declared or not run. */
  readonly gaps: readonly string[];
}

/**
 * Counts runs per declared cell in scope and lists every gap. With `passed`
 * (the passes per cell), a cell that ran but where no run passed is a gap
 * too: known failures alone, or answers that were not compared, show
 * nothing working in it.
 */
export function coverage(
  hello: Hello,
  compared: ReadonlyMap<Cell, number>,
  scope: Scope,
  passed?: ReadonlyMap<Cell, number>,
): Coverage {
  const declared = declaredCells(hello);
  const exercised = new Map<Cell, number>();
  const gaps: string[] = [];
  for (const c of declared.filter((c) => inScope(c, scope))) {
    const n = compared.get(c) ?? 0;
    exercised.set(c, n);
    if (n === 0) gaps.push(`${c}: declared, but no case of it was run`);
    else if (passed && !passed.get(c)) gaps.push(`${c}: none of its ${n} runs passed`);
  }
  if (!declared.length) gaps.push("its hello declares no operation × ABI × profile");
  else if (!exercised.size) gaps.push("none of its declared cells is in the selected scope");
  for (const pattern of scope.require ?? []) {
    for (const c of requiredCells(pattern)) {
      if (!declared.includes(c)) gaps.push(`${c}: required by --require ${pattern}, not declared`);
      else if (!inScope(c, scope)) {
        gaps.push(`${c}: required by --require ${pattern}, out of scope`);
      }
    }
  }
  return { exercised, gaps };
}

/**
 * One line naming what was covered, grouped by operation:
 * `restart × x86_64,i386 × seed,hardened; checkpoint × x86_64; checkpoint not declared`.
 */
export function coverageLine(hello: Hello, cov: Coverage): string {
  const parts: string[] = [];
  const missing: string[] = [];
  for (const op of OPS) {
    const cells = [...cov.exercised].filter(([c, n]) => n > 0 && c.startsWith(`${op}/`)).map((
      [c],
    ) => c.split("/"));
    if (!hello.ops.includes(op)) {
      missing.push(`${op} not declared`);
      continue;
    }
    if (!cells.length) continue;
    const abis = [...new Set(cells.map((c) => c[1]!))].join(",");
    const profiles = [...new Set(cells.map((c) => c[2]).filter(Boolean))].join(",");
    parts.push(profiles ? `${op} × ${abis} × ${profiles}` : `${op} × ${abis}`);
  }
  return [...parts, ...missing].join("; ");
}
