/**
 * Definedness tracking, in the manner of a memory checker's shadow: every
 * byte of the seed's kernel memory the model touches carries a value and
 * either "defined" or the kind of never-written memory it came from. Values
 * read from that memory are {@link Sym}s (value plus a mask of known bits),
 * and checks on them answer true, false or unknown.
 *
 * @module
 */
import type { Endian, Field } from "./layout.ts";
import type { UndefinedSource } from "./types.ts";

const SOURCES: readonly (UndefinedSource | undefined)[] = [undefined, "stack", "page", "kmalloc"];
const CODES: Readonly<Record<UndefinedSource, number>> = { stack: 1, page: 2, kmalloc: 3 };
/** Up to this many bytes, copies and fills are loops (see {@link ShadowMem.reset}). */
const SMALL = 256;

/** A block of model memory: values plus, per byte, 0 (defined) or the code of its undefined source. */
export class ShadowMem {
  /** Byte values (0 where undefined). */
  readonly val: Uint8Array;
  /** Per byte: 0 when defined, else the undefined source's code. */
  readonly undef: Uint8Array;

  /** A block of `size` never-written bytes from `source`. */
  constructor(size: number, source: UndefinedSource) {
    this.val = new Uint8Array(size);
    this.undef = new Uint8Array(size).fill(CODES[source]);
  }

  /** Makes the first `size` bytes never-written again, from `source` (for reuse across runs). */
  reset(source: UndefinedSource, size: number = this.val.length): this {
    const code = CODES[source];
    if (size > SMALL) {
      this.val.fill(0, 0, size);
      this.undef.fill(code, 0, size);
      return this;
    }
    // Short blocks byte by byte: a typed array's fill and set are calls into the runtime,
    // which cost more than the loop for the few bytes of a header or a record.
    const val = this.val, undef = this.undef;
    for (let i = 0; i < size; i++) {
      val[i] = 0;
      undef[i] = code;
    }
    return this;
  }

  /** Gives the bytes `fill` names (offset → value, those inside the block) defined contents. */
  fillIn(fill: ReadonlyMap<number, number> | undefined, size: number = this.val.length): this {
    if (!fill) return this;
    for (const [at, v] of fill) {
      if (at < size) {
        this.val[at] = v;
        this.undef[at] = 0;
      }
    }
    return this;
  }

  /** Copies defined bytes in at `at` (from the image, say). */
  write(at: number, bytes: Uint8Array): void {
    this.copyIn(at, bytes, 0, bytes.length);
  }

  /** Copies `count` defined bytes of `src` from `from` in at `at`. */
  copyIn(at: number, src: Uint8Array, from: number, count: number): void {
    if (count > SMALL) {
      this.val.set(src.subarray(from, from + count), at);
      this.undef.fill(0, at, at + count);
      return;
    }
    const val = this.val, undef = this.undef;
    for (let i = 0; i < count; i++) {
      val[at + i] = src[from + i]!;
      undef[at + i] = 0;
    }
  }

  /** Makes byte `i` never-written, from `source`, keeping its value. */
  markUndefined(i: number, source: UndefinedSource): void {
    this.undef[i] = CODES[source];
  }

  /** Where byte `i` comes from when undefined, or `undefined` when it is defined. */
  sourceAt(i: number): UndefinedSource | undefined {
    return SOURCES[this.undef[i]!];
  }

  /** Reads a field (at `base` + its offset) as a symbolic integer. */
  sym(f: Field, endian: Endian, base = 0): Sym {
    // Bytes from the most significant down, in two 32-bit halves of plain
    // numbers (BigInt arithmetic per byte was most of restart's cost).
    const size = f.size;
    let hi = 0, lo = 0, khi = 0, klo = 0;
    let source: UndefinedSource | undefined;
    for (let i = 0; i < size; i++) {
      const sig = size - 1 - i; // significance of this byte: 0 is the least
      const at = base + f.offset + (endian === "little" ? sig : i);
      const u = this.undef[at]!;
      const b = this.val[at]!;
      const k = u === 0 ? 0xff : 0;
      if (u !== 0 && source === undefined) source = SOURCES[u];
      if (sig >= 4) {
        hi = hi * 256 + b;
        khi = khi * 256 + k;
      } else {
        lo = lo * 256 + b;
        klo = klo * 256 + k;
      }
    }
    const signed = f.type === "s16" || f.type === "s32";
    if (size <= 4) return new Sym(lo, klo, size * 8, signed, source);
    const value = (BigInt(hi) << 32n) | BigInt(lo);
    const known = (BigInt(khi) << 32n) | BigInt(klo);
    return new Sym(value, known, size * 8, signed, source);
  }
}

/** Three-valued truth: a check whose answer depends on undefined bits is `unknown`. */
export type Tri = true | false | "unknown";

/** Kleene OR over checks evaluated in order; returns the verdict and the index of the first definite true. */
export function anyOf(checks: readonly Tri[]): { verdict: Tri; first: number } {
  let unknown = false;
  for (let i = 0; i < checks.length; i++) {
    if (checks[i] === true) return { verdict: true, first: i };
    if (checks[i] === "unknown") unknown = true;
  }
  return { verdict: unknown ? "unknown" : false, first: -1 };
}

/**
 * An integer read from shadow memory: its bits, which of them are known, and
 * its signedness. Widths up to 32 bits are plain numbers (the header fields
 * and most payload fields); wider ones are bigints.
 */
export class Sym {
  /** Width in bits. */
  readonly bits: number;
  /** Whether comparisons treat it as signed. */
  readonly signed: boolean;
  /** Source of the first undefined byte, if any. */
  readonly source: UndefinedSource | undefined;
  /** Up to 32 bits: the raw unsigned bits and the known-bits mask, as numbers. */
  private readonly v: number;
  private readonly k: number;
  /** Wider: the same as bigints. */
  private readonly bv: bigint;
  private readonly bk: bigint;

  /** Wraps raw bits (`value` and `known` as numbers up to 32 bits, else bigints). */
  constructor(
    value: bigint | number,
    known: bigint | number,
    bits: number,
    signed: boolean,
    source?: UndefinedSource,
  ) {
    this.bits = bits;
    this.signed = signed;
    this.source = source;
    if (bits <= 32) {
      this.v = Number(value) >>> 0;
      this.k = Number(known) >>> 0;
      this.bv = 0n;
      this.bk = 0n;
    } else {
      this.v = this.k = 0;
      this.bv = BigInt(value);
      this.bk = BigInt(known);
    }
  }

  private get small(): boolean {
    return this.bits <= 32;
  }

  private get full(): number {
    return this.bits === 32 ? 0xffffffff : (1 << this.bits) - 1;
  }

  private get bigFull(): bigint {
    return (1n << BigInt(this.bits)) - 1n;
  }

  /** Raw unsigned bits (unknown bits are 0). */
  get value(): bigint {
    return this.small ? BigInt(this.v) : this.bv;
  }

  /** Mask of known bits. */
  get known(): bigint {
    return this.small ? BigInt(this.k) : this.bk;
  }

  /** True when every bit is known. */
  get defined(): boolean {
    return this.small ? this.k === this.full : this.bk === this.bigFull;
  }

  /** The value as a number (signed when the field is signed); only meaningful when defined. */
  get number(): number {
    if (!this.small) {
      return Number(this.signed ? BigInt.asIntN(this.bits, this.bv) : this.bv);
    }
    return this.signed ? signedOf(this.v, this.bits) : this.v;
  }

  /** Reinterprets the same bits as a signed 32-bit `int` (the seed's `return h.parent`). */
  asInt(): Sym {
    return this.small
      ? new Sym(this.v, this.k, this.bits, true, this.source)
      : new Sym(this.bv, this.bk, this.bits, true, this.source);
  }

  /** `x == c`. */
  eq(c: bigint | number): Tri {
    if (this.small) {
      const cc = toUnsigned(c, this.bits);
      if (((this.v & this.k) >>> 0) !== ((cc & this.k) >>> 0)) return false;
      return this.defined ? true : "unknown";
    }
    const cc = BigInt.asUintN(this.bits, BigInt(c));
    if ((this.bv & this.bk) !== (cc & this.bk)) return false;
    return this.defined ? true : "unknown";
  }

  /** `x != c`. */
  ne(c: bigint | number): Tri {
    const e = this.eq(c);
    return e === "unknown" ? e : !e;
  }

  /** `x < lo || x > hi`, over every value the unknown bits allow. */
  outside(lo: bigint | number, hi: bigint | number): Tri {
    if (this.small) {
      const { min, max } = this.smallRange();
      const l = Number(lo), h = Number(hi);
      if (max < l || min > h) return true;
      if (min >= l && max <= h) return false;
      // min and max are values the unknown bits can take, so some value lies outside; whether
      // one lies inside is another question (a known low byte 0x50 with an unknown high byte
      // spans -32688..32592 and never falls in 0..16).
      return this.findIn(l, h) !== undefined ? "unknown" : true;
    }
    const { min, max } = this.range();
    const l = BigInt(lo), h = BigInt(hi);
    if (max < l || min > h) return true;
    if (min >= l && max <= h) return false;
    return "unknown";
  }

  /**
   * The raw bits of a value the unknown bits allow in `lo`..`hi` (the
   * smallest such pattern), or undefined when none is (up to 32 bits).
   */
  someIn(lo: number, hi: number): bigint | undefined {
    const x = this.small ? this.findIn(lo, hi) : undefined;
    return x === undefined ? undefined : BigInt(x);
  }

  /** Some allowed pattern whose value lies in `l`..`h`, or undefined (up to 32 bits). */
  private findIn(l: number, h: number): number | undefined {
    const full = this.full;
    const sign = this.bits === 32 ? 0x80000000 : 1 << (this.bits - 1);
    const k = this.k, v = (this.v & this.k) >>> 0;
    const span = 2 ** this.bits;
    // Each half of the values (sign bit clear, sign bit set) is a run of unsigned bit patterns in
    // order: look for the smallest pattern at or above the run's lower end.
    for (const neg of [false, true]) {
      if (!this.signed && neg) continue; // unsigned: one run, the whole width
      if (this.signed && (k & sign) !== 0 && (((v & sign) !== 0) !== neg)) continue; // sign known
      let lo = l, hi = h;
      if (this.signed) {
        lo = neg ? Math.max(l, -(span / 2)) : Math.max(l, 0);
        hi = neg ? Math.min(h, -1) : Math.min(h, span / 2 - 1);
        if (neg) {
          lo += span;
          hi += span;
        }
      }
      lo = Math.max(lo, 0);
      hi = Math.min(hi, full);
      if (lo > hi) continue;
      const kk = this.signed ? (k | sign) >>> 0 : k;
      const vv = this.signed ? (neg ? (v | sign) >>> 0 : (v & ~sign) >>> 0) : v;
      const x = smallestAtLeast(lo, kk, vv, this.bits);
      if (x !== undefined && x <= hi) return x;
    }
    return undefined;
  }

  /** `x < 0` (sign bit), for a signed value. */
  negative(): Tri {
    if (!this.signed) return false;
    if (this.small) {
      const sign = this.bits === 32 ? 0x80000000 : 1 << (this.bits - 1);
      if (((this.k & sign) >>> 0) === 0) return "unknown";
      return ((this.v & sign) >>> 0) !== 0;
    }
    const sign = 1n << BigInt(this.bits - 1);
    if ((this.bk & sign) === 0n) return "unknown";
    return (this.bv & sign) !== 0n;
  }

  /** `(x & mask) != 0`. */
  anyBits(bits: bigint | number): Tri {
    if (this.small) {
      const mask = toUnsigned(bits, this.bits);
      if (((this.v & this.k & mask) >>> 0) !== 0) return true;
      return ((this.k & mask) >>> 0) === mask ? false : "unknown";
    }
    const mask = BigInt.asUintN(this.bits, BigInt(bits));
    if ((this.bv & this.bk & mask) !== 0n) return true;
    return (this.bk & mask) === mask ? false : "unknown";
  }

  /** Smallest and largest values the unknown bits allow. */
  range(): { min: bigint; max: bigint } {
    if (this.small) {
      const r = this.smallRange();
      return { min: BigInt(r.min), max: BigInt(r.max) };
    }
    const full = this.bigFull;
    const unknown = full & ~this.bk;
    if (!this.signed) {
      return { min: this.bv & this.bk, max: (this.bv & this.bk) | unknown };
    }
    const sign = 1n << BigInt(this.bits - 1);
    const base = this.bv & this.bk;
    const lowUnknown = unknown & ~sign;
    const signUnknown = (unknown & sign) !== 0n;
    const minBits = (base & ~lowUnknown) | (signUnknown ? sign : 0n);
    const maxBits = (base | lowUnknown) & (signUnknown ? ~sign : full);
    return { min: BigInt.asIntN(this.bits, minBits), max: BigInt.asIntN(this.bits, maxBits) };
  }

  private smallRange(): { min: number; max: number } {
    const full = this.full;
    const unknown = (full & ~this.k) >>> 0;
    const base = (this.v & this.k) >>> 0;
    if (!this.signed) return { min: base, max: (base | unknown) >>> 0 };
    const sign = this.bits === 32 ? 0x80000000 : 1 << (this.bits - 1);
    const lowUnknown = (unknown & ~sign) >>> 0;
    const signUnknown = ((unknown & sign) >>> 0) !== 0;
    const minBits = ((base & ~lowUnknown) | (signUnknown ? sign : 0)) >>> 0;
    const maxBits = ((base | lowUnknown) & (signUnknown ? ~sign : full)) >>> 0;
    return { min: signedOf(minBits, this.bits), max: signedOf(maxBits, this.bits) };
  }
}

/**
 * The smallest `bits`-wide pattern at least `lo` whose bits under mask `k` are `v`'s, or
 * undefined: `lo` itself, else the pattern that keeps `lo`'s bits above the lowest position `p`
 * where `lo` has 0 and a 1 is allowed, sets `p`, and takes the least allowed bits below it.
 */
function smallestAtLeast(lo: number, k: number, v: number, bits: number): number | undefined {
  if ((((lo & k) >>> 0) === v)) return lo;
  for (let p = 0; p < bits; p++) {
    const bit = 2 ** p;
    if (Math.floor(lo / bit) % 2 === 1) continue; // lo has 1 here
    if ((k & bit) !== 0 && (v & bit) === 0) continue; // known 0 here
    const above = Math.floor(lo / (bit * 2)) * (bit * 2); // lo's bits above p
    const aboveMask = (~(bit * 2 - 1)) >>> 0;
    if (((above & k & aboveMask) >>> 0) !== ((v & aboveMask) >>> 0)) continue;
    return above + bit + ((v & (bit - 1)) >>> 0);
  }
  return undefined;
}

/** Two's complement of the low `bits` bits of an unsigned number (bits ≤ 32). */
function signedOf(v: number, bits: number): number {
  return bits === 32 ? v | 0 : (v << (32 - bits)) >> (32 - bits);
}

/** The low `bits` bits (≤ 32) of an integer, as an unsigned number. */
function toUnsigned(c: bigint | number, bits: number): number {
  const n = typeof c === "bigint" ? Number(BigInt.asUintN(bits, c)) : c;
  return bits === 32 ? n >>> 0 : (n & ((1 << bits) - 1)) >>> 0;
}
