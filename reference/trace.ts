/**
 * Trace sinks: what the reference tells an observer while it runs, so that
 * `deno task explain` can show the reference's own path through the seed
 * (no second interpreter). Runs without a sink pay one nullish test per hook.
 *
 * @module
 */
import type { Field, RecordName } from "./layout.ts";
import type { Sym, Tri } from "./shadow.ts";

/** Which of a record's two reads: the 8-byte header (on the stack) or the payload. */
export type ReadPart = "header" | "payload";

/** A value a check looked at: a field read from model memory, a byte count, flags or a file kind. */
export type CheckedValue = Sym | number | bigint | string;

/** Told every step of one `restartShadow` run, in the seed's order. */
export interface RestartTraceSink {
  /**
   * A `cr_kread`: `asked` bytes of `rec`'s `part` from file offset `from`,
   * of which the file gave `got` (fewer at end of file).
   */
  read(rec: RecordName, part: ReadPart, asked: number, got: number, from: number): void;
  /**
   * A branch: check `id` (a {@link RESTART_CHECKS} id) on `value` (the field
   * `f` at file offset `offset`, when it is one) gave `verdict` — true when
   * the branch's condition holds (see `reference/explain.ts` for each
   * condition), `unknown` when it depends on never-written bytes.
   */
  check(
    id: string,
    offset: number,
    f: Field | undefined,
    value: CheckedValue,
    verdict: Tri,
  ): void;
  /** STRING was accepted: comm zeroed and `copied` bytes copied in (`nul`: byte 15 forced to 0). */
  comm(copied: number, nul: boolean): void;
}

/** Told what one `checkpoint` run writes. */
export interface CheckpointTraceSink {
  /** A record (header and payload) written at file offset `at`, `size` payload bytes. */
  write(rec: Exclude<RecordName, "HDR">, at: number, size: number): void;
}
