/**
 * The freedoms `PROTOCOL.md` grants a request's reader, exercised: the gate
 * writes some requests in other forms the document allows (hex digits in
 * upper or mixed case, keys in another order, unknown keys), chosen
 * deterministically from the run's result id, so that the suite stays
 * reproducible and a re-run of one case sends the same bytes (its `id`
 * value aside). Half the runs go canonically (the encoder's fast path).
 *
 * @module
 */
import { Prng } from "../cases/prng.ts";

/** How hex digits `a`-`f` are written. */
export type HexCase = "lower" | "upper" | "mixed";

/** One way of writing a request within what `PROTOCOL.md` allows. */
export interface Variation {
  /** Short name, as tallied in reports (`canonical`, `upper-hex`, …). */
  readonly name: string;
  /** Case of the hex digits of every byte-string value. */
  readonly hex: HexCase;
  /** Lines (keys) in a shuffled order rather than the document's. */
  readonly shuffle: boolean;
  /** How many unknown keys (names with a `-`, which no protocol version gives a meaning). */
  readonly unknown: number;
}

const v = (name: string, hex: HexCase, shuffle: boolean, unknown: number): Variation =>
  Object.freeze({ name, hex, shuffle, unknown });

/**
 * Lookup tables for writing hex in one case: each byte's two digits as one
 * little-endian 16-bit value (the first digit in the low byte), and each pair
 * of bytes' four digits as one little-endian 32-bit value, indexed by the
 * pair read little-endian (the first byte in the low bits).
 */
export interface HexTables {
  /** Two digits per byte. */
  readonly one: Uint16Array;
  /** Four digits per pair of bytes. */
  readonly two: Uint32Array;
}

/** Tables whose digit `d` (0: first, 1: second) of byte `b` is upper case when `upper(b, d)`. */
function hexTables(upper: (b: number, d: number) => boolean): HexTables {
  const one = new Uint16Array(256);
  const lower = "0123456789abcdef", up = "0123456789ABCDEF";
  for (let b = 0; b < 256; b++) {
    const hi = (upper(b, 0) ? up : lower).charCodeAt(b >> 4);
    const lo = (upper(b, 1) ? up : lower).charCodeAt(b & 15);
    one[b] = hi | (lo << 8);
  }
  const two = new Uint32Array(65536);
  for (let i = 0; i < 65536; i++) two[i] = (one[i & 255]! | (one[i >> 8]! << 16)) >>> 0;
  return { one, two };
}

/** Lower-case hex: the canonical encoding. */
export const LOWER_HEX: HexTables = hexTables(() => false);
const otherHex: Partial<Record<HexCase, HexTables>> = {};

/**
 * The tables of a hex case (upper and mixed made on first use). Mixed:
 * `A`, `C` and `E` upper case, `b`, `d` and `f` lower (`Ab`, `fE`, `Ed`):
 * a value with a few letters has both.
 */
export function hexTablesOf(c: HexCase): HexTables {
  if (c === "lower") return LOWER_HEX;
  return otherHex[c] ??= hexTables(
    c === "upper" ? () => true : (b, d) => (((d === 0 ? b >> 4 : b) & 1) === 0),
  );
}

/** The canonical encoding: the document's key order, lower-case hex, no unknown key. */
export const CANONICAL: Variation = v("canonical", "lower", false, 0);

/** Unknown keys in a request with {@link Variation.unknown} this large or more: "many". */
export const MANY_UNKNOWN = 64;

/**
 * The variations, indexed by the low 4 bits of a run's encoding seed: half
 * canonical, each freedom alone, and together.
 */
const VARIATIONS: readonly Variation[] = Object.freeze([
  ...Array.from({ length: 8 }, () => CANONICAL),
  v("upper-hex", "upper", false, 0),
  v("mixed-hex", "mixed", false, 0),
  v("key-order", "lower", true, 0),
  v("unknown-keys", "lower", false, 2),
  v("key-order+unknown-keys", "lower", true, 3),
  v("mixed-hex+key-order+unknown-keys", "mixed", true, 2),
  v("upper-hex+key-order+unknown-keys", "upper", true, 1),
  v("many-unknown-keys", "lower", true, MANY_UNKNOWN),
]);

/** Every variation name, canonical first, in a stable order (for tallies). */
export const VARIATION_NAMES: readonly string[] = Object.freeze([
  ...new Set(VARIATIONS.map((x) => x.name)),
]);

/**
 * A run's encoding seed: 32-bit FNV-1a of its result id, mixed. The same
 * id gives the same seed on every machine, so a re-run sends the same bytes.
 */
export function encodingSeed(rid: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < rid.length; i++) h = Math.imul(h ^ rid.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The variation an encoding seed selects ({@link CANONICAL} for none). */
export function variationOf(seed: number | undefined): Variation {
  return seed === undefined ? CANONICAL : VARIATIONS[seed & 15]!;
}

/** The variation of a run, by its result id. */
export function variationOfRid(rid: string): Variation {
  return variationOf(encodingSeed(rid));
}

/** Known keys an unknown key's name may begin with (a reader matching prefixes takes it). */
const LOOKALIKE = ["op", "id", "abi", "image", "comm", "flags", "counter", "file", "profile"];
/** Lines an unknown key's value may look like (a reader searching the payload finds them). */
const DECOYS = [
  "op hello",
  "id 0",
  "abi i386",
  "image zz",
  "comm 00",
  "flags 1",
  "file bad-fd",
  "profile hardened",
  "counter -1",
];
const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

function word(rng: Prng, min: number, max: number): string {
  let s = "";
  for (let n = min + rng.int(max - min + 1); n > 0; n--) s += ALNUM[rng.int(ALNUM.length)];
  return s;
}

/** A printable ASCII value (0x20-0x7e): empty, random, a decoy line, long hex or a word. */
function unknownValue(rng: Prng): string {
  switch (rng.int(5)) {
    case 0:
      return "";
    case 1: {
      let s = "";
      for (let n = 1 + rng.int(40); n > 0; n--) s += String.fromCharCode(0x20 + rng.int(95));
      return s;
    }
    case 2:
      return rng.pick(DECOYS);
    case 3:
      return word(rng, 2, 60).replace(/[g-z]/g, "f").slice(0, 60).padEnd(2, "0");
    default:
      return word(rng, 1, 12);
  }
}

/** Unknown keys in the pool a request's few are drawn from. */
const POOL_SIZE = 256;

/**
 * The pool of unknown-key lines (without their newline), made once: names
 * with a `-` (`x-…`, or a known key's name followed by `-…`), each once,
 * values any printable ASCII.
 */
export const UNKNOWN_POOL: readonly string[] = (() => {
  const rng = new Prng(0x5bd1e995);
  const out: string[] = [];
  const seen = new Set<string>();
  while (out.length < POOL_SIZE) {
    const name = rng.int(2) ? `x-${word(rng, 1, 8)}` : `${rng.pick(LOOKALIKE)}-${word(rng, 0, 4)}`;
    if (seen.has(name)) continue;
    seen.add(name);
    out.push(`${name} ${unknownValue(rng)}`);
  }
  return Object.freeze(out);
})();

/** The lines of {@link UNKNOWN_POOL} as ASCII, each with its newline. */
export const UNKNOWN_POOL_BYTES: readonly Uint8Array[] = UNKNOWN_POOL.map((l) =>
  Uint8Array.from(`${l}\n`, (c) => c.charCodeAt(0))
);

/**
 * The largest request frame `PROTOCOL.md` allows: 4 MiB + 64 KiB (a 2 MiB
 * image in hex and the other keys).
 */
export const MAX_REQUEST_FRAME = 2 ** 22 + 2 ** 16;

/**
 * How many unknown keys a `many-unknown-keys` request of encoding seed
 * `seed` carries: {@link MANY_UNKNOWN} mostly, and one time in 128 that
 * times 2^k (k 1..8: 128 to 16,384 lines), since `PROTOCOL.md` sets no limit
 * on the number of lines but the frame's size (a reader whose key table
 * stops growing, or grows wrong, fails there). The encoder halves a count
 * whose lines would pass {@link MAX_REQUEST_FRAME}.
 */
export function manyUnknownCount(seed: number): number {
  return (seed >>> 4) & 127 ? MANY_UNKNOWN : MANY_UNKNOWN << (1 + ((seed >>> 11) % 8));
}

const manyLinesCache = new Map<number, Uint8Array>();

/** `count` unknown keys `x-0`, `x-1`, … (base 36) with short values, as ASCII lines. */
export function manyLines(count: number): Uint8Array {
  let b = manyLinesCache.get(count);
  if (!b) {
    const text = Array.from(
      { length: count },
      (_, i) => `x-${i.toString(36)} ${"v".repeat(i % 7)}\n`,
    )
      .join("");
    manyLinesCache.set(count, b = Uint8Array.from(text, (c) => c.charCodeAt(0)));
  }
  return b;
}

/** In a {@link lineOrder}: where the {@link manyLines} block goes. */
export const MANY_BLOCK = -(POOL_SIZE + 1);

/** A small, fast generator (mulberry32) for one request's choices. */
function rand(seed: number): (n: number) => number {
  let a = seed | 0;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 0x100000000) * n);
  };
}

/** The pool indices of the unknown keys of a request encoded with `seed` (`count` distinct ones). */
export function unknownIndices(seed: number, count: number): number[] {
  const r = rand(seed ^ 0x2545f491);
  const out: number[] = [];
  while (out.length < count) {
    const i = r(POOL_SIZE);
    if (!out.includes(i)) out.push(i);
  }
  return out;
}

/**
 * The order of a varied request's lines: each entry the index of one of the
 * `lines` lines written canonically, or an unknown key: `-(i + 1)` for
 * {@link UNKNOWN_POOL} line `i`, {@link MANY_BLOCK} for the {@link manyLines} block.
 */
export function lineOrder(seed: number, lines: number, variation: Variation): number[] {
  const out: number[] = new Array(lines);
  for (let i = 0; i < lines; i++) out[i] = i;
  const r = rand(seed);
  if (variation.shuffle) {
    for (let i = lines - 1; i > 0; i--) {
      const j = r(i + 1);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
  }
  if (variation.unknown >= MANY_UNKNOWN) out.splice(r(out.length + 1), 0, MANY_BLOCK);
  else {
    for (const i of unknownIndices(seed, variation.unknown)) {
      out.splice(r(out.length + 1), 0, -(i + 1));
    }
  }
  return out;
}

/**
 * What a run's request varied, in words, or undefined when it went
 * canonically: `hex digits in upper case; keys in a shuffled order; 2
 * unknown keys: "x-q7 op hello", "image- "`.
 */
export function describeEncoding(rid: string): string | undefined {
  const seed = encodingSeed(rid);
  const va = variationOf(seed);
  if (va === CANONICAL) return undefined;
  const parts: string[] = [];
  if (va.hex !== "lower") parts.push(`hex digits in ${va.hex} case`);
  if (va.shuffle) parts.push("keys in a shuffled order");
  if (va.unknown >= MANY_UNKNOWN) {
    const n = manyUnknownCount(seed);
    parts.push(
      `${n} unknown keys (x-…${
        n > MANY_UNKNOWN ? ", fewer if the frame would pass 4 MiB + 64 KiB" : ""
      })`,
    );
  } else if (va.unknown) {
    const shown = unknownIndices(seed, va.unknown).map((i) => JSON.stringify(UNKNOWN_POOL[i]));
    parts.push(`${va.unknown} unknown key${va.unknown > 1 ? "s" : ""}: ${shown.join(", ")}`);
  }
  return parts.join("; ");
}

/**
 * A line for a report: how the failing runs of an implementation were
 * encoded, when any was varied (a reader stricter than `PROTOCOL.md` fails
 * only those): `failures by request encoding: 812 upper-hex, 790
 * mixed-hex, 0 canonical (each variation goes to 1/16 of the runs, canonical to 1/2)`.
 */
export function encodingTally(rids: Iterable<string>): string | undefined {
  const counts = new Map<string, number>(VARIATION_NAMES.map((n) => [n, 0]));
  let varied = 0;
  for (const rid of rids) {
    const name = variationOfRid(rid).name;
    counts.set(name, counts.get(name)! + 1);
    if (name !== CANONICAL.name) varied++;
  }
  if (!varied) return undefined;
  const parts = [...counts].filter(([n, c]) => c || n === CANONICAL.name).map(([n, c]) =>
    `${c} ${n}`
  );
  const all = counts.get(CANONICAL.name) === 0
    ? "; none sent canonically: the reader rejects or misreads requests PROTOCOL.md allows"
    : "";
  return `failures by request encoding: ${
    parts.join(", ")
  } (canonical is 1/2 of the runs, each variation 1/16)${all}`;
}

/**
 * Frames written in pieces: 1 in {@link SPLIT_ONE_IN} (chosen by bits 4..13
 * of the run's encoding seed, apart from the variation's bits 0..3). Each
 * split stalls the pipeline for its pause, so they are few: about 95 of the
 * default gate's runs of a testee that declares every cell. A frame
 * may arrive over any number of reads (`PROTOCOL.md`), so a conforming
 * reader takes any split; one that takes a read for a frame, or a frame as
 * complete a byte early, does not.
 */
export const SPLIT_ONE_IN = 1024;

/**
 * Where a frame of `length` bytes (its 4-byte prefix included) is cut into
 * pieces written apart, by its encoding seed: none for most frames; else one
 * or two offsets, ascending, within the frame. The first is inside or just
 * after the length prefix (1..5), the middle, or the last byte; a second
 * cut, when there is one, leaves the last byte alone (or cuts the middle).
 */
export function frameCuts(seed: number | undefined, length: number): number[] {
  if (seed === undefined || ((seed >>> 4) & (SPLIT_ONE_IN - 1)) !== 0 || length < 2) return [];
  const last = length - 1, mid = length >> 1;
  const first = [1, 2, 3, 4, 5, mid, last, last][(seed >>> 14) & 7]!;
  const cuts = new Set([Math.min(first, last)]);
  if ((seed >>> 17) & 1) cuts.add(first === last ? mid : last);
  return [...cuts].filter((c) => c > 0 && c < length).sort((a, b) => a - b);
}

/**
 * The cuts of a batch of frames (each a 4-byte little-endian length and its
 * payload, back to back), as offsets into the batch: each frame's
 * {@link frameCuts} by its request's encoding seed (`seeds[i]` for frame i).
 */
export function batchCuts(batch: Uint8Array, seeds: readonly (number | undefined)[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const seed of seeds) {
    if (at + 4 > batch.length) break;
    const length = 4 + (batch[at]! | batch[at + 1]! << 8 | batch[at + 2]! << 16) +
      batch[at + 3]! * 2 ** 24;
    for (const c of frameCuts(seed, length)) out.push(at + c);
    at += length;
  }
  return out;
}

/**
 * How a run's request frame was written, in words, when in pieces:
 * `written in 3 pieces (bytes 0..3, 3..40, 40..41)`; undefined when whole.
 * `length` is the frame's length with its prefix, when known.
 */
export function describeSplit(rid: string, length?: number): string | undefined {
  const seed = encodingSeed(rid);
  if (((seed >>> 4) & (SPLIT_ONE_IN - 1)) !== 0) return undefined;
  if (length === undefined) {
    return "frame written in pieces, apart (PROTOCOL.md: a frame may arrive over any number of reads)";
  }
  const cuts = [0, ...frameCuts(seed, length), length];
  const parts = cuts.slice(1).map((c, i) => `${cuts[i]}..${c}`);
  return `frame written in ${parts.length} pieces, apart: bytes ${
    parts.join(", ")
  } (PROTOCOL.md: a frame may arrive over any number of reads)`;
}
