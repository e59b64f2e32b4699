/**
 * The testee protocol's payloads (see `PROTOCOL.md`): requests built from
 * the model's own input types, responses parsed into typed answers with
 * precise errors, and the 4-byte length-prefixed frames.
 *
 * @module
 */
import { type Answer, scanAnswer } from "./answer.ts";
import { fromHex } from "../reference/bytes.ts";
import { CrconformError } from "../reference/errors.ts";
import type { AbiName } from "../reference/layout.ts";
import {
  type CheckpointEnv,
  type Profile,
  PROFILES,
  type RestartEnv,
  type TaskState,
} from "../reference/types.ts";
import { abiNames, isAbiName } from "../reference/abi.ts";

/** The protocol version this harness speaks. */
export const PROTOCOL_VERSION = 1;
/** Largest response frame accepted (1 MiB). */
export const MAX_FRAME = 1 << 20;

/** A checkpoint request. */
export interface CheckpointRequest {
  /** Operation. */
  readonly op: "checkpoint";
  /** Task state. */
  readonly state: TaskState;
  /** Environment. */
  readonly env: CheckpointEnv;
  /**
   * Seed of the request's encoding within PROTOCOL.md's freedoms (see
   * `vary.ts`); absent: canonical.
   */
  readonly encoding?: number;
}

/** A restart request. */
export interface RestartRequest {
  /** Operation. */
  readonly op: "restart";
  /** File content. */
  readonly image: Uint8Array;
  /** Environment. */
  readonly env: RestartEnv;
  /** Profile the answer must follow. */
  readonly profile: Profile;
  /**
   * Seed of the request's encoding within PROTOCOL.md's freedoms (see
   * `vary.ts`); absent: canonical.
   */
  readonly encoding?: number;
}

/** Any case request. */
export type Request = CheckpointRequest | RestartRequest;

/** The operations a testee can declare. */
export type Op = "checkpoint" | "restart";
/** Every operation, in a stable order. */
export const OPS: readonly Op[] = Object.freeze(["checkpoint", "restart"]);

/** A testee's answer to hello. */
export interface Hello {
  /** Operations it supports (`ops`; absent in the answer means both). */
  readonly ops: readonly Op[];
  /** Protocol version it speaks. */
  readonly protocol: number;
  /** Its self-reported name. */
  readonly name: string;
  /** ABIs it supports. */
  readonly abis: readonly AbiName[];
  /** Profiles it supports. */
  readonly profiles: readonly Profile[];
  /**
   * Optional request features it handles (`features`; absent means none):
   * a case that needs one it does not declare is not sent to it.
   */
  readonly features?: readonly string[];
}

/**
 * The optional request features (`PROTOCOL.md`, "Features"): `io`, a file
 * that behaves (`io_chunk`, `io_eagain`, `io_error_at`/`io_errno`); `io-zero`,
 * a file that takes nothing at a byte (`io_zero_at`, `io_zero_count`);
 * `no-method`, a descriptor whose file has no write or read method (`file`
 * `no-write`, `no-read`).
 */
export const FEATURES: readonly string[] = Object.freeze(["io", "io-zero", "no-method"]);

/** The features a case's environment needs (none for most), in {@link FEATURES} order. */
export function featuresOf(env: CheckpointEnv | RestartEnv): string[] {
  const out: string[] = [];
  const io = env.io;
  if (io && (io.chunk !== undefined || io.eagain !== undefined || io.errorAfter)) out.push("io");
  if (io?.zeroAfter) out.push("io-zero");
  if (env.file === "no-write" || env.file === "no-read") out.push("no-method");
  return out;
}

/** True when a testee whose hello is `h` can be sent a case with environment `env`. */
export function helloAccepts(h: Hello, env: CheckpointEnv | RestartEnv): boolean {
  const need = featuresOf(env);
  return need.length === 0 || need.every((f) => (h.features ?? []).includes(f));
}

export type { Answer, CheckpointAnswer, RestartAnswer } from "./answer.ts";

/** A response the harness cannot accept (missing key, bad value, wrong id). */
export class ProtocolError extends CrconformError {
  /** The error\'s class name. */
  override readonly name: string = "ProtocolError";
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * The hello request: its two keys and an unknown one, `protocol` first (a
 * reader must take keys in any order and ignore unknown ones, hello included).
 */
export const HELLO_REQUEST =
  `protocol ${PROTOCOL_VERSION}\nx-hello any key order, unknown keys\nop hello\n`;

/** The hello request payload. */
export function helloPayload(): Uint8Array {
  return enc.encode(HELLO_REQUEST);
}

/**
 * `[a-z_][a-z0-9_-]*`, without a regular expression (this runs once per
 * answer line). A key with a `-` is never given a meaning (PROTOCOL.md):
 * ignored like any unknown key.
 */
function isKey(k: string): boolean {
  if (!k.length) return false;
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    const lower = c >= 97 && c <= 122, under = c === 95, digit = c >= 48 && c <= 57;
    if (!(lower || under || ((digit || c === 45) && i > 0))) return false;
  }
  return true;
}

/** Parses `key value` lines; a repeated key or a line without a space is a protocol error. */
export function parseLines(payload: Uint8Array): Map<string, string> {
  const text = dec.decode(payload);
  const out = new Map<string, string>();
  let lineNo = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    lineNo++;
    if (line === "") continue;
    const sp = line.indexOf(" ");
    const key = sp < 0 ? line : line.slice(0, sp);
    if (!isKey(key)) {
      throw new ProtocolError(
        `line ${lineNo}: expected "key value", found ${JSON.stringify(line.slice(0, 60))}`,
      );
    }
    if (out.has(key)) throw new ProtocolError(`line ${lineNo}: key "${key}" repeated`);
    out.set(key, sp < 0 ? "" : line.slice(sp + 1));
  }
  return out;
}

function need(m: Map<string, string>, key: string): string {
  const v = m.get(key);
  if (v === undefined) throw new ProtocolError(`missing key "${key}"`);
  return v;
}

function int(m: Map<string, string>, key: string, min: number, max: number): number {
  const v = need(m, key);
  if (!/^-?[0-9]+$/.test(v)) {
    throw new ProtocolError(
      `"${key}": expected a decimal integer, found ${JSON.stringify(v.slice(0, 40))}`,
    );
  }
  const n = Number(v);
  if (n < min || n > max) throw new ProtocolError(`"${key}": expected ${min}..${max}, found ${v}`);
  return n;
}

function hex(m: Map<string, string>, key: string, size?: number): Uint8Array {
  const v = need(m, key);
  const b = fromHex(v);
  if (!b) {
    throw new ProtocolError(
      `"${key}": expected hex bytes, found ${JSON.stringify(v.slice(0, 40))}`,
    );
  }
  if (size !== undefined && b.length !== size) {
    throw new ProtocolError(`"${key}": expected ${size} bytes, found ${b.length}`);
  }
  return b;
}

/**
 * Parses a hello response; a protocol error says what the hello request
 * was (a reader that takes keys only in one order, or fails on an unknown
 * one, answers it wrongly).
 */
export function parseHello(payload: Uint8Array): Hello {
  try {
    return parseHelloLines(payload);
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    throw new ProtocolError(
      `${e.message} (the hello request was ${
        JSON.stringify(HELLO_REQUEST)
      }: PROTOCOL.md allows keys in any order and unknown keys)`,
    );
  }
}

function parseHelloLines(payload: Uint8Array): Hello {
  const m = parseLines(payload);
  const protocol = int(m, "protocol", 0, 0x7fffffff);
  const abis = need(m, "abis").split(/\s+/).filter(Boolean);
  const profiles = need(m, "profiles").split(/\s+/).filter(Boolean);
  for (const a of abis) {
    if (!isAbiName(a)) {
      throw new ProtocolError(
        `"abis": unknown ABI ${JSON.stringify(a)} (known: ${abiNames().join(", ")})`,
      );
    }
  }
  for (const p of profiles) {
    if (!PROFILES.includes(p as Profile)) {
      throw new ProtocolError(
        `"profiles": unknown profile ${JSON.stringify(p)} (known: ${PROFILES.join(", ")})`,
      );
    }
  }
  const ops = (m.get("ops") ?? OPS.join(" ")).split(/\s+/).filter(Boolean);
  for (const o of ops) {
    if (!OPS.includes(o as Op)) {
      throw new ProtocolError(
        `"ops": unknown operation ${JSON.stringify(o)} (known: ${OPS.join(", ")})`,
      );
    }
  }
  // Features this harness does not know are ignored (a newer testee may declare more).
  const features = (m.get("features") ?? "").split(/\s+/).filter((f) => FEATURES.includes(f));
  return {
    protocol,
    ops: ops as Op[],
    ...(features.length ? { features } : {}),
    name: need(m, "name"),
    abis: abis as AbiName[],
    profiles: profiles as Profile[],
  };
}

/** Parses a response to request `id` of operation `op`. */
export function parseAnswer(payload: Uint8Array, op: Request["op"], id: number): Answer {
  return scanAnswer(payload, op, id) ?? parseAnswerLines(payload, op, id);
}

/**
 * Parses a response to request `id` of operation `op` through its `key
 * value` lines, with a protocol error naming what is wrong. (What
 * {@link parseAnswer} does when the fast byte scan does not take the answer.)
 */
export function parseAnswerLines(payload: Uint8Array, op: Request["op"], id: number): Answer {
  const m = parseLines(payload);
  const got = need(m, "id");
  if (got !== String(id)) {
    throw new ProtocolError(`"id": expected ${id}, found ${JSON.stringify(got.slice(0, 20))}`);
  }
  if (m.has("unsupported")) return { kind: "unsupported", reason: m.get("unsupported")! };
  if (m.has("error")) return { kind: "error", message: m.get("error")! };
  const ret = int(m, "ret", -0x80000000, 0x7fffffff);
  const counter = int(m, "counter", 0, 0xffffffff);
  if (op === "checkpoint") return { kind: "checkpoint", ret, counter, image: hex(m, "image") };
  return {
    kind: "restart",
    ret,
    counter,
    consumed: int(m, "consumed", 0, Number.MAX_SAFE_INTEGER),
    comm: hex(m, "comm", 16),
  };
}

/** Prefixes a payload with its 4-byte little-endian length. */
export function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer, out.byteOffset).setUint32(0, payload.length, true);
  out.set(payload, 4);
  return out;
}

/**
 * Incremental frame reader: feed it chunks, take out whole payloads. A length
 * over {@link MAX_FRAME} is a protocol error (the harness never buffers an
 * unbounded response).
 */
export class FrameReader {
  private buf = new Uint8Array(64 * 1024);
  private start = 0;
  private end = 0;

  /** Appends a chunk. */
  push(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      const size = Math.max(this.buf.length, (live + chunk.length) * 2);
      const next = size === this.buf.length ? this.buf : new Uint8Array(size);
      next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Bytes buffered and not yet taken. */
  get pending(): number {
    return this.end - this.start;
  }

  /** The next whole payload (a copy), or undefined when more bytes are needed. */
  next(): Uint8Array | undefined {
    return this.nextView()?.slice();
  }

  /**
   * The next whole payload as a view into the reader's buffer, or undefined
   * when more bytes are needed: valid until the next {@link push}, so for a
   * payload read at once (no copy).
   */
  nextView(): Uint8Array | undefined {
    if (this.end - this.start < 4) return undefined;
    const b = this.buf, at = this.start;
    const len = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
    if (len > MAX_FRAME) {
      throw new ProtocolError(`frame of ${len} bytes exceeds the ${MAX_FRAME}-byte limit`);
    }
    if (this.end - this.start < 4 + len) return undefined;
    const out = this.buf.subarray(this.start + 4, this.start + 4 + len);
    this.start += 4 + len;
    if (this.start === this.end) this.start = this.end = 0;
    return out;
  }
}
