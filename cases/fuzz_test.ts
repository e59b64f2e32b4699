import { deepStrictEqual, notDeepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { checkpoint } from "../reference/checkpoint.ts";
import { restart } from "../reference/restart.ts";
import { validateCheckpointEnv, validateTaskState } from "../reference/validate.ts";
import { fuzzCases, fuzzCheckpointCase, fuzzRestartCase } from "./fuzz.ts";
import { shrinkCase } from "./shrink.ts";
import type { RestartCase } from "./types.ts";

Deno.test("fuzz cases are reproducible by index and differ between indices", () => {
  deepStrictEqual(fuzzRestartCase(1, 42, "x86_64"), fuzzRestartCase(1, 42, "x86_64"));
  notDeepStrictEqual(
    fuzzRestartCase(1, 42, "x86_64").image,
    fuzzRestartCase(1, 43, "x86_64").image,
  );
  const batch = [...fuzzCases(1, 3, "i386")];
  deepStrictEqual(batch.map((c) => c.id), [
    "checkpoint/i386/fuzz/s1-000000",
    "restart/i386/fuzz/s1-000000",
    "checkpoint/i386/fuzz/s1-000001",
    "restart/i386/fuzz/s1-000001",
    "checkpoint/i386/fuzz/s1-000002",
    "restart/i386/fuzz/s1-000002",
  ]);
});

Deno.test("fuzzed inputs are valid model inputs and reach many different checks", () => {
  const decided = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    for (const abi of ["x86_64", "i386"]) {
      const c = fuzzCheckpointCase(9, i, abi);
      validateTaskState(c.state, abi);
      validateCheckpointEnv(c.env);
      checkpoint(c.state, c.env);
      const r = fuzzRestartCase(9, i, abi);
      for (const p of ["seed", "hardened"] as const) {
        decided.add(restart(r.image, r.env, p).decision.check);
      }
    }
  }
  ok(
    decided.size >= 25,
    `only ${decided.size} distinct deciding checks: ${[...decided].join(" ")}`,
  );
});

Deno.test("shrinkCase() finds the fewest bytes, then the simplest values, that still fail", async () => {
  const start: RestartCase = {
    ...fuzzRestartCase(1, 5, "x86_64"),
    image: new Uint8Array(300).fill(7),
  };
  start.image[123] = 0x42;
  // "Fails" when the image holds a byte 0x42 after at least 2 other bytes.
  const res = await shrinkCase(start, (c) => {
    const i = c.image.indexOf(0x42);
    return Promise.resolve(i >= 2);
  });
  deepStrictEqual([...res.minimal.image], [0, 0, 0x42]);
  strictEqual(res.minimal.env.flags ?? 0n, 0n);
});
