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
    this.val.fill(0, 0, size);
    this.undef.fill(CODES[source], 0, size);
    return this;
  }

  /** Copies defined bytes in at `at` (from the image, say). */
  write(at: number, bytes: Uint8Array): void {
    this.val.set(bytes, at);
    this.undef.fill(0, at, at + bytes.length);
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
    const value = size > 4 ? (BigInt(hi) << 32n) | BigInt(lo) : BigInt(lo);
    const known = size > 4 ? (BigInt(khi) << 32n) | BigInt(klo) : BigInt(klo);
    return new Sym(value, known, size * 8, f.type === "s16" || f.type === "s32", source);
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

/** An integer read from shadow memory: its bits, which of them are known, and its signedness. */
export class Sym {
  /** Raw unsigned bits (unknown bits are 0). */
  readonly value: bigint;
  /** Mask of known bits. */
  readonly known: bigint;
  /** Width in bits. */
  readonly bits: number;
  /** Whether comparisons treat it as signed. */
  readonly signed: boolean;
  /** Source of the first undefined byte, if any. */
  readonly source: UndefinedSource | undefined;

  /** Wraps raw bits. */
  constructor(
    value: bigint,
    known: bigint,
    bits: number,
    signed: boolean,
    source?: UndefinedSource,
  ) {
    this.value = value;
    this.known = known;
    this.bits = bits;
    this.signed = signed;
    this.source = source;
  }

  private get full(): bigint {
    return (1n << BigInt(this.bits)) - 1n;
  }

  /** True when every bit is known. */
  get defined(): boolean {
    return this.known === this.full;
  }

  /** The value as a number (signed when the field is signed); only meaningful when defined. */
  get number(): number {
    return Number(this.signed ? BigInt.asIntN(this.bits, this.value) : this.value);
  }

  /** Reinterprets the same bits as a signed 32-bit `int` (the seed's `return h.parent`). */
  asInt(): Sym {
    return new Sym(this.value, this.known, this.bits, true, this.source);
  }

  /** `x == c`. */
  eq(c: bigint): Tri {
    const cc = BigInt.asUintN(this.bits, c);
    if ((this.value & this.known) !== (cc & this.known)) return false;
    return this.defined ? true : "unknown";
  }

  /** `x != c`. */
  ne(c: bigint): Tri {
    const e = this.eq(c);
    return e === "unknown" ? e : !e;
  }

  /** `x < lo || x > hi`, over every value the unknown bits allow. */
  outside(lo: bigint, hi: bigint): Tri {
    const { min, max } = this.range();
    if (max < lo || min > hi) return true;
    if (min >= lo && max <= hi) return false;
    return "unknown";
  }

  /** `x < 0` (sign bit), for a signed value. */
  negative(): Tri {
    const sign = 1n << BigInt(this.bits - 1);
    if (!this.signed) return false;
    if ((this.known & sign) === 0n) return "unknown";
    return (this.value & sign) !== 0n;
  }

  /** `(x & mask) != 0`. */
  anyBits(bits: bigint): Tri {
    const mask = BigInt.asUintN(this.bits, bits);
    if ((this.value & this.known & mask) !== 0n) return true;
    return (this.known & mask) === mask ? false : "unknown";
  }

  /** Smallest and largest values the unknown bits allow. */
  range(): { min: bigint; max: bigint } {
    const unknown = this.full & ~this.known;
    if (!this.signed) {
      return { min: this.value & this.known, max: (this.value & this.known) | unknown };
    }
    const sign = 1n << BigInt(this.bits - 1);
    const base = this.value & this.known;
    const lowUnknown = unknown & ~sign;
    const signUnknown = (unknown & sign) !== 0n;
    const minBits = (base & ~lowUnknown) | (signUnknown ? sign : 0n);
    const maxBits = (base | lowUnknown) & (signUnknown ? ~sign : this.full);
    return { min: BigInt.asIntN(this.bits, minBits), max: BigInt.asIntN(this.bits, maxBits) };
  }
}
