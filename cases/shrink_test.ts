import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { generated } from "./generate.ts";
import { shrink } from "./shrink.ts";

Deno.test("shrink() keeps only the fields the failure needs", async () => {
  let start = generated(1, 0, "x86_64");
  for (let i = 0; start.state.utime < 1n << 32n; i++) start = generated(1, i, "x86_64");
  // A bug that only shows when utime needs more than 32 bits.
  const r = await shrink(start, (c) => Promise.resolve(c.state.utime >= 1n << 32n));
  deepStrictEqual(r.essential, ["TASK.utime"]);
  strictEqual(r.minimal.state.utime, start.state.utime);
  for (const [k, v] of Object.entries(r.minimal.state)) {
    if (k !== "utime" && typeof v === "bigint") strictEqual(v, 0n, k);
  }
  ok(r.minimal.state.comm.every((b) => b === 0));
  strictEqual(r.minimal.env.time, 0n);
});

Deno.test("shrink() stops at its budget", async () => {
  const r = await shrink(generated(2, 0, "i386"), () => Promise.resolve(true), 5);
  strictEqual(r.tries, 5);
});
