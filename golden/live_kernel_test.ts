/**
 * The live kernel booted for real, when its `fastio` build and live init
 * are already in the kernel cache (otherwise skipped: CI does not build
 * kernels). 400 golden cases in two boots (300 + 100) compared with the
 * reference on every defined value, and one boot killed before its results
 * arrive, whose cases must be crashes, never passes. About 8 s, in parallel
 * with the rest.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { caseRuns } from "../cases/suite.ts";
import { compare, expectedOf, requestOf } from "../harness/compare.ts";
import type { Outcome } from "../protocol/testee.ts";
import { bundleCases, goldenCases, readManifest } from "./golden.ts";
import { LiveKernelTestee } from "./live_testee.ts";
import { buildKeys, type KernelBuild, kernelCacheDir } from "./kernel_build.ts";
import { runLiveKernel } from "./live_boot.ts";

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

/** The cached fastio build of x86_64 for the current recipe, or why there is none. */
async function cachedBuild(): Promise<KernelBuild | string> {
  const m = await readManifest();
  if (!m) return "no MANIFEST.json";
  const k = await buildKeys(m.sourceVersion, "x86_64");
  const cache = kernelCacheDir();
  const dir = `${cache}/build-x86_64-fastio-${k.variants.fastio}`;
  const base = `${cache}/build-x86_64-${k.kernel}`;
  const initBin = `${base}/liveinit-${k.liveInit}`;
  for (const p of [`${dir}/DONE`, initBin, `${base}/gen_init_cpio`]) {
    if (!(await exists(p))) return `${p} not built`;
  }
  const qemu = await new Deno.Command("qemu-system-x86_64", { args: ["--version"] }).output()
    .then((o) => o.success, () => false);
  if (!qemu) return "no qemu-system-x86_64";
  return {
    abi: "x86_64",
    variant: "fastio",
    bzImage: `${dir}/bzImage`,
    initBin,
    genInitCpio: `${base}/gen_init_cpio`,
    sourceVersion: m.sourceVersion,
    kernelRelease: (await Deno.readTextFile(`${dir}/kernelrelease`)).trim(),
    kernelKey: k.variants.fastio,
    key: k.liveInit,
    dir,
  };
}

const build = await cachedBuild();
const ignore = typeof build === "string";
if (ignore) console.error(`live_kernel_test: skipped (${build})`);
const KERNEL = { major: 6, minor: 1, patch: 192 };

Deno.test({
  name:
    "live kernel: 400 golden cases in two boots agree with the reference on every defined value",
  ignore,
  async fn() {
    const cases = goldenCases("x86_64", KERNEL).filter((_, i) => i % 4 === 0).slice(0, 400);
    const runs = caseRuns(cases);
    const t = new LiveKernelTestee("x86_64", {
      build: build as KernelBuild,
      log: () => {},
      maxPerBoot: 300,
    });
    await t.start();
    const outcomes: Outcome[] = [];
    await t.run(runs.map(requestOf), (i, o) => (outcomes[i] = o));
    await t.close();
    assertEquals(outcomes.filter(Boolean).length, runs.length);
    const statuses = runs.map((r, i) => compare(r, expectedOf(r), outcomes[i]!).status);
    const bad = statuses.map((s, i) => [s, runs[i]!.rid]).filter(([s]) => s !== "pass");
    assertEquals(bad, []);
  },
});

Deno.test({
  name: "live kernel: a boot killed before its results is unfinished, never a pass",
  ignore,
  async fn() {
    const cases = bundleCases(goldenCases("x86_64", KERNEL).slice(0, 50));
    const run = await runLiveKernel("x86_64", cases, {
      build: build as KernelBuild,
      // 1 ms: no host boots a kernel that fast, however quick its CPU.
      timeoutMs: 1,
    });
    assert(run.timedOut && !run.complete);
    assert(run.restarts.size < cases.length);
  },
});
