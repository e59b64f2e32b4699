/**
 * Request encoding on the hot path, one cohesive thing: `key value` lines
 * written as ASCII straight into a reusable byte buffer (hex through a
 * lookup table, no intermediate strings for byte values), in the forms
 * `PROTOCOL.md` allows, and whole pipelined batches framed in one buffer,
 * ready for one write.
 *
 * @module
 */
import { TASK_STATE_FIELDS } from "../reference/layout.ts";
import { U64_MAX } from "../reference/validate.ts";
import type { Request } from "./codec.ts";
import {
  CANONICAL,
  type HexTables,
  hexTablesOf,
  lineOrder,
  LOWER_HEX,
  MANY_BLOCK,
  MANY_UNKNOWN,
  manyLines,
  manyUnknownCount,
  MAX_REQUEST_FRAME,
  UNKNOWN_POOL_BYTES,
  type Variation,
  variationOf,
} from "./vary.ts";
import type { FileBehaviour } from "../reference/types.ts";
import { ioKeys } from "./io_keys.ts";

/** ASCII bytes of a string. */
function asciiOf(t: string): Uint8Array {
  return Uint8Array.from(t, (c) => c.charCodeAt(0));
}

/** Scratch for splitting a u64 into its two 32-bit halves without making bigints. */
const U64 = new DataView(new ArrayBuffer(8));

/** A growable ASCII writer. */
export class ByteWriter {
  private buf: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  /** The same bytes, for writing two hex digits at once. */
  private dv: DataView;

  /** How {@link hex} writes digits (lower case unless a variation says otherwise). */
  hexTables: HexTables = LOWER_HEX;

  /** A writer with an initial capacity, or writing into `into` first (it grows beyond it into a copy). */
  constructor(capacity: number | Uint8Array = 1 << 16) {
    this.buf = typeof capacity === "number" ? new Uint8Array(capacity) : capacity;
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  /** Appends an ASCII string (keys, decimal numbers, words). */
  text(s: string): this {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.length++] = s.charCodeAt(i);
    return this;
  }

  /** Appends ASCII bytes made once (a key and its space, say). */
  ascii(a: Uint8Array): this {
    this.room(a.length);
    const b = this.buf;
    let at = this.length;
    for (let i = 0; i < a.length; i++) b[at++] = a[i]!;
    this.length = at;
    return this;
  }

  /** Appends an integer in decimal (a bigint beyond 2^53 too, exactly). */
  decimal(v: number | bigint): this {
    let n: number;
    if (typeof v === "bigint") {
      n = Number(v);
      // Beyond 2^53 (where the conversion may have rounded): written exactly from its halves.
      if (n > Number.MAX_SAFE_INTEGER || n < -Number.MAX_SAFE_INTEGER) return this.bigDecimal(v);
    } else n = v;
    this.room(17);
    const b = this.buf;
    if (n < 0) {
      b[this.length++] = 45; // '-'
      n = -n;
    }
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    let at = this.length + digits;
    this.length = at;
    do {
      const q = Math.floor(n / 10);
      b[--at] = 48 + (n - q * 10);
      n = q;
    } while (n > 0);
    return this;
  }

  /**
   * Appends a bigint beyond 2^53. A u64 (most of them: a task state's
   * fields) is split into 32-bit halves, `hi * 2^32 + lo`, and written as
   * `top * 10^4 + rest`: with 2^32 = 429496 * 10^4 + 7296, every term stays
   * below 2^53, so no bigint is made. Anything else goes through `toString`.
   */
  private bigDecimal(v: bigint): this {
    if (v < 0n || v > U64_MAX) return this.text(v.toString());
    U64.setBigUint64(0, v);
    const hi = U64.getUint32(0);
    const low = hi * 7296 + U64.getUint32(4);
    const carry = Math.floor(low / 10000);
    const rest = low - carry * 10000;
    this.decimal(hi * 429496 + carry); // at least 9 * 10^11 here: never 0
    this.room(4);
    const b = this.buf;
    const at = this.length;
    b[at] = 48 + Math.floor(rest / 1000);
    b[at + 1] = 48 + (Math.floor(rest / 100) % 10);
    b[at + 2] = 48 + (Math.floor(rest / 10) % 10);
    b[at + 3] = 48 + (rest % 10);
    this.length = at + 4;
    return this;
  }

  /** Appends a line feed. */
  nl(): this {
    this.room(1);
    this.buf[this.length++] = 10;
    return this;
  }

  /** Appends bytes as hex, lower case by default (the four digits of two bytes in one 32-bit store). */
  hex(bytes: Uint8Array): this {
    this.room(bytes.length * 2);
    const v = this.dv;
    const { one, two } = this.hexTables;
    let at = this.length;
    const pairs = bytes.length & ~1;
    let i = 0;
    for (; i < pairs; i += 2) {
      v.setUint32(at, two[bytes[i]! | (bytes[i + 1]! << 8)]!, true);
      at += 4;
    }
    if (i < bytes.length) {
      v.setUint16(at, one[bytes[i]!]!, true);
      at += 2;
    }
    this.length = at;
    return this;
  }

  /** Appends raw bytes. */
  bytes(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /** Reserves 4 bytes for a little-endian length; returns where they are. */
  reserve32(): number {
    this.room(4);
    this.length += 4;
    return this.length - 4;
  }

  /** Writes a little-endian u32 at `at` (into reserved room). */
  put32(at: number, v: number): void {
    this.buf[at] = v & 0xff;
    this.buf[at + 1] = (v >>> 8) & 0xff;
    this.buf[at + 2] = (v >>> 16) & 0xff;
    this.buf[at + 3] = (v >>> 24) & 0xff;
  }

  /** Appends again the `count` bytes written at `from`. */
  again(from: number, count: number): this {
    this.room(count);
    this.buf.copyWithin(this.length, from, from + count);
    this.length += count;
    return this;
  }

  /** What was written, as a view of the writer's buffer (no copy; the writer is not reused). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of what was written. */
  take(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  /** Forgets what was written (the buffer is kept). */
  clear(): this {
    this.length = 0;
    return this;
  }
}

const K = {
  abi: asciiOf("abi "),
  major: asciiOf("\nmajor "),
  minor: asciiOf("\nminor "),
  patch: asciiOf("\npatch "),
  counter: asciiOf("\ncounter "),
  flags: asciiOf("\nflags "),
  file: asciiOf("\nfile "),
  release: asciiOf("\nrelease "),
  version: asciiOf("\nversion "),
  machine: asciiOf("\nmachine "),
  time: asciiOf("\ntime "),
  pid: asciiOf("\npid "),
  comm: asciiOf("comm "),
  profile: asciiOf("\nprofile "),
  crid: asciiOf("\ncrid "),
  image: asciiOf("\nimage "),
  opCheckpoint: asciiOf("op checkpoint\nid "),
  opRestart: asciiOf("op restart\nid "),
};
/** `name ` of each task state field, in order. */
const STATE_KEYS = TASK_STATE_FIELDS.map((n) => asciiOf(`${n} `));

/** Within one batch: the last restart image written, and where its hex is in the writer. */
interface LastImage {
  image?: Uint8Array;
  at: number;
  length: number;
}

/**
 * Writes a request's body (everything but `op` and `id`) as `key value`
 * lines; `last`, within a batch, lets an image written just before be copied
 * as hex rather than encoded again.
 */
function writeBody(w: ByteWriter, req: Request, last?: LastImage): void {
  const e = req.env;
  w.ascii(K.abi).text(e.abi);
  w.ascii(K.major).decimal(e.kernel.major);
  w.ascii(K.minor).decimal(e.kernel.minor);
  w.ascii(K.patch).decimal(e.kernel.patch);
  w.ascii(K.counter).decimal(e.counter ?? 0);
  w.ascii(K.flags).decimal(e.flags ?? 0n);
  w.ascii(K.file).text(e.file ?? "ok");
  if (e.io) writeIo(w, e.io);
  if (req.op === "checkpoint") {
    const ce = req.env;
    w.ascii(K.release).hex(ce.uts.release).ascii(K.version).hex(ce.uts.version);
    w.ascii(K.machine).hex(ce.uts.machine).ascii(K.time).decimal(ce.time);
    w.ascii(K.pid).decimal(ce.pid ?? 0).nl();
    const st = req.state as unknown as Record<string, bigint>;
    for (let i = 0; i < STATE_KEYS.length; i++) {
      w.ascii(STATE_KEYS[i]!).decimal(st[TASK_STATE_FIELDS[i]!]!).nl();
    }
    w.ascii(K.comm).hex(req.state.comm).nl();
  } else {
    w.ascii(K.profile).text(req.profile).ascii(K.crid).decimal(req.env.crid ?? 0).nl();
    w.ascii(K.comm).hex(req.env.comm).ascii(K.image);
    // A restart case runs once per profile, one after the other: its image's hex is copied.
    if (last && req.image === last.image) w.again(last.at, last.length);
    else {
      const at = w.length;
      w.hex(req.image);
      if (last) {
        last.image = req.image;
        last.at = at;
        last.length = w.length - at;
      }
    }
    w.nl();
  }
}

/** The `io` and `io-zero` features' keys (only for a case with a file behaviour). */
function writeIo(w: ByteWriter, io: FileBehaviour): void {
  for (const [k, v] of ioKeys(io)) {
    let b = IO_KEY_BYTES.get(k);
    if (!b) IO_KEY_BYTES.set(k, b = asciiOf(`\n${k} `));
    w.ascii(b).decimal(v);
  }
}

/** `\nKEY ` of each `io_*` key, encoded once. */
const IO_KEY_BYTES = new Map<string, Uint8Array>();

const scratch = new ByteWriter();

/**
 * Writes a request's `op` and `id` lines, then its body: canonically, or as
 * the variation its encoding seed selects (see `vary.ts`).
 */
function writeRequest(w: ByteWriter, req: Request, id: number, last?: LastImage): void {
  const start = w.length;
  const v = variationOf(req.encoding);
  if (v !== CANONICAL && (v.shuffle || v.unknown)) writeVaried(w, req, id, v);
  else {
    // Canonical, or only the hex case varied: written in place (an image's hex copied only when
    // it was written in the same case).
    w.hexTables = hexTablesOf(v.hex);
    w.ascii(req.op === "checkpoint" ? K.opCheckpoint : K.opRestart).decimal(id).nl();
    writeBody(w, req, v === CANONICAL ? last : undefined);
    w.hexTables = LOWER_HEX;
  }
  // A request past 4 MiB (a 2 MiB image) is padded with `x-pad` to exactly PROTOCOL.md's limit.
  const n = w.length - start;
  const pad = MAX_REQUEST_FRAME - n - X_PAD.length - 1; // `x-pad `, the bytes, `\n`: the limit
  if (n > PAD_ABOVE && pad >= 0) w.ascii(X_PAD).bytes(PAD.subarray(0, pad)).nl();
}

/** Requests longer than this are padded to {@link MAX_REQUEST_FRAME} (`PROTOCOL.md`, Sizes). */
const PAD_ABOVE = 2 ** 22;
const X_PAD = asciiOf("x-pad ");
const PAD = new Uint8Array(MAX_REQUEST_FRAME - PAD_ABOVE).fill(0x61);

const variedScratch = new ByteWriter();

/**
 * Writes a request whose lines move: written canonically (with the
 * variation's hex case) into a scratch writer, then copied in the
 * variation's order with its unknown keys among them.
 */
function writeVaried(w: ByteWriter, req: Request, id: number, v: Variation): void {
  const s = variedScratch.clear();
  s.hexTables = hexTablesOf(v.hex);
  s.ascii(req.op === "checkpoint" ? K.opCheckpoint : K.opRestart).decimal(id).nl();
  writeBody(s, req);
  s.hexTables = LOWER_HEX;
  const b = s.view();
  const starts = [0];
  for (let at = b.indexOf(10); at >= 0 && at + 1 < b.length; at = b.indexOf(10, at + 1)) {
    starts.push(at + 1);
  }
  starts.push(b.length);
  for (const line of lineOrder(req.encoding!, starts.length - 1, v)) {
    if (line >= 0) w.bytes(b.subarray(starts[line]!, starts[line + 1]!));
    else if (line !== MANY_BLOCK) w.bytes(UNKNOWN_POOL_BYTES[-line - 1]!);
    else {
      // As many unknown lines as drawn, halved until the frame fits PROTOCOL.md's limit.
      let n = manyUnknownCount(req.encoding!);
      while (n > MANY_UNKNOWN && b.length + manyLines(n).length > MAX_REQUEST_FRAME) n >>= 1;
      w.bytes(manyLines(n));
    }
  }
}

/** One request's payload: `op`, `id`, then the body. */
export function requestPayload(req: Request, id: number): Uint8Array {
  writeRequest(scratch.clear(), req, id);
  return scratch.take();
}

/** A request's body (without `op` and `id`) as text: what identifies its content. */
export function requestBody(req: Request): string {
  scratch.clear();
  writeBody(scratch, req);
  return new TextDecoder().decode(scratch.take());
}

/**
 * Frames requests `from`..`to` (their ids are `idBase` plus their indices)
 * into one new buffer, ready to write (and to be kept by the writer): length
 * prefix, `op` and `id` lines, body. Its size is estimated first, so that
 * the frames are written in place, never copied.
 */
export function encodeFrames(
  reqs: readonly Request[],
  from: number,
  to: number,
  idBase = 0,
): Uint8Array {
  let size = 0;
  for (let i = from; i < to; i++) {
    const req = reqs[i]!;
    // Keys, numbers and words (at most 20 digits each) fit in these; the hex is counted.
    const v = req.encoding === undefined ? CANONICAL : variationOf(req.encoding);
    const body = (req.op === "checkpoint" ? 2048 : 384 + 2 * req.image.length) +
      (v.unknown >= MANY_UNKNOWN ? 16 * manyUnknownCount(req.encoding!) : 128 * v.unknown);
    size += body + (body > PAD_ABOVE ? PAD.length : 0); // room for the pad (an overestimate)
  }
  // Batches are cut from a shared slab, each after the last one's actual end: one allocation
  // per megabyte or so, not one per batch. A batch given out is never written again.
  if (slab.length - slabUsed < size) {
    slab = new Uint8Array(Math.max(SLAB_SIZE, size));
    slabUsed = 0;
  }
  const w = new ByteWriter(slab.subarray(slabUsed, slabUsed + size));
  const last: LastImage = { at: 0, length: 0 };
  for (let i = from; i < to; i++) {
    const req = reqs[i]!;
    const at = w.reserve32();
    writeRequest(w, req, idBase + i, last);
    w.put32(at, w.length - at - 4);
  }
  slabUsed += w.length;
  return w.view();
}

/** Size of a slab that batches are cut from. */
const SLAB_SIZE = 1 << 20;
let slab = new Uint8Array(0);
let slabUsed = 0;
