/**
 * seed-c (the seed's own code over the user-space shim) against the model on
 * the file-behaviour cases (protocol feature `io`): the shim's file moves at
 * most `io_chunk` bytes per transfer, returns `io_eagain` -EAGAINs before each
 * real one and fails at `io_error_at`. Per ABI, when this host can build and
 * run that ABI's binary (an i386 binary needs gcc-multilib, and runs
 * natively or under qemu-i386 as the gate runs it: `i386Runner`).
 *
 * @module
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { fileBehaviourCases } from "../../cases/file_behaviours.ts";
import { catalogBase, namedCases } from "../../cases/suite.ts";
import { ProcessTestee } from "../../harness/process_testee.ts";
import { conforms, type ImplReport, runImpl, selectRuns } from "../../harness/runner.ts";
import { probeSeedC } from "./probe.ts";

function failures(rep: ImplReport): string[] {
  return rep.results.filter((r) => r.status !== "pass").map((r) =>
    `${r.rid}: ${r.status} ${r.detail ?? r.differences.map((d) => d.field).join(",")}`
  );
}

for (const abi of ["x86_64", "i386"] as const) {
  const { bin, why } = await probeSeedC(abi);
  if (why) console.warn(`ignored: ${why}`);

  Deno.test({
    name: `seed-c-${abi} agrees with the model on every file-behaviour case`,
    ignore: !bin,
    async fn() {
      const cases = fileBehaviourCases(catalogBase(abi));
      const runs = selectRuns(cases, { profiles: ["seed"] });
      const rep = await runImpl(new ProcessTestee(`seed-c-${abi}`, bin!), runs);
      deepStrictEqual(failures(rep).slice(0, 10), []);
      strictEqual(rep.results.filter((r) => r.status === "pass").length, runs.length);
    },
  });

  Deno.test({
    name: `seed-c-${abi}: the command line's --io-chunk and --io-eagain change no answer`,
    ignore: !bin,
    async fn() {
      const runs = selectRuns(namedCases(abi), { profiles: ["seed"] });
      const knobs = new ProcessTestee(`seed-c-${abi}-knobs`, `${bin} --io-chunk=3 --io-eagain`);
      const rep = await runImpl(knobs, runs);
      deepStrictEqual(failures(rep).slice(0, 10), []);
      ok(conforms(rep));
    },
  });
}
