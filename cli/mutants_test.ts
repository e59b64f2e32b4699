// The mutation score in CI: every mutant killed, every correct implementation clean.
import { deepStrictEqual } from "node:assert/strict";
import { formatMutationReport, mutationRun } from "./mutants.ts";

Deno.test("mutants: every mutant fails a named case and every correct implementation passes", async () => {
  const r = await mutationRun();
  console.log(formatMutationReport(r));
  deepStrictEqual(r.mutants.filter((m) => m.failing === 0).map((m) => m.id), []);
  deepStrictEqual(r.correct.filter((c) => c.failing !== 0 || !c.conforms), []);
});
