/**
 * Request encoding on the hot path: `key value` lines written as ASCII
 * straight into a reusable byte buffer (hex through a lookup table, no
 * intermediate strings for byte values), and whole pipelined batches framed
 * in one buffer, ready for one write.
 *
 * @module
 */
import { TASK_STATE_FIELDS } from "../reference/layout.ts";
import type { Request } from "./codec.ts";

/** ASCII of each byte's two lower-case hex digits, as one 16-bit pair per byte. */
const HEX_PAIRS = (() => {
  const t = new Uint8Array(512);
  const d = "0123456789abcdef";
  for (let i = 0; i < 256; i++) {
    t[2 * i] = d.charCodeAt(i >> 4);
    t[2 * i + 1] = d.charCodeAt(i & 15);
  }
  return t;
})();

/** A growable ASCII writer. */
export class ByteWriter {
  private buf: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  /** A writer with an initial capacity. */
  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends an ASCII string (keys, decimal numbers, words). */
  text(s: string): this {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.length++] = s.charCodeAt(i);
    return this;
  }

  /** Appends bytes as lower-case hex. */
  hex(bytes: Uint8Array): this {
    this.room(bytes.length * 2);
    const b = this.buf;
    let at = this.length;
    for (let i = 0; i < bytes.length; i++) {
      const v = bytes[i]! << 1;
      b[at++] = HEX_PAIRS[v]!;
      b[at++] = HEX_PAIRS[v + 1]!;
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

/** Writes a request's body (everything but `op` and `id`) as `key value` lines. */
export function writeBody(w: ByteWriter, req: Request): void {
  const e = req.env;
  w.text(
    `abi ${e.abi}\nmajor ${e.kernel.major}\nminor ${e.kernel.minor}\npatch ${e.kernel.patch}\n`,
  );
  w.text(`counter ${e.counter ?? 0}\nflags ${e.flags ?? 0n}\nfile ${e.file ?? "ok"}\n`);
  if (req.op === "checkpoint") {
    const ce = req.env;
    w.text("release ").hex(ce.uts.release).text("\nversion ").hex(ce.uts.version);
    w.text("\nmachine ").hex(ce.uts.machine).text(`\ntime ${ce.time}\npid ${ce.pid ?? 0}\n`);
    const st = req.state as unknown as Record<string, bigint>;
    for (const name of TASK_STATE_FIELDS) w.text(`${name} ${st[name]}\n`);
    w.text("comm ").hex(req.state.comm).text("\n");
  } else {
    w.text(`profile ${req.profile}\ncrid ${req.env.crid ?? 0}\ncomm `).hex(req.env.comm);
    w.text("\nimage ").hex(req.image).text("\n");
  }
}

const scratch = new ByteWriter();

/** One request's payload: `op`, `id`, then the body. */
export function requestPayload(req: Request, id: number): Uint8Array {
  scratch.clear().text(`op ${req.op}\nid ${id}\n`);
  writeBody(scratch, req);
  return scratch.take();
}

/** A request's body (without `op` and `id`) as text: what identifies its content. */
export function requestBody(req: Request): string {
  scratch.clear();
  writeBody(scratch, req);
  return new TextDecoder().decode(scratch.take());
}

/**
 * Frames requests `from`..`to` (their ids are their indices) into one
 * buffer, ready to write: length prefix, `op` and `id` lines, body.
 */
export function encodeFrames(reqs: readonly Request[], from: number, to: number): Uint8Array {
  scratch.clear();
  for (let i = from; i < to; i++) {
    const req = reqs[i]!;
    const at = scratch.reserve32();
    scratch.text(`op ${req.op}\nid ${i}\n`);
    writeBody(scratch, req);
    scratch.put32(at, scratch.length - at - 4);
  }
  return scratch.take();
}
