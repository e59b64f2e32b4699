import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { abiNames, registerAbi } from "../reference/abi.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { layoutOf } from "../reference/layout.ts";
import { restart } from "../reference/restart.ts";
import { defaultCheckpointEnv, defaultTaskState } from "../reference/types.ts";
import { buildCases } from "../cases/suite.ts";
import { parseHello } from "../protocol/codec.ts";
import { ReferenceTestee } from "./reference_testee.ts";
import { conforms, runImpl, selectRuns } from "./runner.ts";

/** A made-up little-endian ABI: 32-bit longs, u64 aligned to 8, 8 KiB pages. */
const TOY = {
  name: "toy",
  endian: "little",
  u64Align: 8,
  longBytes: 4,
  pageSize: 8192,
  machine: "toy",
} as const;

Deno.test("a made-up ABI registered in one place flows through layouts, cases, reference and harness", async () => {
  strictEqual(abiNames().includes("toy"), false);
  {
    using _ = registerAbi(TOY);
    deepStrictEqual(abiNames(), ["x86_64", "i386", "toy"]);
    // Layout, by hand: u64 aligned to 8 puts utime at 24 (padding [20,24)) and the
    // aligned(8) struct ends at 152, as on x86_64.
    const T = layoutOf("toy").TASK;
    strictEqual(T.byName["utime"]!.offset, 24);
    strictEqual(T.byName["task_comm_len"]!.offset, 144);
    strictEqual(T.size, 152);
    // The reference: a 32-bit long sign-extends, so a negative state is 0xffffffff_8xxxxxxx.
    const state = { ...defaultTaskState(), state: 0xffffffff80000000n };
    const { image, ret } = checkpoint(state, defaultCheckpointEnv("toy"));
    strictEqual(ret, 1);
    strictEqual(image.length, 8 + 224 + 8 + 152 + 8 + 16 + 8 + 8);
    const env = { abi: "toy", kernel: { major: 2, minor: 6, patch: 25 }, comm: new Uint8Array(16) };
    deepStrictEqual(restart(image, env, "seed").ret, { defined: true, value: 0 });
    // Cases: the PAGE_SIZE bound follows the ABI's page size.
    const cases = buildCases({ abis: ["toy"], cases: 4 });
    const ids = new Set(cases.map((c) => c.id));
    ok(ids.has("restart/toy/task/comm-len-8192"));
    ok(ids.has("restart/toy/task/comm-len-8193"));
    ok(ids.has("restart/toy/shape/other-abi"));
    // The harness: a hello may declare it, and the reference conforms over every run.
    deepStrictEqual(
      parseHello(new TextEncoder().encode("protocol 1\nname t\nabis toy\nprofiles seed\n")).abis,
      ["toy"],
    );
    const runs = selectRuns(cases);
    ok(runs.length > 1000, `${runs.length} runs`);
    const rep = await runImpl(new ReferenceTestee(), runs, [], undefined, { abis: ["toy"] });
    strictEqual(rep.results.filter((r) => r.status === "pass").length, runs.length);
    ok(conforms(rep));
    const over = rep.results.find((r) => r.rid === "restart/toy/task/comm-len-8193@seed")!;
    strictEqual(over.run.class, "must-reject");
  }
  strictEqual(abiNames().includes("toy"), false);
});
