import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { buildCases } from "../cases/suite.ts";
import { conforms, runImpl, selectRuns } from "./runner.ts";
import { referenceAnswer, ReferenceTestee } from "./reference_testee.ts";
import type { Testee } from "../protocol/testee.ts";
import { featuresOf } from "../protocol/codec.ts";

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

Deno.test("a testee that answers a whole batch at once after a wait is not called slow", async () => {
  // As a live kernel does: nothing during its boot, then every answer at once.
  const runs = selectRuns(CASES).slice(0, 1000);
  const ref = new ReferenceTestee();
  const batched: Testee = {
    name: "batched",
    start: () => ref.start(),
    async run(requests, onOutcome) {
      await new Promise((r) => setTimeout(r, 2100));
      requests.forEach((r, i) => onOutcome(i, referenceAnswer(r)));
    },
    close: () => ref.close(),
  };
  const warnings: string[] = [];
  const rep = await runImpl(batched, runs, [], undefined, {}, {
    // The wait is past the first check (at 2 s); judged by the wait (2.1 s before an answer),
    // its 1,000 runs would take about 2,100 s, far past the 60 s mark; judged by how fast
    // answers come, a few seconds even where comparing them is slow (a loaded host: 5 ms a
    // comparison was seen, which made an 8 s mark a race).
    slowMs: 60_000,
    warn: (m) => warnings.push(m),
  });
  ok(rep.results.every((r) => r.status === "pass"));
  deepStrictEqual(warnings, []);
});

Deno.test("a testee whose run ends without an outcome for some requests does not conform", async () => {
  const runs = selectRuns(CASES).slice(0, 300);
  const ref = new ReferenceTestee();
  const forgetful: Testee = {
    name: "forgetful",
    start: () => ref.start(),
    run(requests, onOutcome) {
      // Answers every other request and returns as if done.
      requests.forEach((r, i) => i % 2 === 0 && onOutcome(i, referenceAnswer(r)));
      return Promise.resolve();
    },
    close: () => ref.close(),
  };
  const rep = await runImpl(forgetful, runs);
  strictEqual(rep.results.length, runs.length);
  const missing = rep.results.filter((r) => r.status === "not-run");
  strictEqual(missing.length, 150);
  ok(missing[0]!.detail!.includes("ended without an outcome"), missing[0]!.detail);
  strictEqual(conforms(rep), false);
});

Deno.test("a case needing a feature the hello does not declare is skipped, never sent", async () => {
  const runs = selectRuns(CASES).filter((r) => featuresOf(r.case.env).length === 0).slice(0, 40);
  const withIo = selectRuns([
    ...CASES.slice(0, 2).map((c) => ({
      ...c,
      id: `${c.id}/io`,
      env: { ...c.env, io: { chunk: 3 } },
    })) as typeof CASES,
  ]);
  const ref = new ReferenceTestee();
  const sent: string[] = [];
  const plain: Testee = {
    name: "plain",
    start: async () => ({ ...(await ref.start()), features: undefined }),
    run(requests, onOutcome) {
      requests.forEach((r, i) => {
        if (r.env.io) sent.push("io");
        onOutcome(i, referenceAnswer(r));
      });
      return Promise.resolve();
    },
    close: () => ref.close(),
  };
  const rep = await runImpl(plain, [...runs, ...withIo]);
  deepStrictEqual(sent, []);
  const skipped = rep.results.filter((r) => r.status === "skipped");
  strictEqual(skipped.length, withIo.length);
  ok(skipped[0]!.detail!.includes("feature io"), skipped[0]!.detail);
  // The reference declares io: the same runs are sent and pass.
  const full = await runImpl(new ReferenceTestee(), [...runs, ...withIo]);
  ok(full.results.every((r) => r.status === "pass"));
});
