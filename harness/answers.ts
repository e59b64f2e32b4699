/**
 * Recorded answers: every answer an implementation gave in a gate run, one
 * JSON object per line (`conform --answers FILE`). A recording lets the
 * same answers be judged again against another oracle without running the
 * implementations again (the oracle's mutation run, `cli/reference_mutants.ts`),
 * and gives an implementer their program's answers as data.
 *
 * A line: `{"impl":"c","rid":"restart/x86_64/…@seed","status":"answer",
 * "kind":"restart","ret":-22,"consumed":8,"counter":0,"comm":"<32 hex>"}`; a
 * checkpoint answer has `image` (hex) instead of `consumed` and `comm`; an
 * outcome that is not an answer has its `status` and `detail`. An optional
 * `via` says how the implementation was run when that differs from the gate's
 * default (`SEED_C_FILL=pattern`, a `--fill-at` spec).
 *
 * @module
 */
import { fromHex, toHex } from "../reference/bytes.ts";
import type { Outcome } from "../protocol/testee.ts";

/** One recorded answer. */
export interface AnswerRecord {
  /** The implementation's name. */
  readonly impl: string;
  /** The run's result id. */
  readonly rid: string;
  /** What it answered. */
  readonly outcome: Outcome;
  /** How it was run, when not as the gate runs it by default. */
  readonly via?: string;
}

/** The JSON line of a record (no newline). */
export function answerLine(r: AnswerRecord): string {
  const o = r.outcome;
  const head = { impl: r.impl, rid: r.rid, ...(r.via ? { via: r.via } : {}) };
  if (o.status !== "answer") return JSON.stringify({ ...head, status: o.status, detail: o.detail });
  const a = o.answer;
  return JSON.stringify(
    a.kind === "checkpoint"
      ? {
        ...head,
        status: "answer",
        kind: a.kind,
        ret: a.ret,
        counter: a.counter,
        image: toHex(a.image),
      }
      : {
        ...head,
        status: "answer",
        kind: a.kind,
        ret: a.ret,
        consumed: a.consumed,
        counter: a.counter,
        comm: toHex(a.comm),
      },
  );
}

/** A record's line read back; a line that is not one throws, saying what it expected. */
export function parseAnswerLine(line: string): AnswerRecord {
  const v = JSON.parse(line);
  const bad = (what: string) => new Error(`an answer record: ${what} in ${line.slice(0, 120)}`);
  if (typeof v?.impl !== "string" || typeof v.rid !== "string") throw bad("no impl or rid");
  const head = { impl: v.impl as string, rid: v.rid as string, ...(v.via ? { via: v.via } : {}) };
  if (v.status !== "answer") {
    if (typeof v.status !== "string") throw bad("no status");
    return { ...head, outcome: { status: v.status, detail: String(v.detail ?? "") } as Outcome };
  }
  const int = (k: string) => {
    if (!Number.isSafeInteger(v[k])) throw bad(`${k} is not an integer`);
    return v[k] as number;
  };
  const hex = (k: string) => {
    const b = typeof v[k] === "string" ? fromHex(v[k]) : undefined;
    if (!b) throw bad(`${k} is not hex`);
    return b;
  };
  if (v.kind === "checkpoint") {
    return {
      ...head,
      outcome: {
        status: "answer",
        answer: {
          kind: "checkpoint",
          ret: int("ret"),
          counter: int("counter"),
          image: hex("image"),
        },
      },
    };
  }
  if (v.kind !== "restart") throw bad(`kind ${JSON.stringify(v.kind)}`);
  return {
    ...head,
    outcome: {
      status: "answer",
      answer: {
        kind: "restart",
        ret: int("ret"),
        consumed: int("consumed"),
        counter: int("counter"),
        comm: hex("comm"),
      },
    },
  };
}
