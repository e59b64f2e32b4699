// Speculative shrinking gives exactly the sequential result, in far fewer batches.
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { shrinkCase } from "../cases/shrink.ts";
import { fuzzRestartCase } from "../cases/fuzz.ts";
import type { Case, RestartCase } from "../cases/types.ts";
import { shrinkSpeculative } from "./speculative_shrink.ts";

// Fails while the image keeps a 0x01 byte somewhere after a byte >= 0x80 and is at least 40
// bytes long: some bytes matter, most do not, and the length does.
const fails = (c: Case) => {
  const img = (c as RestartCase).image;
  const hi = img.findIndex((b) => b >= 0x80);
  return img.length >= 40 && hi >= 0 && img.subarray(hi + 1).includes(1);
};

Deno.test("shrinkSpeculative: the same minimal case and steps as shrinkCase, in a few batches", async () => {
  let checked = 0;
  for (let i = 0; checked < 3 && i < 200; i++) {
    const start = fuzzRestartCase(1, i, "x86_64");
    if (!fails(start)) continue;
    checked++;
    const seq = await shrinkCase(start, (c) => Promise.resolve(fails(c)));
    let calls = 0;
    const spec = await shrinkSpeculative(start, (cs) => {
      calls++;
      ok(new Set(cs).size === cs.length && cs.length <= 64);
      return Promise.resolve(cs.map(fails));
    }, { window: 64 });
    assertEquals(spec.minimal, seq.minimal);
    assertEquals(spec.steps, seq.steps);
    assertEquals(spec.tries, seq.tries);
    assertEquals(spec.batches, calls);
    ok(spec.batches * 4 < seq.tries, `${spec.batches} batches for ${seq.tries} tries`);
  }
  assertEquals(checked, 3);
});

Deno.test("shrinkSpeculative: an evaluator that answers the wrong number is an error", async () => {
  const start = fuzzRestartCase(1, 0, "x86_64");
  let err: unknown;
  try {
    await shrinkSpeculative(start, () => Promise.resolve([]));
  } catch (e) {
    err = e;
  }
  ok(err instanceof Error && /0 answers for \d+ candidates/.test(err.message));
});
