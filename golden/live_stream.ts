/**
 * The live init's result stream (`golden/recipe/LIVE.md`): binary frames
 * the init writes to QEMU's isa-debugcon port ({@link parseLiveFrames}),
 * the records inside them (the capture init's record format, plus `S`, one
 * compact restart result: {@link decodeCompactResult}) and what they say
 * about one boot ({@link interpretLiveRecords}). A stream that is cut short,
 * corrupted or out of sequence is an error, never a partial pass.
 *
 * @module
 */
import { CrconformError } from "../reference/errors.ts";
import { concat, toHex } from "../reference/bytes.ts";
import { TASK_COMM_LEN } from "../reference/layout.ts";
import { crc32, interpretRecords, type KernelRestartResult, parseRecords } from "./serial.ts";

/** The live init's stream is malformed: the message says where (byte offset) and why. */
export class LiveStreamError extends CrconformError {
  /** The error's class name. */
  override readonly name: string = "LiveStreamError";
  /** Byte offset in the stream (or in the record payload, as the message says), when known. */
  readonly offset: number | undefined;
  /** Builds the error. */
  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `result stream @${offset}: ${message}`);
    this.offset = offset;
  }
}

/** `"CRLV"`, the first four bytes of every frame. */
export const LIVE_FRAME_MAGIC: Uint8Array = Uint8Array.from([0x43, 0x52, 0x4c, 0x56]);
/** Bytes of a frame header: magic, u32 seq, u32 len, u32 CRC-32. */
export const LIVE_FRAME_HEADER = 16;
/** The largest payload the live init writes in one frame. */
export const LIVE_FRAME_MAX = 1 << 17;

/** Result of {@link parseLiveFrames}. */
export interface LiveFrameStream {
  /** Payloads of the complete frames, in sequence order. */
  data: Uint8Array;
  /** Number of complete, verified frames. */
  frames: number;
  /** Bytes of the stream the complete frames span. */
  bytes: number;
  /** True when the stream ends inside a frame (allowed only with `allowTruncatedTail`). */
  truncatedTail: boolean;
}

/**
 * Parses the frames of the live init's stream: per frame `"CRLV"`, u32
 * sequence number (0, 1, 2, …), u32 payload length, u32 IEEE CRC-32 of the
 * payload (little-endian), then the payload. Nothing may come before the
 * first frame, between frames or after the last. `firstSeq` parses a
 * stream's tail from a frame boundary (for progress while it grows).
 *
 * @throws {LiveStreamError} on a bad magic, a sequence gap, an oversize
 * length, a checksum mismatch, or (unless `allowTruncatedTail`) a stream
 * that ends inside a frame.
 */
export function parseLiveFrames(
  stream: Uint8Array,
  opts: { allowTruncatedTail?: boolean; firstSeq?: number } = {},
): LiveFrameStream {
  const first = opts.firstSeq ?? 0;
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const chunks: Uint8Array[] = [];
  let at = 0;
  let truncatedTail = false;
  while (at < stream.length) {
    if (at + LIVE_FRAME_HEADER > stream.length) {
      truncatedTail = true;
      break;
    }
    for (let i = 0; i < 4; i++) {
      if (stream[at + i] !== LIVE_FRAME_MAGIC[i]) {
        throw new LiveStreamError(
          `frame ${chunks.length}: expected magic 43524c56 ("CRLV"), found ${
            toHex(stream.subarray(at, at + 4))
          }`,
          at,
        );
      }
    }
    const seq = view.getUint32(at + 4, true);
    const len = view.getUint32(at + 8, true);
    const crc = view.getUint32(at + 12, true);
    if (seq !== first + chunks.length) {
      throw new LiveStreamError(
        `frame sequence ${seq}, expected ${first + chunks.length}`,
        at + 4,
      );
    }
    if (len === 0 || len > LIVE_FRAME_MAX) {
      throw new LiveStreamError(
        `frame ${seq}: payload length ${len}, expected 1..${LIVE_FRAME_MAX}`,
        at + 8,
      );
    }
    if (at + LIVE_FRAME_HEADER + len > stream.length) {
      truncatedTail = true;
      break;
    }
    const payload = stream.subarray(at + LIVE_FRAME_HEADER, at + LIVE_FRAME_HEADER + len);
    const got = crc32(payload);
    if (got !== crc) {
      throw new LiveStreamError(
        `frame ${seq}: CRC-32 of the payload is ${got.toString(16)}, header says ${
          crc.toString(16)
        }`,
        at + 12,
      );
    }
    chunks.push(payload);
    at += LIVE_FRAME_HEADER + len;
  }
  if (truncatedTail && !opts.allowTruncatedTail) {
    throw new LiveStreamError(
      `the stream ends inside frame ${chunks.length} (${stream.length - at} of its bytes present)`,
      at,
    );
  }
  return { data: concat(chunks), frames: chunks.length, bytes: at, truncatedTail };
}

/** One compact restart result (`S` record) before the host fills in comm. */
export interface CompactResult {
  /** Index of the case in the bundle. */
  index: number;
  /** Raw `sys_restart` return value. */
  ret: number;
  /** File position after the call, or a negative errno. */
  consumed: number;
  /** Counter increments by the restart call itself. */
  counterDelta: number;
  /** The 16 comm bytes after the call, or undefined when they equal the case's comm before. */
  comm: Uint8Array | undefined;
}

function readVarint(body: Uint8Array, at: { i: number }, what: string): bigint {
  let v = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (at.i >= body.length) {
      throw new LiveStreamError(`S record: ${what}: varint runs past the record's end`, at.i);
    }
    const b = body[at.i++]!;
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      if (v >> 64n) throw new LiveStreamError(`S record: ${what}: varint over 64 bits`, at.i - 1);
      return v;
    }
  }
  throw new LiveStreamError(`S record: ${what}: varint longer than 10 bytes`, at.i);
}

function safe(v: bigint, what: string, offset: number): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new LiveStreamError(`S record: ${what} ${v} is outside the safe integer range`, offset);
  }
  return Number(v);
}

/**
 * Decodes the one field of an `S` record: unsigned LEB128 case index;
 * zigzag LEB128 ret, bytes consumed and counter delta; u8 comm kind (0: the
 * comm after equals the case's comm before, 1: 16 comm bytes follow). The
 * field must end exactly there.
 *
 * @throws {LiveStreamError} on a short or overlong field, a bad comm kind,
 * a value outside the safe integer range.
 */
export function decodeCompactResult(body: Uint8Array): CompactResult {
  const at = { i: 0 };
  const index = safe(readVarint(body, at, "index"), "index", 0);
  const signed = (what: string) => {
    const start = at.i;
    const z = readVarint(body, at, what);
    return safe((z >> 1n) ^ -(z & 1n), what, start);
  };
  const ret = signed("ret");
  const consumed = signed("consumed");
  const counterDelta = signed("counter delta");
  if (at.i >= body.length) {
    throw new LiveStreamError(`S record: comm kind missing (${body.length} bytes)`, at.i);
  }
  const kind = body[at.i++]!;
  let comm: Uint8Array | undefined;
  if (kind === 1) {
    if (at.i + TASK_COMM_LEN > body.length) {
      throw new LiveStreamError(
        `S record: expected ${TASK_COMM_LEN} comm bytes, found ${body.length - at.i}`,
        at.i,
      );
    }
    comm = body.slice(at.i, at.i + TASK_COMM_LEN);
    at.i += TASK_COMM_LEN;
  } else if (kind !== 0) {
    throw new LiveStreamError(`S record: comm kind ${kind}, expected 0 or 1`, at.i - 1);
  }
  if (at.i !== body.length) {
    throw new LiveStreamError(
      `S record: ${body.length} bytes, the result ends after ${at.i}`,
      at.i,
    );
  }
  return { index, ret, consumed, counterDelta, comm };
}

/** What a live boot's records say: the restart results by case id, and whether it finished. */
export interface LiveRecords {
  /** ABI the init was built for. */
  abiName: string;
  /** Restart results by case id. */
  restarts: Map<string, KernelRestartResult>;
  /** True when the `Z` end record arrived. */
  complete: boolean;
  /** Bundle size the init read (`B` record), or undefined. */
  bundleBytes: number | undefined;
}

/**
 * Interprets the records of one live boot. `cases[i]` is the i-th bundle
 * case (its id, and the comm before, which an `S` record with comm kind 0
 * stands for). `S` records must come in bundle order, one per case; the
 * other records are the capture init's (`U`, `B`, `R`, `Z`; an `R` record
 * with a sixth field is an error, as there). A finished stream (`Z`) must
 * hold every case's result and, when `bundleBytes` is given, report that
 * the init read exactly that many bundle bytes.
 *
 * @throws {LiveStreamError} on an unknown or repeated case index, results
 * out of order, a finished stream without every result, a bundle size
 * mismatch, or a record the capture interpretation rejects.
 */
export function interpretLiveRecords(
  data: Uint8Array,
  cases: readonly { id: string; commBefore: Uint8Array }[],
  expect: { bundleBytes?: number } = {},
): LiveRecords {
  const records = parseRecords(data);
  const restarts = new Map<string, KernelRestartResult>();
  let next = 0;
  let bundleBytes: number | undefined;
  const rest = [];
  for (const r of records) {
    if (r.tag === "B" && r.fields[0]?.length === 8) {
      bundleBytes = Number(
        new DataView(r.fields[0].buffer, r.fields[0].byteOffset, 8).getBigInt64(0, true),
      );
    }
    if (r.tag !== "S") {
      if (r.tag === "R") next++;
      rest.push(r);
      continue;
    }
    if (r.fields.length !== 1) {
      throw new LiveStreamError(`S record with ${r.fields.length} fields, expected 1`);
    }
    const c = decodeCompactResult(r.fields[0]!);
    const kase = cases[c.index];
    if (!kase) {
      throw new LiveStreamError(
        `S record for case index ${c.index}, the bundle has ${cases.length}`,
      );
    }
    if (c.index !== next) {
      throw new LiveStreamError(`S record for case index ${c.index}, expected ${next}`);
    }
    next++;
    restarts.set(kase.id, {
      ret: c.ret,
      consumed: c.consumed,
      comm: c.comm ?? kase.commBefore.slice(),
      counterDelta: c.counterDelta,
    });
  }
  const base = interpretRecords(rest, cases.map((c) => c.id));
  for (const [id, k] of base.restarts) restarts.set(id, k);
  if (base.complete && expect.bundleBytes !== undefined && bundleBytes !== expect.bundleBytes) {
    throw new LiveStreamError(
      `the live init read ${bundleBytes ?? "no"} bundle bytes, expected ${expect.bundleBytes}`,
    );
  }
  if (base.complete && restarts.size !== cases.length) {
    throw new LiveStreamError(
      `the stream ends (Z record) after ${restarts.size} of ${cases.length} results`,
    );
  }
  return { abiName: base.abiName, restarts, complete: base.complete, bundleBytes };
}
