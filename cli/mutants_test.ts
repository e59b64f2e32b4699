// The mutation score in CI: every mutant killed (by the first layer that can), every correct
// implementation clean.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { formatMutationReport, layerOf, mutationRun } from "./mutants.ts";
import { ccM32, i386Runner } from "../harness/host.ts";

Deno.test("mutants: every mutant is killed and every correct implementation conforms", async () => {
  const r = await mutationRun();
  console.log(formatMutationReport(r));
  deepStrictEqual(r.mutants.filter((m) => !m.killedBy).map((m) => m.id), []);
  deepStrictEqual(r.correct.filter((c) => c.failing !== 0 || !c.conforms), []);
  // Strict where the host can run every bundled implementation (as the probes say); elsewhere
  // only seed-c-i386 may be unavailable, and only for the reason the probes give.
  const [runner, m32] = [await i386Runner(), await ccM32()];
  const expected = "prefix" in runner && m32.ok ? [] : ["seed-c-i386"];
  deepStrictEqual(r.unavailable.map((u) => u.name), expected);
  if (!("prefix" in runner)) strictEqual(r.unavailable[0]!.reason, runner.reason);
});

Deno.test("mutants: result ids map to their layer", () => {
  strictEqual(layerOf("restart/x86_64/head/magic@seed"), "catalog");
  strictEqual(layerOf("restart/i386/truncate/at-0012@hardened"), "shape");
  strictEqual(layerOf("restart/i386/order/HEAD.magic~1+TAIL.magic~1@seed"), "order");
  strictEqual(layerOf("checkpoint/x86_64/value/utime-0x0"), "values");
  strictEqual(layerOf("restart/x86_64/dict/TASK.state=0x40@seed"), "dict");
  strictEqual(layerOf("restart/i386/group/version/head-2.6.25-kernel-2.6.25@seed"), "group");
  strictEqual(layerOf("restart/x86_64/fuzz/s1-000003@seed"), "fuzz");
  strictEqual(layerOf("checkpoint/x86_64/io/e232.28"), "io");
});
