// The committed kernel captures, checked without booting: they match the
// current inputs, they agree with the reference on every defined byte in
// every boot (zeroed, poisoned, stackpattern), the raw serial logs parse to
// exactly the stored results, every checkpoint scenario is reproduced by the
// reference byte for byte, the summaries say what the logs say, and nothing
// under golden/ records where it was made.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { selectRuns } from "../harness/runner.ts";
import { runImpl } from "../harness/runner.ts";
import { assess, SOURCES, total } from "./capture.ts";
import {
  BOOT_NAMES,
  type BootName,
  BOOTS,
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

Deno.test("golden: nothing under golden/ records an absolute path, a date or a host timing", async () => {
  const golden = new URL("./", import.meta.url).pathname;
  const repo = new URL("../", import.meta.url).pathname;
  const files = ["MANIFEST.json"];
  for (const abi of GOLDEN_ABIS) {
    for await (const e of Deno.readDir(`${GOLDEN_DATA}kernel-${abi}`)) {
      files.push(`data/kernel-${abi}/${e.name}`);
    }
  }
  const bad: string[] = [];
  for (const f of files) {
    const text = await Deno.readTextFile(`${golden}${f}`);
    const m = /(?:^|[^A-Za-z0-9_.])\/(?:work|home|root|tmp|var|usr|opt|mnt|srv)\/[^"\s]*/m.exec(
      text,
    ) ?? (text.includes(repo) ? [repo] : null);
    if (m) bad.push(`${f}: ${m[0].trim()}`);
    if (/"(?:capturedAt|bootMs)"/.test(text)) bad.push(`${f}: a capture date or boot time`);
  }
  deepStrictEqual(bad, []);
});

async function parsed(abi: string, boot: string) {
  const log = await Deno.readTextFile(`${GOLDEN_DATA}kernel-${abi}/${boot}.data.log`);
  const ids = goldenCases(abi as "x86_64", manifest.kernel).map((c) => c.id);
  return interpretRecords(parseRecords(parseFrames(log).data), ids);
}

for (const abi of GOLDEN_ABIS) {
  Deno.test(`golden ${abi}: the raw serial logs of every boot parse to exactly the stored results`, async () => {
    const stored = await readRestarts(abi);
    const cases = goldenCases(abi, manifest.kernel);
    strictEqual(Object.keys(stored.results).length, new Set(cases.map(requestKey)).size);
    for (const boot of BOOT_NAMES) {
      const run = await parsed(abi, boot);
      ok(run.complete, `${boot} boot complete`);
      for (const c of cases) {
        deepStrictEqual(
          stored.results[requestKey(c)]?.[boot],
          storeResult(run.restarts.get(c.id)!),
          `${boot} ${c.id}`,
        );
      }
    }
  });

  for (const boot of BOOT_NAMES) {
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

  Deno.test(`golden ${abi}: defined values are the same in every boot; the summary's numbers are the logs'`, async () => {
    const cases = goldenCases(abi, manifest.kernel);
    const boots = {} as Record<BootName, KernelRun["restarts"]>;
    for (const b of BOOT_NAMES) boots[b] = (await parsed(abi, b)).restarts;
    const d = assess(cases, boots);
    deepStrictEqual([d.disagreements, d.definedChanged], [[], []]);
    // The probes work: slab poison changed every kmalloc-sourced comm byte (poison is
    // never zero), and the stack pattern changed some stack-sourced values; neither
    // changed every undefined value (undefined is not the same as varying).
    const kmallocComm = d.changed.poisoned.comm.kmalloc;
    ok(kmallocComm > 0 && kmallocComm === d.undefined.comm.kmalloc, `kmalloc comm ${kmallocComm}`);
    ok(total(d.changed.any, "comm") < total(d.undefined, "comm"));
    const stackAll = total(d.changed.stackpattern, "comm") + total(d.changed.stackpattern, "ret") +
      total(d.changed.stackpattern, "consumed");
    ok(d.changed.stackpattern.ret.stack + d.changed.stackpattern.comm.stack > 0, "stack probe");
    ok(stackAll < total(d.undefined, "comm") + total(d.undefined, "ret"));
    // The stack pattern changes nothing that comes from pages or kmalloc (allocations are
    // zeroed in both boots). (Heap poison does change some stack-sourced values: stale
    // stack slots hold what earlier code loaded from the heap.)
    for (const k of ["comm", "ret", "consumed"] as const) {
      strictEqual(d.changed.stackpattern[k].page + d.changed.stackpattern[k].kmalloc, 0, k);
    }
    const summary = JSON.parse(await Deno.readTextFile(`${GOLDEN_DATA}kernel-${abi}/summary.json`));
    deepStrictEqual(summary.definedness, JSON.parse(JSON.stringify(d)));
    deepStrictEqual(
      Object.keys(summary.boots),
      BOOTS.map((b) => b.name),
    );
    deepStrictEqual(SOURCES, ["stack", "page", "kmalloc"]);
  });

  for (const boot of BOOT_NAMES) {
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
