// The mechanical run's verdict cache: kills recorded under an earlier gate are found for the same
// program (its TCE key) in any build folder of the same target, never its own current verdict,
// never another target's.
import { deepStrictEqual, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { fingerprintSources, gateFingerprint, Stage } from "./mechanical_mutants.ts";

Deno.test("Stage.earlierKills: other gates' and other builds' kills of the same program", async () => {
  const root = await Deno.makeTempDir();
  try {
    const put = async (build: string, fp: string, name: string, v: string) => {
      await Deno.mkdir(`${root}/${build}/verdicts/${fp}`, { recursive: true });
      await Deno.writeTextFile(`${root}/${build}/verdicts/${fp}/${name}`, v);
    };
    await put("c-aa", "fp1", "K-gate", "checkpoint/x86_64/plain (fail)");
    await put("c-aa", "fp2", "K-gate", ""); // survived under fp2: not a kill
    await put("c-bb", "fp3", "K-gate", "restart/i386/valid@seed (crash)");
    await put("c-bb", "fp3", "K-percase", "other stage");
    await put("c-bb", "fp3", "L-gate", "another program");
    await put("seed-c-cc", "fp1", "K-gate", "another target");
    const kills = (dir: string, fp: string) =>
      new Stage(`${root}/${dir}`, fp, 2000).earlierKills({ key: "K" }, "gate");
    deepStrictEqual(await kills("c-aa", "fp9"), [
      "checkpoint/x86_64/plain (fail)",
      "restart/i386/valid@seed (crash)",
    ]);
    // Its own current verdict is not an earlier one.
    deepStrictEqual(await kills("c-bb", "fp3"), ["checkpoint/x86_64/plain (fail)"]);
    deepStrictEqual(await kills("seed-c-dd", "fp1"), ["another target"]);
    deepStrictEqual(
      await new Stage(`${root}/x-ee`, "fp1", 2000).earlierKills({ key: "K" }, "gate"),
      [],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("gateFingerprint: the run ids and the modules the gate runs, not the tools' triage lists", () => {
  const src = fingerprintSources();
  for (const f of ["reference/restart.ts", "cases/suite.ts", "protocol/encode.ts"]) {
    ok(src.includes(f), f);
  }
  // Imported by a module of the gate: they decide expected results and what a failure shows.
  ok(src.includes("cases/regressions.json") && src.includes("reference/seed_lines.json"));
  // Read only by cli/ tools: a verdict does not depend on them.
  ok(!src.includes("reference/mutation_triage.json"));
  ok(!src.includes("reference/coverage_exceptions.json"));
  ok(src.every((f) => !f.endsWith("_test.ts")), "no tests");
  strictEqual(gateFingerprint([{ rid: "a" }]), gateFingerprint([{ rid: "a" }]));
  notStrictEqual(gateFingerprint([{ rid: "a" }]), gateFingerprint([{ rid: "b" }]));
});
