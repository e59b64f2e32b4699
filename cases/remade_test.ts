import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { remade } from "./remade.ts";
import { buildCases, caseRuns } from "./suite.ts";

Deno.test("remade(): made once while it is in use", () => {
  let made = 0;
  const get = remade(() => ({ n: ++made }));
  const a = get();
  strictEqual(get(), a);
  strictEqual(get(), a);
  strictEqual(made, 1);
});

Deno.test("a released run keeps its class and computes the same reference result again", () => {
  const runs = caseRuns(buildCases({ cases: 4, fuzz: 20 }));
  for (const r of runs) {
    const before = { cls: r.class, expected: r.expected };
    r.release?.();
    strictEqual(r.class, before.cls, r.rid);
    deepStrictEqual(r.expected, before.expected, r.rid);
  }
});
