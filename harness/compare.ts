/**
 * Compares a testee's answer with the reference, case by case: checkpoint
 * images byte for byte, restart outcomes on every defined byte. Every
 * difference names its record, field and offset; undefined values are shown
 * as notes, never silently dropped.
 *
 * @module
 */
import { toHex } from "../reference/bytes.ts";
import { errnoName } from "../reference/errors.ts";
import { type AbiName, TASK_COMM_LEN } from "../reference/layout.ts";
import { fieldSpans } from "../reference/walk.ts";
import type { CaseRun } from "../cases/types.ts";
import type { Outcome } from "../protocol/testee.ts";
import type { Request } from "../protocol/codec.ts";
import { encodingSeed } from "../protocol/vary.ts";

/** One difference between the reference and a testee. */
export interface Difference {
  /** Record name (`HEAD`, `TASK`, …) or `outcome` for return value, position, counter, comm. */
  readonly record: string;
  /** Field name (`exit_code`, `hdr.len`, `pad@20`, `ret`, `comm[3]`, …). */
  readonly field: string;
  /** File offset of the field in the image, when it is about image bytes. */
  readonly offset?: number;
  /** Expected value (hex for bytes). */
  readonly expected: string;
  /** Actual value. */
  readonly actual: string;
}

/**
 * Result statuses. `xfail`/`xpass` are set by the expectation list;
 * `not-run` by the runner for the runs an implementation never got to (an
 * interrupt, too many consecutive timeouts, its budget spent).
 */
export type Status =
  | "pass"
  | "fail"
  | "unsupported"
  | "skipped"
  | "error"
  | "crash"
  | "timeout"
  | "protocol"
  | "xfail"
  | "xpass"
  | "not-run";

/** The verdict on one case run for one implementation. */
export interface CaseResult {
  /** Result id (case id, `@profile` for restart). */
  readonly rid: string;
  /** The run. */
  readonly run: CaseRun;
  /** Verdict. */
  status: Status;
  /** Differences on defined values (empty when passing). */
  readonly differences: readonly Difference[];
  /** Values the reference calls undefined, with what the testee answered. */
  readonly undefinedNotes: readonly string[];
  /** Crash/timeout/protocol/error detail, or the expectation's reason. */
  detail?: string;
  /** A short hex window around the first difference: expected and actual lines. */
  readonly context?: {
    readonly offset: number;
    readonly expected: string;
    readonly actual: string;
  };
  /** What decided the reference outcome (restart), e.g. `HEAD.patch @0x014`. */
  readonly decidedBy?: string;
}

import type { Expected } from "../cases/types.ts";
export type { Expected };

/** A result the testee gave no answer for: its status and why. */
function unanswered(r: CaseRun, status: "skipped" | "not-run", detail: string): CaseResult {
  return { rid: r.rid, run: r, status, differences: [], undefinedNotes: [], detail };
}

/** A result for a run of a cell the testee does not declare. */
export const skipped = (r: CaseRun, cell: string): CaseResult =>
  unanswered(r, "skipped", `${cell} not declared in its hello`);

/** A result for a run that was not done, and why. */
export const notRun = (r: CaseRun, why: string): CaseResult =>
  unanswered(r, "not-run", `not run: ${why}`);

/**
 * A run's request: its content is read from the case when the request is
 * encoded (a generated case makes it then), and it carries the run's
 * reference result for the reference testee. Getters on the prototype, so
 * that a request costs one small object; {@link plainRequest} makes a plain
 * copy.
 */
class RunRequest {
  constructor(readonly run: CaseRun) {}
  get op(): Request["op"] {
    return this.run.case.op;
  }
  get state() {
    return (this.run.case as { state?: unknown }).state;
  }
  get image() {
    return (this.run.case as { image?: unknown }).image;
  }
  get env() {
    return this.run.case.env;
  }
  get profile() {
    return this.run.profile;
  }
  /** The seed of its encoding within PROTOCOL.md's freedoms: from the result id. */
  get encoding(): number {
    return encodingSeed(this.run.rid);
  }
}

/**
 * The request a run sends. It carries the reference's result for the run
 * (read by {@link expectedOfRequest}, computed then), so that the reference
 * testee does not compute it again.
 */
export function requestOf(run: CaseRun): Request {
  return new RunRequest(run) as unknown as Request;
}

/** A plain copy of a request: its fields only (no carried reference result). */
export function plainRequest(r: Request): Request {
  return r.op === "checkpoint"
    ? { op: "checkpoint", state: r.state, env: r.env }
    : { op: "restart", image: r.image, env: r.env, profile: r.profile };
}

/** The reference result for a run (computed once, when the run was made). */
export function expectedOf(run: CaseRun): Expected {
  return run.expected;
}

/** The run a request made by {@link requestOf} stands for, if it was made so. */
export function runOfRequest(r: Request): CaseRun | undefined {
  return r instanceof RunRequest ? r.run : undefined;
}

/** The reference result carried by a request made by {@link requestOf}, if it was. */
export function expectedOfRequest(r: Request): Expected | undefined {
  return r instanceof RunRequest ? r.run.expected : undefined;
}

/**
 * Per byte of an image: the record and field it belongs to and where that
 * field starts, following the image's own headers (the reference's image,
 * when diffing).
 */
export function fieldMap(
  abi: AbiName,
  image: Uint8Array,
): readonly { record: string; field: string; start: number }[] {
  const map: { record: string; field: string; start: number }[] = [];
  for (const sp of fieldSpans(abi, image)) {
    const entry = { record: sp.record, field: sp.field, start: sp.start };
    for (let i = 0; i < sp.size; i++) map[sp.start + i] = entry;
  }
  return map;
}

const retText = (v: number) => (errnoName(v) ? `${v} (${errnoName(v)})` : String(v));

/** A 16-byte-aligned hex window of 32 bytes around `at`. */
export function hexWindow(bytes: Uint8Array, at: number): string {
  const start = Math.max(0, Math.floor(at / 16) * 16 - 8);
  const end = Math.min(bytes.length, start + 32);
  let s = "";
  for (let i = start; i < end; i++) {
    s += (i === at ? "[" : i === at + 1 ? "]" : " ") + toHex(bytes.subarray(i, i + 1));
  }
  if (at === end - 1) s += "]";
  return `0x${start.toString(16).padStart(4, "0")}:${s}`;
}

/** True when two byte arrays are equal. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Differences between two checkpoint images, grouped by field (at most `limit`, then a count). */
export function diffImages(
  abi: AbiName,
  expected: Uint8Array,
  actual: Uint8Array,
  limit = 8,
): Difference[] {
  if (sameBytes(expected, actual)) return [];
  const map = fieldMap(abi, expected);
  const out: Difference[] = [];
  const n = Math.min(expected.length, actual.length);
  let extra = 0;
  for (let i = 0; i < n; i++) {
    if (expected[i] === actual[i]) continue;
    const m = map[i];
    const start = m ? m.start : i;
    let end = start + 1;
    if (m) { while (end < map.length && map[end]?.start === start) end++; }
    if (out.length >= limit) {
      extra++;
    } else {
      out.push({
        record: m?.record ?? "trailing",
        field: m?.field ?? `byte ${i}`,
        offset: start,
        expected: toHex(expected.subarray(start, end)),
        actual: toHex(actual.subarray(start, Math.min(end, actual.length))),
      });
    }
    i = end - 1;
  }
  if (extra) {
    out.push({
      record: "image",
      field: "more",
      expected: "",
      actual: `${extra} more differing fields`,
    });
  }
  if (expected.length !== actual.length) {
    out.unshift({
      record: "image",
      field: "length",
      expected: String(expected.length),
      actual: String(actual.length),
    });
  }
  return out;
}

/** No differences, no notes: shared by every result that has none (results are read only). */
const NONE: readonly never[] = Object.freeze([]);

/** Compares an outcome with the reference's expectation for a run. */
export function compare(run: CaseRun, exp: Expected, got: Outcome): CaseResult {
  const base = {
    rid: run.rid,
    run,
    differences: NONE as readonly Difference[],
    undefinedNotes: NONE as readonly string[],
  };
  if (got.status !== "answer") return { ...base, status: got.status, detail: got.detail };
  const diffs: Difference[] = [];
  const notes: string[] = [];
  const out = (field: string, e: string, a: string) =>
    diffs.push({ record: "outcome", field, expected: e, actual: a });
  if (exp.kind === "checkpoint") {
    const a = got.answer;
    if (a.kind !== "checkpoint") {
      return { ...base, status: "protocol", detail: "restart answer to a checkpoint" };
    }
    if (a.ret !== exp.r.ret) out("ret", retText(exp.r.ret), retText(a.ret));
    if (a.counter !== exp.r.counter) out("counter", String(exp.r.counter), String(a.counter));
    const img = diffImages(run.case.abi, exp.r.image, a.image);
    diffs.push(...img);
    const first = img.find((d) => d.offset !== undefined)?.offset ??
      (exp.r.image.length !== a.image.length
        ? Math.min(exp.r.image.length, a.image.length)
        : undefined);
    const context = first === undefined ? undefined : {
      offset: first,
      expected: hexWindow(exp.r.image, first),
      actual: hexWindow(a.image, first),
    };
    return {
      ...base,
      status: diffs.length ? "fail" : "pass",
      differences: diffs.length ? diffs : NONE,
      undefinedNotes: notes.length ? notes : NONE,
      context,
    };
  }
  const a = got.answer;
  if (a.kind !== "restart") {
    return { ...base, status: "protocol", detail: "checkpoint answer to a restart" };
  }
  const o = exp.o;
  const d = o.decision;

  if (o.ret.defined) {
    if (a.ret !== o.ret.value) out("ret", retText(o.ret.value), retText(a.ret));
  } else notes.push(`ret ${retText(a.ret)} (undefined in the seed: ${o.ret.why})`);
  if (o.consumed.defined) {
    if (a.consumed !== o.consumed.value) {
      out("consumed", String(o.consumed.value), String(a.consumed));
    }
  } else notes.push(`consumed ${a.consumed} (undefined in the seed: ${o.consumed.why})`);
  if (a.counter !== o.counter) out("counter", String(o.counter), String(a.counter));
  const bad: number[] = [];
  const undef: number[] = [];
  for (let i = 0; i < TASK_COMM_LEN; i++) {
    if (!o.commDefined[i]) undef.push(i);
    else if (a.comm[i] !== o.comm[i]) bad.push(i);
  }
  if (bad.length) {
    const shown = (c: Uint8Array) =>
      toHex(c).replace(/(..)/g, (_, b, i) => (undef.includes(i / 2) ? "??" : b));
    out(
      `comm[${bad[0]}${bad.length > 1 ? `..${bad[bad.length - 1]}` : ""}]`,
      shown(o.comm),
      toHex(a.comm),
    );
  }
  if (undef.length) {
    notes.push(
      `comm bytes ${undef[0]}..${undef[undef.length - 1]} undefined in the seed (${
        o.commSource[undef[0]!]
      } memory): got ${toHex(a.comm.subarray(undef[0]!, undef[undef.length - 1]! + 1))}`,
    );
  }
  const image = (run.case as { image: Uint8Array }).image;
  const context = diffs.length && d.record !== "syscall" && image.length
    ? {
      offset: Math.min(d.offset, image.length - 1),
      expected: hexWindow(image, Math.min(d.offset, image.length - 1)),
      actual: "",
    }
    : undefined;
  return {
    ...base,
    status: diffs.length ? "fail" : "pass",
    differences: diffs.length ? diffs : NONE,
    undefinedNotes: notes.length ? notes : NONE,
    context,
    decidedBy: diffs.length ? decidedByOf(o) : undefined,
  };
}

/** What decided a restart outcome, as shown: `HEAD.patch @0x014`. */
export function decidedByOf(o: { decision: { check: string; offset: number } }): string {
  return `${o.decision.check} @0x${o.decision.offset.toString(16).padStart(3, "0")}`;
}

/** Formats one difference: `TASK.exit_code @0x0fc: expected 00000000 got 01000000` (x86_64). */
export function formatDifference(d: Difference): string {
  const at = d.offset === undefined ? "" : ` @0x${d.offset.toString(16).padStart(3, "0")}`;
  if (d.field === "more") return `… ${d.actual}`;
  const name = d.record === "outcome" ? d.field : `${d.record}.${d.field}`;
  return `${name}${at}: expected ${d.expected} got ${d.actual}`;
}
