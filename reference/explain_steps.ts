/**
 * The steps of an explanation and the seed line of each: `seed_lines.json`
 * (derived once from the mailed patch's hunk headers; the port's lines are
 * in this repository) read as typed data.
 *
 * @module
 */
import seedLines from "./seed_lines.json" with { type: "json" };

/** Where a step is in the seed: the patch's tree, the patch file's line, and the in-repo port. */
export interface SeedLine {
  /** `checkpoint/restart.c:37`: file and line in the tree the 2008 patch creates. */
  readonly seed: string;
  /** Line in the mailed patch `../shared/seed/000_*.txt`. */
  readonly patch: number;
  /** `restart.c:22`: file and line under `golden/recipe/port/checkpoint/`. */
  readonly port: string;
  /** The C the line holds, shortened. */
  readonly code: string;
  /** The hardened rule (`H-EOF`, …) when the step exists only in that profile. */
  readonly rule?: string;
}

/** The seed patch file the `patch` line numbers refer to (under `../shared/seed/`). */
export const SEED_PATCH_FILE: string = seedLines.patchFile;

/** Every step id of `seed_lines.json` with its lines. */
export const SEED_LINES: Readonly<Record<string, SeedLine>> = seedLines.steps;

/** A never-written byte, named as a targeted fill names it (`UnwrittenFill`, seed-c's `--fill-at`). */
export interface UnwrittenByte {
  /** The kind of memory. */
  readonly memory: "stack" | "page" | "kmalloc";
  /** For the stack: which header read of the call (0 HEAD's, 1 TASK's, 2 STRING's, 3 TAIL's). */
  readonly header?: number;
  /** Offset in that memory (the header, the scratch buffer, the kmalloc'd buffer). */
  readonly offset: number;
}

/** Contents of never-written bytes that decide an undecidable check one way. */
export interface DecidingContents {
  /** Whether the check's condition then holds. */
  readonly holds: boolean;
  /** What follows (`→ -EINVAL`, `→ continue`, …). */
  readonly then: string;
  /** The bytes given a value (the others stay never written). */
  readonly bytes: readonly { readonly at: UnwrittenByte; readonly value: number }[];
}

/**
 * Never-written bytes with values as seed-c's `--fill-at` takes them:
 * `stack2@3=ff,page@20=00` (`stackN`: the N-th header read of the call).
 */
export function fillAtSpec(
  bytes: readonly { readonly at: UnwrittenByte; readonly value: number }[],
): string {
  return bytes.map(({ at, value }) =>
    `${at.memory === "stack" ? `stack${at.header}` : at.memory}@${at.offset}=${
      value.toString(16).padStart(2, "0")
    }`
  ).join(",");
}

/** One step of an explanation. */
export interface ExplainStep {
  /** `read`, `check` (a branch of the seed), `comm` (the copy into comm) or `write` (checkpoint). */
  readonly kind: "read" | "check" | "comm" | "write" | "note";
  /** The check id (`TASK.hdr.len`), `read.header`, `read.payload`, `comm.copy`, `write.HEAD`, … */
  readonly id: string;
  /** One line: what happened. */
  readonly text: string;
  /** For a check: the branch's condition held (`true`), did not (`false`), or depends on unwritten bytes. */
  readonly verdict?: boolean | "unknown";
  /** Where the bytes the step looked at came from, one line per run of bytes. */
  readonly bytes?: readonly string[];
  /** For an undecidable check: which unwritten bytes, and what contents would change the outcome. */
  readonly unknown?: readonly string[];
  /** The never-written bytes the step looked at (a check's field, the bytes comm copied). */
  readonly unwritten?: readonly UnwrittenByte[];
  /** For an undecidable check: contents that decide it each way (one or more per way). */
  readonly deciding?: readonly DecidingContents[];
  /** The seed line. */
  readonly source?: SeedLine;
}

/** An offset as shown: `0x0e8`. */
export const hex3 = (n: number) => `0x${n.toString(16).padStart(3, "0")}`;
/** The seed line of a check id (`TASK.hdr.len` → `hdr.len`; `flags` → `restart.flags`). */
export function seedLineOf(
  id: string,
  op: "checkpoint" | "restart" = "restart",
  occurrence = 1,
): SeedLine {
  const direct = SEED_LINES[`${id}.${occurrence}`] ?? SEED_LINES[`${op}.${id}`] ?? SEED_LINES[id];
  if (direct) return direct;
  const generic = id.replace(/^(HEAD|TASK|STRING|TAIL)\./, "");
  const line = SEED_LINES[generic];
  if (!line) throw new Error(`no seed line for step ${id}`);
  return line;
}

/** A seed line as shown: `restart.c:22 · seed checkpoint/restart.c:37 (patch line 306)`. */
export function sourceText(s: SeedLine): string {
  return `port ${s.port} · seed ${s.seed} (${SEED_PATCH_FILE}:${s.patch})${
    s.rule ? ` · hardened rule ${s.rule}` : ""
  }`;
}
