/**
 * `Sym.outside` against every value its unknown bytes allow (brute force):
 * "unknown" exactly when some allowed value is inside the range and some
 * outside, else the one answer every allowed value gives.
 *
 * @module
 */
import { strictEqual } from "node:assert/strict";
import { Sym } from "./shadow.ts";

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
