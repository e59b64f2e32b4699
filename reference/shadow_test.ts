/**
 * `Sym.outside` against every value its unknown bytes allow (brute force):
 * "unknown" exactly when some allowed value is inside the range and some
 * outside, else the one answer every allowed value gives.
 *
 * @module
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { anyOf, ShadowMem, Sym } from "./shadow.ts";

/** Every value of a `bits`-wide field whose bytes under `known` are `value`'s. */
function allowed(value: number, known: number, bits: number, signed: boolean): number[] {
  const free = [0, 1, 2, 3].filter((i) => i < bits / 8 && ((known >>> (8 * i)) & 0xff) === 0);
  const out: number[] = [];
  for (let c = 0; c < 1 << (8 * free.length); c++) {
    let x = (value & known) >>> 0;
    free.forEach((i, j) => x = (x | (((c >> (8 * j)) & 0xff) << (8 * i))) >>> 0);
    out.push(signed ? (bits === 32 ? x | 0 : (x << (32 - bits)) >> (32 - bits)) : x);
  }
  return out;
}

Deno.test("Sym.outside is exact: unknown only when the allowed values fall on both sides", () => {
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
  const ranges: [number, number][] = [
    [0, 8],
    [0, 16],
    [0, 152],
    [0, 224],
    [0, 4096],
    [1, 4096],
    // Negative ends (no restart check has them; the method takes any range).
    [-8, 8],
    [-300, -20],
    [-70000, -1],
  ];
  let unknowns = 0, decided = 0;
  for (let t = 0; t < 3000; t++) {
    const bits = rnd(2) ? 16 : 32;
    const bytes = bits / 8;
    // One or two unknown bytes (brute force stays small), the others random.
    let known = bits === 32 ? 0xffffffff : 0xffff;
    const holes = 1 + rnd(2);
    for (let h = 0; h < holes; h++) known = (known & ~(0xff << (8 * rnd(bytes)))) >>> 0;
    // Small values half the time, so that the ranges' ends are near.
    const value = rnd(2) ? rnd(5000) : (rnd(0x10000) | (rnd(0x10000) << 16)) >>> 0;
    const signed = rnd(4) !== 0;
    const [lo, hi] = ranges[rnd(ranges.length)]!;
    const vals = allowed(value, known, bits, signed);
    const inside = vals.some((x) => x >= lo && x <= hi);
    const outsideSome = vals.some((x) => x < lo || x > hi);
    const want = inside && outsideSome ? "unknown" : outsideSome;
    const got = new Sym((value & known) >>> 0, known, bits, signed).outside(lo, hi);
    strictEqual(
      got,
      want,
      `bits ${bits} signed ${signed} value ${value} known ${known} ${lo}..${hi}`,
    );
    if (got === "unknown") unknowns++;
    else decided++;
  }
  // Both answers are exercised.
  strictEqual(unknowns > 0 && decided > 1000, true, `${unknowns} unknown, ${decided} decided`);
});

Deno.test("Sym.outside: a known low len byte 0x50 with an unknown high byte is never in 0..16", () => {
  // s16 len 0x??50: -32688..32592 as an interval, but every allowed value is 0x50 + 256k.
  strictEqual(new Sym(0x0050, 0x00ff, 16, true).outside(0, 16), true);
  strictEqual(new Sym(0x0050, 0x00ff, 16, true).outside(0, 224), "unknown");
  strictEqual(new Sym(0x0008, 0x00ff, 16, true).outside(0, 8), "unknown");
  // Negative values: 0x??f0 is -272 with 0xfe on top, in -300..-20; -16 with 0xff, outside.
  strictEqual(new Sym(0x00f0, 0x00ff, 16, true).outside(-300, -20), "unknown");
  // 0x??f0 is never in -15..-1 (0xfff0 is -16, 0x00f0 is 240).
  strictEqual(new Sym(0x00f0, 0x00ff, 16, true).outside(-15, -1), true);
});

/** Every value (signed or not) of a `bits`-wide pattern whose bits under `known` are `value`'s. */
function allowedBits(value: bigint, known: bigint, bits: number, signed: boolean): bigint[] {
  const free: bigint[] = [];
  for (let i = 0n; i < BigInt(bits); i++) if (((known >> i) & 1n) === 0n) free.push(i);
  const out: bigint[] = [];
  for (let c = 0; c < 2 ** free.length; c++) {
    let x = value & known;
    free.forEach((b, j) => x |= BigInt((c >> j) & 1) << b);
    out.push(signed ? BigInt.asIntN(bits, x) : x);
  }
  return out;
}

Deno.test("Sym: every operation against every value its unknown bits allow, every width, ranges to 2^31", () => {
  // Boundaries that mean something to the model (header and comm sizes, PAGE_SIZE, the s16 and
  // u16 edges, registered ABIs' page sizes) and a random value now and then, as range ends.
  const ends = [
    -(2 ** 31),
    -70000,
    -32769,
    -32768,
    -300,
    -20,
    -8,
    -1,
    0,
    1,
    8,
    16,
    152,
    224,
    4096,
    21845,
    24600,
    32767,
    32768,
    40000,
    65535,
    65536,
    2 ** 31 - 1,
  ];
  // mulberry32: every bit of its output is usable (an LCG's low bits cycle with a short period).
  let seed = 11;
  const rnd = (n: number) => {
    let x = seed = (seed + 0x6d2b79f5) >>> 0;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) % n;
  };
  const big = (bits: number) => {
    let x = 0n;
    for (let i = 0; i < bits; i += 16) x |= BigInt(rnd(0x10000)) << BigInt(i);
    return BigInt.asUintN(bits, x);
  };
  const tri = (some: boolean, all: boolean) => (all ? true : some ? "unknown" : false);
  let n = 0;
  for (let t = 0; t < 20000; t++) {
    const bits = [8, 16, 32, 64][rnd(4)]!;
    const full = (1n << BigInt(bits)) - 1n;
    // Unknown: up to 12 bits, as whole bytes (what memory gives) or anywhere (what the API takes).
    let known = full;
    const holes = rnd(3);
    for (let h = 0; h < holes; h++) {
      known &= rnd(2) ? ~(0xffn << BigInt(8 * rnd(bits / 8))) : ~(1n << BigInt(rnd(bits)));
    }
    if (holes === 2 && rnd(2)) known &= ~(0xfn << BigInt(rnd(bits - 3)));
    known &= full;
    let free = 0;
    for (let b = full & ~known; b; b >>= 1n) free += Number(b & 1n);
    if (free > 12) continue; // the brute force stays small
    const value = [0n, 1n, 0x10n, 0x1001n, 0x8000n, full, full >> 1n, big(bits)][rnd(8)]! & full;
    const signed = rnd(4) !== 0;
    const s = new Sym(
      bits <= 32 ? Number(value & known) : value & known,
      bits <= 32 ? Number(known) : known,
      bits,
      signed,
    );
    const vals = allowedBits(value, known, bits, signed);
    const what = `bits ${bits} signed ${signed} value 0x${value.toString(16)} known 0x${
      known.toString(16)
    }`;
    const min = vals.reduce((a, b) => (b < a ? b : a)),
      max = vals.reduce((a, b) => (b > a ? b : a));
    deepStrictEqual(s.range(), { min, max }, `range ${what}`);
    strictEqual(
      s.negative(),
      signed ? tri(vals.some((x) => x < 0n), vals.every((x) => x < 0n)) : false,
      `negative ${what}`,
    );
    const c = rnd(2) ? vals[rnd(vals.length)]! : BigInt(ends[rnd(ends.length)]!);
    strictEqual(
      s.eq(c),
      tri(
        vals.some((x) => BigInt.asUintN(bits, x) === BigInt.asUintN(bits, c)),
        vals.every((x) => BigInt.asUintN(bits, x) === BigInt.asUintN(bits, c)),
      ),
      `eq ${c} ${what}`,
    );
    const mask = rnd(2) ? big(bits) : BigInt(1 << rnd(8));
    strictEqual(
      s.anyBits(mask),
      tri(
        vals.some((x) => (BigInt.asUintN(bits, x) & mask) !== 0n),
        vals.every((x) => (BigInt.asUintN(bits, x) & mask) !== 0n),
      ),
      `anyBits 0x${mask.toString(16)} ${what}`,
    );
    for (let r = 0; r < 3; r++) {
      // Range ends: meaningful boundaries, an allowed value or its neighbour, or anything.
      const end = () =>
        [
          () => ends[rnd(ends.length)]!,
          () => Math.max(-(2 ** 31), Number(vals[rnd(vals.length)]!) + rnd(3) - 1),
          () => rnd(70000) - 35000,
        ][rnd(3)]!();
      let lo = end(), hi = end();
      if (lo > hi) [lo, hi] = [hi, lo];
      const inside = (x: bigint) => x >= BigInt(lo) && x <= BigInt(hi);
      // Up to 32 bits the answer is exact; wider, it is the allowed interval's (min..max): no
      // restart check compares a wide field with a range, so "unknown" there is only cautious.
      const exact = tri(vals.some((x) => !inside(x)), vals.every((x) => !inside(x)));
      const interval = max < BigInt(lo) || min > BigInt(hi)
        ? true
        : min >= BigInt(lo) && max <= BigInt(hi)
        ? false
        : "unknown";
      strictEqual(s.outside(lo, hi), bits <= 32 ? exact : interval, `outside ${lo}..${hi} ${what}`);
      if (bits > 32) continue;
      const got = s.someIn(lo, hi);
      const want = vals.filter(inside).map((x) => BigInt.asUintN(bits, x)).sort((
        a,
        b,
      ) => (a < b ? -1 : a > b ? 1 : 0));
      if (got === undefined) deepStrictEqual(want, [], `someIn ${lo}..${hi} found none ${what}`);
      else {ok(
          want.includes(got),
          `someIn ${lo}..${hi} gave 0x${got.toString(16)}, not allowed in range: ${what}`,
        );}
      n++;
    }
  }
  ok(n > 20000, `${n} someIn checks`);
});

Deno.test("ShadowMem: copyIn defines exactly the bytes copied; reset clears values and marks the source, short and long blocks", () => {
  // Blocks over 256 bytes take the fill/set branch, shorter ones the byte loop: both must agree.
  const m = new ShadowMem(300, "stack");
  // A short copy of 4 bytes at 0: bytes 0..3 defined with their values, byte 4 still never-written.
  m.copyIn(0, Uint8Array.of(1, 2, 3, 4), 0, 4);
  deepStrictEqual([...m.val.subarray(0, 5)], [1, 2, 3, 4, 0]);
  deepStrictEqual([0, 1, 2, 3, 4].map((i) => m.sourceAt(i)), [
    undefined,
    undefined,
    undefined,
    undefined,
    "stack",
  ]);
  // A long copy (300 bytes, each i + 1 mod 256, never 0 at byte 0): every byte defined.
  const src = Uint8Array.from({ length: 300 }, (_, i) => (i + 1) & 0xff);
  m.copyIn(0, src, 0, 300);
  deepStrictEqual(m.val, src);
  ok(m.undef.every((u) => u === 0), "every byte defined after the long copy");
  // reset() of all 300 bytes: values are 0 where undefined (ShadowMem.val's contract), byte 0
  // included, and every byte is kmalloc's.
  m.reset("kmalloc");
  deepStrictEqual(m.val, new Uint8Array(300));
  ok([...m.val.keys()].every((i) => m.sourceAt(i) === "kmalloc"), "every byte from kmalloc");
  // A short reset of 4 bytes after a short copy: bytes 0..3 are page's again, 0-valued; byte 4
  // keeps kmalloc.
  m.copyIn(0, Uint8Array.of(9, 9, 9, 9, 9), 0, 5);
  m.reset("page", 4);
  deepStrictEqual([...m.val.subarray(0, 5)], [0, 0, 0, 0, 9]);
  deepStrictEqual([0, 3, 4].map((i) => m.sourceAt(i)), ["page", "page", undefined]);
});

Deno.test("Sym: 64 known bits with only bit 63 set are -2^63 when signed, directly or through asInt()", () => {
  // Two's complement over 64 bits: the pattern 0x8000000000000000 is 2^63 unsigned, -2^63 signed.
  const top = 1n << 63n, all = (1n << 64n) - 1n;
  strictEqual(new Sym(top, all, 64, true).number, -(2 ** 63));
  const u = new Sym(top, all, 64, false);
  strictEqual(u.number, 2 ** 63);
  strictEqual(u.negative(), false);
  // asInt() reinterprets the same bits as signed: same width, sign bit known and set.
  const i = u.asInt();
  strictEqual(i.bits, 64);
  strictEqual(i.signed, true);
  strictEqual(i.negative(), true);
  strictEqual(i.number, -(2 ** 63));
  deepStrictEqual(i.range(), { min: -top, max: -top });
});

// Known answers for single symbols, worked out from each operation's contract (`x == c`,
// `(x & mask) != 0`, `x < 0`, the allowed values' range, a value in lo..hi): the edges the
// model's own checks never reach (bit 31 of a 32-bit value, masks wider than the field,
// negative ranges, 64-bit signed symbols).

Deno.test("anyOf: Kleene OR in order, true at the first definite true, else unknown or false", () => {
  deepStrictEqual(anyOf([false, true, "unknown"]), { verdict: true, first: 1 });
  deepStrictEqual(anyOf(["unknown", true]), { verdict: true, first: 1 });
  deepStrictEqual(anyOf([false, "unknown"]), { verdict: "unknown", first: -1 });
  deepStrictEqual(anyOf([false, false]), { verdict: false, first: -1 });
});

Deno.test("Sym.eq: a 32-bit value with bit 31 set equals the same pattern, as unsigned or as -1", () => {
  // 0x80000000 known in full: x == 0x80000000 holds, x != it does not.
  strictEqual(new Sym(0x80000000, 0xffffffff, 32, false).eq(0x80000000), true);
  strictEqual(new Sym(0x80000000, 0xffffffff, 32, false).ne(0x80000000), false);
  // A signed 32-bit -1 is the pattern 0xffffffff: equal to -1.
  strictEqual(new Sym(0xffffffff, 0xffffffff, 32, true).eq(-1), true);
  // A plain small 32-bit value: 5 == 5, 5 != 6.
  strictEqual(new Sym(5, 0xffffffff, 32, false).eq(5), true);
  strictEqual(new Sym(5, 0xffffffff, 32, false).eq(6), false);
});

Deno.test("Sym.anyBits: mask bits outside the field's width are never set in it", () => {
  // An 8-bit x has no bit 8: (x & 0x100) == 0 for every x, known bits or not.
  strictEqual(new Sym(0, 0xff, 8, false).anyBits(0x100), false);
  strictEqual(new Sym(0, 0xffff, 16, false).anyBits(0x10000), false);
  // A 16-bit x = 1 against mask -2 (every bit but bit 0): 1 & ...1110 is 0.
  strictEqual(new Sym(1, 0xffff, 16, false).anyBits(-2), false);
  // 0x80 has bit 7: against 0x180 that bit is set.
  strictEqual(new Sym(0x80, 0xff, 8, false).anyBits(0x180), true);
  // 64 bits, only the low byte known, 2: bit 1 is known set, so (x & ~1) != 0 whatever the rest.
  strictEqual(new Sym(2n, 0xffn, 64, false).anyBits(~1n), true);
});

Deno.test("Sym.negative: a 64-bit signed value's sign bit decides it, unknown when not known", () => {
  const all = (1n << 64n) - 1n;
  strictEqual(new Sym(1n, all, 64, true).negative(), false); // 1
  strictEqual(new Sym((1n << 63n) | 1n, all, 64, true).negative(), true); // -2^63 + 1
  // Bits 56..63 unknown, the sign bit among them: either sign is allowed.
  strictEqual(new Sym(0n, 0x00ff_ffff_ffff_ffffn, 64, true).negative(), "unknown");
  strictEqual(new Sym(all, all, 64, false).negative(), false); // unsigned: never below 0
});

Deno.test("Sym.someIn and outside: negative ranges, ranges from below 0, and 32-bit patterns from 2^31", () => {
  // A fully known s16 -1 (0xffff) is in -1..-1 and in -5..3: its pattern 0xffff.
  strictEqual(new Sym(0xffff, 0xffff, 16, true).someIn(-1, -1), 0xffffn);
  strictEqual(new Sym(0xffff, 0xffff, 16, true).someIn(-5, 3), 0xffffn);
  // s16 0x??ff: -1 (0xffff) is allowed and in -1..-1, 0x00ff = 255 is not.
  strictEqual(new Sym(0xffff, 0x00ff, 16, true).outside(-1, -1), "unknown");
  // s16 0x??00: the values 256k, -32768 (0x8000) the smallest; in -32768..-30000 it is the only one.
  strictEqual(new Sym(0, 0x00ff, 16, true).someIn(-32768, -30000), 0x8000n);
  strictEqual(new Sym(0, 0x00ff, 16, true).outside(-32768, -30000), "unknown");
  // u16 0x00??: 0..255; in -5..3 are 0..3, the smallest 0. 4..255 are outside.
  strictEqual(new Sym(0, 0xff00, 16, false).someIn(-5, 3), 0n);
  strictEqual(new Sym(0, 0xff00, 16, false).outside(-5, 3), "unknown");
  // u32 0x800000??: 0x80000000..0x800000ff; only 0x80000000 is in 0x80000000..0x80000000.
  strictEqual(
    new Sym(0x80000000, 0xffffff00, 32, false).someIn(0x80000000, 0x80000000),
    0x80000000n,
  );
  // The same bits signed: -2^31..-2^31 + 255, -2^31 in range and the rest not.
  strictEqual(new Sym(0x80000000, 0xffffff00, 32, true).outside(-(2 ** 31), -(2 ** 31)), "unknown");
  // s32 0x000001??: 256..511; the smallest in 17..8192 is 256.
  strictEqual(new Sym(0x100, 0xffffff00, 32, true).someIn(17, 8192), 0x100n);
});

Deno.test("Sym wider than 32 bits: range and outside follow the allowed values' interval", () => {
  // 5 known in full: inside 0..10, outside 6..10.
  strictEqual(new Sym(5n, (1n << 64n) - 1n, 64, false).outside(0, 10), false);
  strictEqual(new Sym(5n, (1n << 64n) - 1n, 64, false).outside(6, 10), true);
  // Only the low byte unknown, the rest 0: 0..255, some in 10..1000 (10..255), some not (0..9).
  const low = 0xffff_ffff_ffff_ff00n;
  strictEqual(new Sym(0n, low, 64, false).outside(10, 1000), "unknown");
  // Signed, sign bit known 0: still 0..255, all of it in 0..300.
  deepStrictEqual(new Sym(0n, low, 64, true).range(), { min: 0n, max: 255n });
  strictEqual(new Sym(0n, low, 64, true).outside(0, 300), false);
});
