/**
 * Runs every case of the default suite (the named catalog, the families, the
 * regression corpus, the generated states and the fixed-seed fuzz batch)
 * through the reference, as a test, so that `deno test --coverage` measures
 * which branches of the model the default suite exercises. Used by
 * `deno task coverage:reference`; not part of the ordinary test run.
 *
 * @module
 */
import { buildCases } from "../../cases/suite.ts";
import { caseRuns } from "../../cases/suite.ts";
import { DEFAULT_FUZZ } from "../options.ts";

Deno.test("the default suite through the reference", () => {
  const runs = caseRuns(buildCases({ fuzz: DEFAULT_FUZZ }));
  if (!runs.length) throw new Error("no runs");
});
