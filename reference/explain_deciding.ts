/**
 * Contents of never-written bytes that decide an undecidable check each way
 * (the `deciding` of an explanation step, what `deno task fills:targeted`
 * runs seed-c with): from the check's branch (what it wants of the field)
 * and the field's known bits.
 *
 * @module
 */
import type { Field } from "./layout.ts";
import type { Sym } from "./shadow.ts";
import type { DecidingContents, UnwrittenByte } from "./explain_steps.ts";

/** What a branch tests, what follows when it holds and when not, and the value it wants. */
export interface Branch {
  /** The condition, as the seed writes it. */
  readonly cond: string;
  /** What follows when it holds. */
  readonly yes: string;
  /** What follows when it does not. */
  readonly no: string;
  /** For undecidable checks: the condition fails only when the field equals this (bigint), lies in this range, or has no bits outside the mask. */
  readonly want?:
    | { eq: bigint }
    | { range: readonly [bigint, bigint] }
    | { noBits: bigint }
    | { sign: true };
}

/**
 * Contents of the never-written bytes `unwritten` (of field `f`, value `s`)
 * that decide a check each way: for every way the check can go, the first
 * candidate found (for an equality also a second, flipping the sign bit, so
 * that a parent's sign can go either way afterwards). A way no content can
 * take is absent. Only the bytes a way needs get a value: an inequality one
 * byte, a sign test the sign byte.
 */
export function decidingContents(
  s: Sym,
  f: Field,
  endian: "little" | "big",
  unwritten: readonly UnwrittenByte[],
  b: Branch,
): DecidingContents[] {
  const w = b.want;
  if (!w || !unwritten.length) return [];
  const bits = BigInt(f.size * 8);
  const full = (1n << bits) - 1n;
  const signBit = 1n << (bits - 1n);
  const shift = (u: UnwrittenByte) => {
    const i = u.offset - f.offset;
    return BigInt(8 * (endian === "little" ? i : f.size - 1 - i));
  };
  const top = unwritten.find((u) => shift(u) === bits - 8n);
  const low = unwritten.find((u) => u !== top) ?? unwritten[0]!;
  const known = s.value & s.known;
  let holds: (v: bigint) => boolean;
  const cands: { t: bigint; set: readonly UnwrittenByte[] }[] = [];
  if ("eq" in w) {
    const want = BigInt.asUintN(Number(bits), w.eq);
    const eqHolds = b.cond.includes("==");
    holds = (v) => (v === want) === eqHolds;
    cands.push({ t: want, set: unwritten }, { t: want ^ (1n << shift(low)), set: [low] });
    if (s.signed && top) cands.push({ t: want ^ signBit, set: [top] });
  } else if ("range" in w) {
    const [lo, hi] = w.range;
    holds = (v) => {
      const x = s.signed ? BigInt.asIntN(Number(bits), v) : v;
      return x < lo || x > hi;
    };
    for (const t of [lo, hi, lo - 1n, hi + 1n, 0n, full, signBit, signBit - 1n]) {
      cands.push({ t: BigInt.asUintN(Number(bits), t), set: unwritten });
    }
    // The smallest and the largest value inside that the known bits allow, found by a scan of
    // the range (a page at most for restart's checks): the boundary values above only give the
    // unknown bytes the bound's bytes, which with a known low byte may all fall outside.
    if (hi - lo <= 65536n) {
      let first: bigint | undefined, last: bigint | undefined;
      for (let x = lo; x <= hi; x++) {
        const p = BigInt.asUintN(Number(bits), x);
        if ((p & s.known) !== known) continue;
        first ??= p;
        last = p;
      }
      if (first !== undefined) {
        cands.push({ t: first, set: unwritten }, { t: last!, set: unwritten });
      }
    }
  } else if ("noBits" in w) {
    holds = (v) => (v & ~w.noBits & full) !== 0n;
    cands.push({ t: 0n, set: unwritten }, { t: full, set: unwritten });
  } else {
    holds = (v) => (v & signBit) !== 0n;
    if (top) cands.push({ t: 0n, set: [top] }, { t: signBit, set: [top] });
  }
  const out: DecidingContents[] = [];
  const seen = new Set<string>();
  const contents = (set: readonly UnwrittenByte[], v: bigint, h: boolean): DecidingContents => ({
    holds: h,
    then: h ? b.yes : b.no,
    bytes: set.map((u) => ({ at: u, value: Number((v >> shift(u)) & 0xffn) })),
  });
  // A range: one content outside, and the smallest and the largest inside (a len that reads
  // nothing and one that reads all; a task_comm_len that copies nothing and one that copies 16).
  let inLo: bigint | undefined, inHi: bigint | undefined, outside: bigint | undefined;
  const asNumber = (v: bigint) => (s.signed ? BigInt.asIntN(Number(bits), v) : v);
  // A range with up to two unknown bytes: every content, so that a way is missed only if none
  // takes it — when the candidates above miss a way, or the accepted extremes matter (not a
  // header's len, see below).
  function* every(): Generator<{ t: bigint; set: readonly UnwrittenByte[] }> {
    if (!("range" in w!) || unwritten.length > 2) return;
    if (inLo !== undefined && outside !== undefined && f.record === "HDR") return;
    for (let c = 0; c < 1 << (8 * unwritten.length); c++) {
      let t = 0n;
      unwritten.forEach((u, k) => t |= BigInt((c >> (8 * k)) & 0xff) << shift(u));
      yield { t, set: unwritten };
    }
  }
  function* all(): Generator<{ t: bigint; set: readonly UnwrittenByte[] }> {
    yield* cands;
    yield* every(); // looked at once the candidates are: lazily
  }
  for (const c of all()) {
    // The field with the chosen bytes taken from t; bytes left unknown count as 0 in the test,
    // which only a way that does not depend on them (a sign, one differing byte) relies on.
    let v = known;
    for (const u of c.set) v = (v & ~(0xffn << shift(u))) | (c.t & (0xffn << shift(u)));
    const h = holds(v);
    if ("range" in w) {
      if (h) outside ??= v;
      else {
        if (inLo === undefined || asNumber(v) < asNumber(inLo)) inLo = v;
        if (inHi === undefined || asNumber(v) > asNumber(inHi)) inHi = v;
      }
      continue;
    }
    const key = `${h} ${c.set.map((u) => u.offset).join(",")}`;
    if (seen.has(key)) continue;
    if (c.set.length !== unwritten.length && !decidedBy(c.set, v, shift, holds, unwritten)) {
      continue;
    }
    seen.add(key);
    out.push(contents(c.set, v, h));
  }
  if ("range" in w) {
    // A header's len is undecidable only at end of file, where any accepted len reads nothing:
    // one accepted content is enough there.
    if (f.record === "HDR") inHi = inLo;
    for (const v of new Set([inLo, inHi])) {
      if (v !== undefined) out.push(contents(unwritten, v, false));
    }
    if (outside !== undefined) out.push(contents(unwritten, outside, true));
  }
  return out;
}

/** Whether giving only the bytes `set` their values in `v` decides `holds` whatever the others hold. */
function decidedBy(
  set: readonly UnwrittenByte[],
  v: bigint,
  shift: (u: UnwrittenByte) => bigint,
  holds: (v: bigint) => boolean,
  unwritten: readonly UnwrittenByte[],
): boolean {
  const rest = unwritten.filter((u) => !set.includes(u));
  const h = holds(v);
  // The other bytes at 0x00 and 0xff, and each one alone at 0xff: enough for the tests above
  // (equality on all bits, the sign bit).
  const all = rest.reduce((a, u) => a | (0xffn << shift(u)), 0n);
  return [0n, all, ...rest.map((u) => 0xffn << shift(u))].every((p) => holds(v | p) === h);
}
