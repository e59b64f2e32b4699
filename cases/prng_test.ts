import { deepStrictEqual, ok } from "node:assert/strict";
import { Prng } from "./prng.ts";

Deno.test("Prng is sfc32: the first outputs match an independent implementation (Python)", () => {
  const first = (seed: number) => {
    const r = new Prng(seed);
    return Array.from({ length: 5 }, () => r.u32());
  };
  deepStrictEqual(first(1), [24724473, 838574162, 2522700496, 473542192, 3964317691]);
  deepStrictEqual(first(20080401), [2586393162, 380604832, 1456955192, 2105158980, 3824715451]);
});

Deno.test("Prng.int() stays in range and u64() fills 64 bits", () => {
  const r = new Prng(7);
  for (let i = 0; i < 1000; i++) {
    const v = r.int(10);
    ok(v >= 0 && v < 10 && Number.isInteger(v));
  }
  ok(Array.from({ length: 50 }, () => r.u64()).some((v) => v >= 1n << 63n));
});
