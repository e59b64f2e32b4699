// The committed kernel captures, checked without booting: they match the
// current inputs, they agree with the reference on every defined byte in
// both boots, the raw serial logs parse to exactly the stored results, and
// every checkpoint scenario is reproduced by the reference byte for byte.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { selectRuns } from "../harness/runner.ts";
import { runImpl } from "../harness/runner.ts";
import { assess } from "./capture.ts";
import {
  GOLDEN_ABIS,
  GOLDEN_DATA,
  goldenCases,
  GoldenTestee,
  type Manifest,
  readManifest,
  readRestarts,
  requestKey,
  staleness,
  storeResult,
} from "./golden.ts";
import { verifyCheckpoint } from "./scenarios.ts";
import { interpretRecords, type KernelRun, parseFrames, parseRecords } from "./serial.ts";

const manifest = (await readManifest()) as Manifest;

Deno.test("golden: MANIFEST.json matches the current port, config, init and cases", async () => {
  ok(manifest, "golden/MANIFEST.json is missing: run deno task capture");
  const stale = await staleness(manifest);
  deepStrictEqual(
    stale,
    [],
    `the golden captures are stale; recapture with: deno task capture\n${stale.join("\n")}`,
  );
});

async function parsed(abi: string, boot: string) {
  const log = await Deno.readTextFile(`${GOLDEN_DATA}kernel-${abi}/${boot}.data.log`);
  const ids = goldenCases(abi as "x86_64", manifest.kernel).map((c) => c.id);
  return interpretRecords(parseRecords(parseFrames(log).data), ids);
}

for (const abi of GOLDEN_ABIS) {
  Deno.test(`golden ${abi}: the raw serial logs parse to exactly the stored results`, async () => {
    const stored = await readRestarts(abi);
    const cases = goldenCases(abi, manifest.kernel);
    strictEqual(Object.keys(stored.results).length, new Set(cases.map(requestKey)).size);
    for (const boot of ["zeroed", "poisoned"] as const) {
      const run = await parsed(abi, boot);
      ok(run.complete, `${boot} boot complete`);
      for (const c of cases) {
        deepStrictEqual(
          stored.results[requestKey(c)]?.[boot],
          storeResult(run.restarts.get(c.id)!),
          c.id,
        );
      }
    }
  });

  for (const boot of ["zeroed", "poisoned"] as const) {
    Deno.test(`golden ${abi} ${boot}: every kernel result agrees with the reference on every defined byte`, async () => {
      const runs = selectRuns(goldenCases(abi, manifest.kernel));
      const rep = await runImpl(new GoldenTestee(abi, boot), runs);
      deepStrictEqual(
        rep.results.filter((r) => r.status !== "pass").map((r) =>
          `${r.rid}: ${r.status} ${r.detail ?? ""}`
        ),
        [],
      );
      ok(runs.length > 1000);
    });
  }

  Deno.test(`golden ${abi}: defined values never change between boots whose unwritten memory differs`, async () => {
    const cases = goldenCases(abi, manifest.kernel);
    const z = await parsed(abi, "zeroed");
    const p = await parsed(abi, "poisoned");
    const d = assess(cases, { zeroed: z.restarts, poisoned: p.restarts });
    deepStrictEqual([d.disagreements, d.definedChanged], [[], []]);
    // The probe works: some bytes the reference calls undefined did change.
    ok(d.undefinedCommBytesChanged > 0 && d.undefinedCommBytesChanged < d.undefinedCommBytes);
  });

  for (const boot of ["zeroed", "poisoned"] as const) {
    Deno.test(`golden ${abi} ${boot}: every checkpoint scenario is reproduced by the reference, padding included`, async () => {
      const run = await parsed(abi, boot);
      ok(run.checkpoints.length >= 20, `${run.checkpoints.length} scenarios`);
      const checks = run.checkpoints.map((o) =>
        verifyCheckpoint(abi, o as KernelRun["checkpoints"][number])
      );
      deepStrictEqual(
        checks.filter((c) => c.problems.length).map((c) => `${c.name}: ${c.problems.join("; ")}`),
        [],
      );
      deepStrictEqual(checks.filter((c) => c.portDivergence).map((c) => c.name), ["dev-null"]);
      const ok1 = run.checkpoints.filter((o) => o.ret > 0);
      ok(ok1.length >= 15 && ok1.every((o) => o.image.length === (abi === "x86_64" ? 432 : 424)));
    });
  }

  Deno.test(`golden ${abi}: the findings are recorded (leaked file reference, EAGAIN spin)`, async () => {
    const summary = JSON.parse(await Deno.readTextFile(`${GOLDEN_DATA}kernel-${abi}/summary.json`));
    const leak = summary.findings.find((f: { name: string }) => f.name === "leak-pipe-no-eof");
    // checkpoint ok, 432/424 bytes read, then -EAGAIN instead of EOF; without a checkpoint: EOF (0).
    deepStrictEqual(leak.values.slice(1), [
      abi === "x86_64" ? 432 : 424,
      -11,
      abi === "x86_64" ? 432 : 424,
      0,
    ]);
    strictEqual(summary.spin.timedOut, true);
  });
}
