import { deepStrictEqual, match, notDeepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { buildCases, caseRuns } from "../cases/suite.ts";
import type { Request } from "./codec.ts";
import { encodeFrames, requestPayload } from "./encode.ts";
import {
  batchCuts,
  CANONICAL,
  describeEncoding,
  describeSplit,
  encodingSeed,
  encodingTally,
  frameCuts,
  hexTablesOf,
  MANY_UNKNOWN,
  manyUnknownCount,
  MAX_REQUEST_FRAME,
  SPLIT_ONE_IN,
  VARIATION_NAMES,
  variationOf,
  variationOfRid,
} from "./vary.ts";

const dec = new TextDecoder();
/** Keys whose values are byte strings (PROTOCOL.md's tables). */
const HEX_KEYS = new Set(["comm", "image", "release", "version", "machine"]);

/** The lines of a payload as [key, value] pairs, checked against PROTOCOL.md's line grammar. */
function lines(payload: Uint8Array): [string, string][] {
  const text = dec.decode(payload);
  ok(text.endsWith("\n"), "the last line ends with a newline");
  ok(/^[\x20-\x7e\n]*$/.test(text), "printable ASCII and newlines only");
  return text.slice(0, -1).split("\n").map((l) => {
    const sp = l.indexOf(" ");
    ok(sp > 0, `a line without a space: ${JSON.stringify(l)}`);
    const key = l.slice(0, sp);
    ok(/^[a-z_][a-z0-9_-]*$/.test(key), `key ${key}`);
    return [key, l.slice(sp + 1)];
  });
}

/** A run's request as the gate sends it, with its encoding seed. */
function requestWith(run: ReturnType<typeof caseRuns>[number], encoding?: number): Request {
  const c = run.case;
  return c.op === "checkpoint"
    ? { op: "checkpoint", state: c.state, env: c.env, encoding }
    : { op: "restart", image: c.image, env: c.env, profile: run.profile!, encoding };
}

Deno.test("encodingSeed() is 32-bit FNV-1a with a murmur finaliser (values computed apart, in Python)", () => {
  strictEqual(encodingSeed("restart/x86_64/valid@seed"), 2135334562);
  strictEqual(encodingSeed("checkpoint/i386/plain"), 3556309955);
  strictEqual(encodingSeed(""), 2872998923);
  strictEqual(variationOfRid("restart/x86_64/valid@seed"), CANONICAL); // 2135334562 & 15 = 2
  strictEqual(variationOfRid("")!.name, "unknown-keys"); // 2872998923 & 15 = 11
});

Deno.test("hexTablesOf() writes upper and mixed case as documented (A, C, E upper; b, d, f lower)", () => {
  const digits = (c: "lower" | "upper" | "mixed", b: number) => {
    const v = hexTablesOf(c).one[b]!;
    return String.fromCharCode(v & 255, v >> 8);
  };
  deepStrictEqual([0xab, 0xaa, 0x0f, 0x10].map((b) => digits("lower", b)), [
    "ab",
    "aa",
    "0f",
    "10",
  ]);
  deepStrictEqual([0xab, 0xaa, 0x0f, 0x10].map((b) => digits("upper", b)), [
    "AB",
    "AA",
    "0F",
    "10",
  ]);
  deepStrictEqual(
    [0xab, 0xfe, 0x0f, 0xcd].map((b) => digits("mixed", b)),
    ["Ab", "fE", "0f", "Cd"],
  );
});

Deno.test("a varied request says what the canonical one says, within PROTOCOL.md's freedoms", () => {
  const runs = caseRuns(buildCases({ cases: 2, abis: ["x86_64"] })).filter((_, i) => i % 7 === 0);
  const seen = new Map<string, number>();
  let mixedLetters = "";
  for (const [i, run] of runs.entries()) {
    const canonical = lines(requestPayload(requestWith(run), i));
    const seed = encodingSeed(run.rid);
    const v = variationOf(seed);
    seen.set(v.name, (seen.get(v.name) ?? 0) + 1);
    const payload = requestPayload(requestWith(run, seed), i);
    const varied = lines(payload);
    if (v === CANONICAL) {
      deepStrictEqual(varied, canonical, run.rid);
      continue;
    }
    const unknown = varied.filter(([k]) => k.includes("-"));
    const known = varied.filter(([k]) => !k.includes("-"));
    const drawn = v.unknown >= MANY_UNKNOWN ? manyUnknownCount(seed) : v.unknown;
    strictEqual(unknown.length, drawn, run.rid);
    strictEqual(new Set(varied.map(([k]) => k)).size, varied.length, `${run.rid}: a key repeated`);
    // The same keys and values, hex compared without its case.
    const norm = (l: [string, string][]) =>
      l.map(([k, val]) => `${k} ${HEX_KEYS.has(k) ? val.toLowerCase() : val}`).sort();
    deepStrictEqual(norm(known), norm(canonical), run.rid);
    if (v.shuffle && known.length > 3) {
      notDeepStrictEqual(known.map(([k]) => k), canonical.map(([k]) => k), run.rid);
    }
    if (!v.shuffle) deepStrictEqual(known.map(([k]) => k), canonical.map(([k]) => k), run.rid);
    for (const [k, val] of known) {
      if (!HEX_KEYS.has(k)) continue;
      if (v.hex === "upper") ok(!/[a-f]/.test(val), `${run.rid}: ${k} not upper case`);
      if (v.hex === "lower") ok(!/[A-F]/.test(val), `${run.rid}: ${k} not lower case`);
    }
    if (v.hex === "mixed") {
      const hex = known.filter(([k]) => HEX_KEYS.has(k)).map(([, val]) => val).join("");
      ok(!/[aceBDF]/.test(hex), `${run.rid}: mixed hex not as documented`);
      mixedLetters += hex.replace(/[0-9]/g, "");
    }
    // The frame of a batch carries the same bytes.
    const framed = encodeFrames([requestWith(run, seed)], 0, 1, i);
    deepStrictEqual(framed.subarray(4), payload, run.rid);
    strictEqual(new DataView(framed.buffer, framed.byteOffset).getUint32(0, true), payload.length);
  }
  deepStrictEqual([...seen.keys()].sort(), [...VARIATION_NAMES].sort());
  ok(/[ACE]/.test(mixedLetters) && /[bdf]/.test(mixedLetters), "mixed hex has both cases");
  const share = seen.get(CANONICAL.name)! / runs.length;
  ok(share > 0.4 && share < 0.6, `canonical share ${share}`);
});

Deno.test("describeEncoding() and encodingTally() name what a failing run's request varied", () => {
  strictEqual(describeEncoding("restart/x86_64/valid@seed"), undefined);
  const rids = Array.from({ length: 400 }, (_, i) => `restart/x86_64/x-${i}@seed`);
  const many = rids.find((r) => variationOfRid(r).unknown === MANY_UNKNOWN)!;
  strictEqual(
    describeEncoding(many),
    `keys in a shuffled order; ${MANY_UNKNOWN} unknown keys (x-…)`,
  );
  const upper = rids.find((r) => variationOfRid(r).name === "upper-hex")!;
  strictEqual(describeEncoding(upper), "hex digits in upper case");
  const two = rids.find((r) => variationOfRid(r).name === "unknown-keys")!;
  ok(
    /^2 unknown keys: "[a-z]+-[^"]*", "[a-z]+-/.test(describeEncoding(two)!),
    describeEncoding(two),
  );
  const uppers = rids.filter((r) => variationOfRid(r).name === "upper-hex");
  strictEqual(
    encodingTally(uppers),
    `failures by request encoding: 0 canonical, ${uppers.length} upper-hex (canonical is 1/2 of ` +
      "the runs, each variation 1/16); none sent canonically: the reader rejects or misreads " +
      "requests PROTOCOL.md allows",
  );
  const canonical = rids.filter((r) => variationOfRid(r) === CANONICAL);
  strictEqual(encodingTally(canonical), undefined);
});

Deno.test("frameCuts() cuts 1 frame in 1024 by seed bits 4..13, at the documented points (hand-computed)", () => {
  deepStrictEqual(frameCuts(undefined, 41), []);
  deepStrictEqual(frameCuts(16, 41), []); // bits 4..13 = 1: whole
  deepStrictEqual(frameCuts(1 << 13, 41), []);
  deepStrictEqual(frameCuts(0, 41), [1]); // first cut choice 0: inside the length prefix
  deepStrictEqual(frameCuts(2 << 14, 41), [3]);
  deepStrictEqual(frameCuts((3 << 14) | (1 << 17), 41), [4, 40]); // after the prefix, last byte alone
  deepStrictEqual(frameCuts((6 << 14) | (1 << 17), 41), [20, 40]); // the last byte, then the middle
  deepStrictEqual(frameCuts(7 << 14, 41), [40]);
  deepStrictEqual(frameCuts(0, 2), [1]);
  deepStrictEqual(frameCuts(0, 1), []);
  // Two frames back to back: 3 + "abc" (7 bytes), then 2 + "xy" (6 bytes).
  const batch = Uint8Array.from([3, 0, 0, 0, 97, 98, 99, 2, 0, 0, 0, 120, 121]);
  deepStrictEqual(batchCuts(batch, [16, (3 << 14) | (1 << 17)]), [11, 12]);
  deepStrictEqual(batchCuts(batch, [0, 16]), [1]);
});

Deno.test("describeSplit(): about 1 run in 1024 of the default suite goes in pieces, and says how", () => {
  const rids = caseRuns(buildCases({ cases: 64 })).map((r) => r.rid);
  const split = rids.filter((r) => describeSplit(r));
  ok(
    split.length > rids.length / (2 * SPLIT_ONE_IN) &&
      split.length < (2 * rids.length) / SPLIT_ONE_IN,
    `${split.length} of ${rids.length}`,
  );
  const rid = split[0]!;
  const seed = encodingSeed(rid);
  const cuts = frameCuts(seed, 100);
  match(
    describeSplit(rid, 100)!,
    new RegExp(`^frame written in ${cuts.length + 1} pieces, apart: bytes 0\\.\\.${cuts[0]}, `),
  );
  strictEqual(describeSplit(rids.find((r) => !describeSplit(r))!), undefined);
});

Deno.test("many-unknown-keys: 1 in 128 carries 128..16,384 lines, each a distinct key, within the frame limit", () => {
  // By hand: the variation is the seed's low 4 bits (15: many-unknown-keys); bits 4..10 all 0 (1 in
  // 128) select a big block of 64 << (1 + (seed >>> 11) % 8) lines.
  strictEqual(variationOf(15).name, "many-unknown-keys");
  strictEqual(manyUnknownCount(15 | (1 << 4)), MANY_UNKNOWN);
  strictEqual(manyUnknownCount(15), 128);
  strictEqual(manyUnknownCount(15 | (7 << 11)), 16384);
  let big = 0;
  for (let s = 0; s < 1 << 16; s++) if (manyUnknownCount(s) > MANY_UNKNOWN) big++;
  strictEqual(big, 1 << 9);
  const runs = caseRuns(buildCases({ cases: 0, abis: ["x86_64"] }));
  const ck = runs.find((r) => r.rid === "checkpoint/x86_64/plain")!;
  const plain = lines(requestPayload(requestWith(ck), 7));
  const many = lines(requestPayload(requestWith(ck, 15 | (7 << 11)), 7));
  strictEqual(many.length, plain.length + 16384);
  strictEqual(new Set(many.map(([k]) => k)).size, many.length, "every key once");
  deepStrictEqual(many.filter(([k]) => !k.startsWith("x-")).sort(), plain.sort());
  // A 2 MiB image: the block is halved until the frame fits 4 MiB + 64 KiB.
  const huge = runs.find((r) => r.case.op === "restart" && r.case.image.length === 1 << 21)!;
  const f = requestPayload(requestWith(huge, 15 | (7 << 11)), 7);
  ok(f.length <= MAX_REQUEST_FRAME, `${f.length}`);
  const n = lines(f).filter(([k]) => k.startsWith("x-")).length;
  ok(n > MANY_UNKNOWN && n < 16384, `${n} unknown lines`);
});

Deno.test("a request past 4 MiB (a 2 MiB image) is padded with x-pad to exactly 4 MiB + 64 KiB", () => {
  const runs = caseRuns(buildCases({ cases: 0, abis: ["x86_64"] }));
  const huge = runs.find((r) => r.case.op === "restart" && r.case.image.length === 1 << 21)!;
  for (const seed of [0, 8, 15, 15 | (7 << 11)]) { // canonical, upper hex, many keys, 16,384 keys
    const f = requestPayload(requestWith(huge, seed), 7);
    strictEqual(f.length, 2 ** 22 + 2 ** 16, `seed ${seed}`);
    const pad = lines(f).filter(([k]) => k === "x-pad");
    strictEqual(pad.length, 1);
    ok(/^a+$/.test(pad[0]![1]));
    const framed = encodeFrames([requestWith(huge, seed)], 0, 1, 7);
    deepStrictEqual(framed.subarray(4), f);
  }
  // A smaller request is not padded.
  const plain = requestPayload(
    requestWith(runs.find((r) => r.rid === "checkpoint/x86_64/plain")!),
    7,
  );
  ok(!lines(plain).some(([k]) => k === "x-pad"));
});
