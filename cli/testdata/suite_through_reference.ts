/**
 * Runs every case of the default suite (the named catalog, the families, the
 * regression corpus, the generated states and the fixed-seed fuzz batch)
 * through the reference, as a test, so that `deno test --coverage` measures
 * which branches of the model the default suite exercises: both of the
 * restart model's paths, the concrete one (which answers most runs) and the
 * shadow one, run on every restart case too. Used by
 * `deno task coverage:reference`; not part of the ordinary test run.
 *
 * @module
 */
import { buildCases } from "../../cases/suite.ts";
import { caseRuns } from "../../cases/suite.ts";
import { DEFAULT_FUZZ } from "../options.ts";
import { restartShadow } from "../../reference/restart.ts";
import { PROFILES } from "../../reference/types.ts";

Deno.test("the default suite through the reference", () => {
  const cases = buildCases({ fuzz: DEFAULT_FUZZ });
  const runs = caseRuns(cases);
  if (!runs.length) throw new Error("no runs");
  for (const r of runs) r.expected; // computed when first read
  for (const c of cases) {
    if (c.op !== "restart") continue;
    for (const p of c.profiles ?? PROFILES) restartShadow(c.image, c.env, p);
  }
});
