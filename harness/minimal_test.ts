import { ok, strictEqual } from "node:assert/strict";
import { buildCases } from "../cases/suite.ts";
import { buildSingleC } from "./build.ts";
import { ProcessTestee } from "./process_testee.ts";
import { conforms, runImpl, selectRuns } from "./runner.ts";

Deno.test("harness/testdata/minimal.c (restart, x86_64, seed) passes the real gate", async () => {
  const src = new URL("./testdata/minimal.c", import.meta.url).pathname;
  ok((await Deno.readTextFile(src)).split("\n").length <= 200, "minimal.c grew past 200 lines");
  const bin = await buildSingleC("harness/testdata/minimal.c");
  const runs = selectRuns(buildCases());
  const rep = await runImpl(new ProcessTestee("minimal", bin), runs);
  const bad = rep.results.filter((r) => !["pass", "skipped"].includes(r.status));
  strictEqual(bad.map((r) => `${r.rid}: ${r.status}`).slice(0, 5).join("\n"), "");
  const passed = rep.results.filter((r) => r.status === "pass");
  ok(passed.every((r) => r.rid.startsWith("restart/x86_64/") && r.rid.endsWith("@seed")));
  ok(passed.length > 1500, `only ${passed.length} x86_64 seed restarts ran`);
  ok(conforms(rep));
});
