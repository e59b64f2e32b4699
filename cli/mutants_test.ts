// The mutation score in CI: every mutant killed (by the first layer that can), every correct
// implementation clean.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { formatMutationReport, layerOf, mutationRun } from "./mutants.ts";

Deno.test("mutants: every mutant is killed and every correct implementation conforms", async () => {
  const r = await mutationRun();
  console.log(formatMutationReport(r));
  deepStrictEqual(r.mutants.filter((m) => !m.killedBy).map((m) => m.id), []);
  deepStrictEqual(r.correct.filter((c) => c.failing !== 0 || !c.conforms), []);
});

Deno.test("mutants: result ids map to their layer", () => {
  strictEqual(layerOf("restart/x86_64/head/magic@seed"), "catalog");
  strictEqual(layerOf("restart/i386/truncate/at-0012@hardened"), "shape");
  strictEqual(layerOf("restart/i386/order/HEAD.magic~1+TAIL.magic~1@seed"), "order");
  strictEqual(layerOf("checkpoint/x86_64/value/utime-0x0"), "values");
  strictEqual(layerOf("restart/x86_64/fuzz/s1-000003@seed"), "fuzz");
  strictEqual(layerOf("checkpoint/x86_64/io/e232.28"), "io");
});
