import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { checkpoint } from "../reference/checkpoint.ts";
import { restart } from "../reference/restart.ts";
import { fuzzCases, fuzzCheckpointCase, fuzzRestartCase } from "./fuzz.ts";
import { remade } from "./remade.ts";
import { buildCases, caseRuns, generatedCases } from "./suite.ts";
import { generated } from "./generate.ts";

Deno.test("remade(): made once while it is in use", () => {
  let made = 0;
  const get = remade(() => ({ n: ++made }));
  const a = get();
  strictEqual(get(), a);
  strictEqual(get(), a);
  strictEqual(made, 1);
});

Deno.test("a released run keeps its class and its reference result is that of its content", () => {
  const runs = caseRuns(buildCases({ cases: 4, fuzz: 20 }));
  for (const r of runs) {
    const cls = r.class;
    r.release?.();
    strictEqual(r.class, cls, r.rid);
    // The reference run directly on what the case holds, not through the run's cache.
    const c = r.case;
    const direct = c.op === "checkpoint"
      ? { kind: "checkpoint", r: checkpoint({ ...c.state }, { ...c.env }) }
      : { kind: "restart", o: restart(c.image.slice(), { ...c.env }, r.profile!) };
    deepStrictEqual(r.expected, direct, r.rid);
  }
});

Deno.test("lazy generated and fuzzed cases read as the eager builders make them", () => {
  for (const abi of ["x86_64", "i386"] as const) {
    const fuzzed = [...fuzzCases(3, 25, abi, 100)];
    for (let i = 0; i < 25; i++) {
      deepStrictEqual({ ...fuzzed[2 * i] }, fuzzCheckpointCase(3, 100 + i, abi));
      deepStrictEqual({ ...fuzzed[2 * i + 1] }, fuzzRestartCase(3, 100 + i, abi));
    }
    const gen = generatedCases(abi, 5, 25, 7);
    for (let i = 0; i < 25; i++) {
      const ck = gen[2 * i]!, rs = gen[2 * i + 1]!;
      const g = generated(5, 7 + i, abi);
      if (ck.op !== "checkpoint" || rs.op !== "restart") throw new Error("order");
      deepStrictEqual([ck.state, ck.env], [g.state, g.env]);
      deepStrictEqual(rs.image, checkpoint(g.state, g.env).image);
      // Made again by a second suite: the same content.
      deepStrictEqual({ ...generatedCases(abi, 5, 1, 7 + i)[1]! }, { ...rs });
    }
  }
});
