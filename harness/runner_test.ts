import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { buildCases } from "../cases/suite.ts";
import { runImpl, selectRuns } from "./runner.ts";
import { ReferenceTestee } from "./reference_testee.ts";

const CASES = buildCases({ cases: 8 });

Deno.test("shards partition the suite exactly: every run in one shard, none twice", () => {
  const all = selectRuns(CASES).map((r) => r.rid);
  for (const n of [1, 2, 3, 7]) {
    const parts = Array.from(
      { length: n },
      (_, k) => selectRuns(CASES, { shard: { k: k + 1, n } }).map((r) => r.rid),
    );
    const joined = parts.flat().sort();
    deepStrictEqual(joined, [...all].sort());
    strictEqual(new Set(joined).size, all.length);
    if (n > 1) ok(parts.every((p) => p.length > 0));
  }
});

Deno.test("a case's two profiles land in the same shard", () => {
  const runs = selectRuns(CASES, { shard: { k: 2, n: 3 } }).filter((r) =>
    r.rid.startsWith("restart/")
  );
  const twoProfiles = runs.filter((r) => r.case.op === "restart" && !r.case.profiles);
  const ids = new Set(twoProfiles.map((r) => r.case.id));
  ok(ids.size > 100);
  strictEqual(twoProfiles.length, ids.size * 2);
});

Deno.test("selectRuns() filters by glob, ABI and profile", () => {
  const r = selectRuns(CASES, {
    filters: ["restart/*/head/magic"],
    abis: ["i386"],
    profiles: ["hardened"],
  });
  deepStrictEqual(r.map((x) => x.rid), ["restart/i386/head/magic@hardened"]);
});

Deno.test("the reference passes every run of the suite against itself", async () => {
  const runs = selectRuns(CASES);
  const rep = await runImpl(new ReferenceTestee(), runs);
  deepStrictEqual(rep.results.filter((r) => r.status !== "pass"), []);
  ok(
    runs.some((r) => r.class === "undefined-in-seed") &&
      runs.some((r) => r.class === "must-accept"),
  );
});
