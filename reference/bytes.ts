/**
 * Byte helpers shared by the encoder, the decoder and the reports: integers
 * read and written through a layout {@link Field} in an ABI's byte order, and
 * hex conversion.
 *
 * @module
 */
import type { Endian, Field } from "./layout.ts";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lower-case hex of the bytes, two digits each, no separator.
 *
 * @example
 * ```ts
 * import { toHex } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(toHex(Uint8Array.of(0, 255, 16)), "00ff10");
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

/** Each byte's value as a hex digit (either case), or -1 when it is not one. */
export const HEX_DIGIT_VALUES: Readonly<Int8Array> = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < 16; i++) {
    t["0123456789abcdef".charCodeAt(i)] = i;
    t["0123456789ABCDEF".charCodeAt(i)] = i;
  }
  return t;
})();

/**
 * Parses hex (whitespace ignored) into bytes. Returns `undefined` when the
 * text is not an even number of hex digits.
 *
 * @example
 * ```ts
 * import { fromHex } from "@crconform/crconform";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(fromHex("00 ff10"), Uint8Array.of(0, 255, 16));
 * deepStrictEqual(fromHex("abc"), undefined);
 * ```
 */
export function fromHex(text: string): Uint8Array | undefined {
  const clean = /\s/.test(text) ? text.replace(/\s+/g, "") : text;
  if (clean.length % 2 !== 0) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    const a = clean.charCodeAt(2 * i);
    const b = clean.charCodeAt(2 * i + 1);
    const hi = a < 256 ? HEX_DIGIT_VALUES[a]! : -1;
    const lo = b < 256 ? HEX_DIGIT_VALUES[b]! : -1;
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Reads an unsigned integer of `size` bytes at `at`. */
export function readUnsigned(buf: Uint8Array, at: number, size: number, endian: Endian): bigint {
  const little = endian === "little";
  if (size === 1) return BigInt(buf[at]!);
  if (size === 2 || size === 4) {
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + buf[little ? at + size - 1 - i : at + i]!;
    return BigInt(v);
  }
  if (size === 8) {
    const lo = readUnsignedNumber(buf, little ? at : at + 4, 4, endian);
    const hi = readUnsignedNumber(buf, little ? at + 4 : at, 4, endian);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(buf[little ? at + size - 1 - i : at + i]!);
  return v;
}

/** Reads an unsigned integer of at most 6 bytes at `at` as a number. */
export function readUnsignedNumber(
  buf: Uint8Array,
  at: number,
  size: number,
  endian: Endian,
): number {
  let v = 0;
  for (let i = 0; i < size; i++) {
    v = v * 256 + buf[endian === "little" ? at + size - 1 - i : at + i]!;
  }
  return v;
}

/** Writes the low `size` bytes of `value` (two's complement for negatives) at `at`. */
export function writeUnsigned(
  buf: Uint8Array,
  at: number,
  size: number,
  endian: Endian,
  value: bigint,
): void {
  const little = endian === "little";
  if (size <= 4) {
    let v = Number(BigInt.asUintN(size * 8, value));
    for (let i = 0; i < size; i++) {
      buf[little ? at + i : at + size - 1 - i] = v & 0xff;
      v = Math.floor(v / 256);
    }
    return;
  }
  if (size === 8) {
    const v = BigInt.asUintN(64, value);
    const lo = Number(v & 0xffffffffn), hi = Number(v >> 32n);
    writeUnsigned32(buf, little ? at : at + 4, lo, endian);
    writeUnsigned32(buf, little ? at + 4 : at, hi, endian);
    return;
  }
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) {
    buf[little ? at + i : at + size - 1 - i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function writeUnsigned32(buf: Uint8Array, at: number, v: number, endian: Endian): void {
  for (let i = 0; i < 4; i++) {
    buf[endian === "little" ? at + i : at + 3 - i] = v & 0xff;
    v = v >>> 8;
  }
}

/** Reinterprets an unsigned value of `bits` bits as signed. */
export function toSigned(value: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, value);
}

/** Reads a field's integer value from a payload (signed for s16/s32), at `base` + field offset. */
export function readField(buf: Uint8Array, f: Field, endian: Endian, base = 0): bigint {
  const raw = readUnsigned(buf, base + f.offset, f.size, endian);
  return f.type === "s16" || f.type === "s32" ? toSigned(raw, f.size * 8) : raw;
}

/** Writes a field's integer value into a payload at `base` + field offset. */
export function writeField(
  buf: Uint8Array,
  f: Field,
  endian: Endian,
  value: bigint,
  base = 0,
): void {
  writeUnsigned(buf, base + f.offset, f.size, endian, value);
}

/** Where {@link newBytes} cuts small arrays from: fresh buffers (so zeroed), each byte handed out once. */
let slab = new ArrayBuffer(0);
let slabUsed = 0;
/** A slab's size, and the largest array cut from one. */
const SLAB_SIZE = 1 << 16;
const SLAB_MAX = 1024;
/** What an empty array views: it keeps no slab alive. */
const NO_BYTES = new ArrayBuffer(0);

/**
 * A new zeroed byte array of `n` bytes. Up to 1 KiB it is a view cut from a
 * shared 64 KiB buffer: in Deno each new `ArrayBuffer` costs about a
 * microsecond, and work for the collector, while a view costs a tenth of
 * that, and the hot path makes several small arrays per case run (a
 * generated comm and utsname, an image, a decoded answer). Such a view's
 * `buffer` is the shared one (read it with `byteOffset`), and it keeps that
 * buffer alive while it lives.
 */
export function newBytes(n: number): Uint8Array {
  if (n === 0) return new Uint8Array(NO_BYTES);
  if (n > SLAB_MAX) return new Uint8Array(n);
  if (slabUsed + n > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, n);
  slabUsed += n;
  return out;
}

/** A copy of `src[from, to)` in an array from {@link newBytes}. */
export function copyBytes(src: Uint8Array, from = 0, to = src.length): Uint8Array {
  const out = newBytes(to - from);
  for (let i = 0; i < out.length; i++) out[i] = src[from + i]!;
  return out;
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes of an ASCII/Latin-1 string, zero-padded (or cut) to `size`. */
export function padded(text: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < Math.min(text.length, size); i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
