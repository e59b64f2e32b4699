/**
 * Tests of what the live kernel is given, without booting: retargeted cases
 * a kernel can take on, the bundle they make, the fastio variant and the
 * live init kept out of every capture key, guest memory for a bundle.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { readField } from "../reference/bytes.ts";
import { layoutOf } from "../reference/layout.ts";
import { restart } from "../reference/restart.ts";
import { fuzzRestartCase } from "../cases/fuzz.ts";
import { featuresOf } from "../protocol/codec.ts";
import { caseRuns, generatedCases } from "../cases/suite.ts";
import type { RestartCase } from "../cases/types.ts";
import { BUNDLE_HEADER_SIZE, bundleEntrySize, encodeBundle, prctlCanSet } from "./bundle.ts";
import { bundleCases, goldenCases, readManifest } from "./golden.ts";
import { buildKeys, KERNEL_VARIANTS, type KernelBuild, recipeFiles } from "./kernel_build.ts";
import { LiveKernelTestee } from "./live_testee.ts";
import { conforms, runImpl } from "../harness/runner.ts";
import { liveMemoryMiB } from "./live_boot.ts";
import { kernelFuzzCase, liveKernelCases, prctlComm, retargetRestart } from "./live_cases.ts";

const K = { major: 6, minor: 1, patch: 192 };
const sameK = (v: { major: number; minor: number; patch: number }) =>
  v.major === 6 && v.minor === 1 && v.patch === 192;

function headVersion(c: RestartCase) {
  const l = layoutOf(c.abi);
  const at = (n: string) => Number(readField(c.image, l.HEAD.byName[n]!, l.abi.endian, l.HDR.size));
  return { major: at("major"), minor: at("minor"), patch: at("patch") };
}

Deno.test("retargetRestart: a generated restart moves onto the kernel, image and side together", () => {
  for (const abi of ["x86_64", "i386"] as const) {
    for (const c of generatedCases(abi, 1, 8).filter((c) => c.op === "restart")) {
      const r = c as RestartCase;
      const t = retargetRestart(r, K);
      assert(sameK(t.env.kernel) && sameK(headVersion(t)) && prctlCanSet(t.env.comm));
      // The version fields are the only bytes that change, and the outcome stays the same.
      assertEquals(t.image.length, r.image.length);
      const before = restart(r.image, r.env, "seed"), after = restart(t.image, t.env, "seed");
      assertEquals(after.ret, before.ret);
      assertEquals(after.consumed, before.consumed);
    }
  }
});

Deno.test("retargetRestart: a version mismatch stays a mismatch; a case already fit is untouched", () => {
  const c = generatedCases("x86_64", 1, 1)[1] as RestartCase;
  const mismatch = { ...c, env: { ...c.env, kernel: { major: 2, minor: 6, patch: 26 } } };
  const t = retargetRestart(mismatch, K);
  assert(sameK(t.env.kernel) && !sameK(headVersion(t)));
  assertEquals(t.image, c.image);
  const fit = retargetRestart(t, K);
  assert(fit === t);
});

Deno.test("prctlComm: up to the first NUL, at most 15 bytes", () => {
  const c = new Uint8Array(16).fill(0x41);
  assertEquals([...prctlComm(c)], [...new Uint8Array(15).fill(0x41), 0]);
  c[3] = 0;
  assertEquals([...prctlComm(c)], [0x41, 0x41, 0x41, ...new Uint8Array(13)]);
});

Deno.test("kernelFuzzCase: every case runnable by the kernel, deterministic, its own ids", () => {
  for (const abi of ["x86_64", "i386"] as const) {
    let rewritten = 0;
    for (let i = 0; i < 400; i++) {
      const c = kernelFuzzCase(1, i, abi, K);
      assert(sameK(c.env.kernel) && prctlCanSet(c.env.comm), c.id);
      assertEquals(c.id, `restart/${abi}/kfuzz/s1-${String(i).padStart(6, "0")}`);
      assertEquals(c.profiles, ["seed"]);
      const g = fuzzRestartCase(1, i, abi);
      if (c.image.some((b, j) => b !== g.image[j])) rewritten++;
    }
    // Most fuzzed images keep a HEAD with the restarting side's version: they are moved too.
    assert(rewritten > 200, `${abi}: ${rewritten} of 400 images retargeted`);
    assertEquals(kernelFuzzCase(1, 7, abi, K), kernelFuzzCase(1, 7, abi, K));
  }
});

Deno.test("liveKernelCases: the golden set first, then families, regressions, generated and fuzz; all runnable, ids unique, one bundle", () => {
  for (const abi of ["x86_64", "i386"] as const) {
    const named = goldenCases(abi, K);
    const cs = liveKernelCases(abi, K, named, { seed: 1, cases: 4, fuzz: 50 });
    assertEquals(cs.slice(0, named.length), named);
    assertEquals(new Set(cs.map((c) => c.id)).size, cs.length);
    assert(cs.every((c) => sameK(c.env.kernel) && prctlCanSet(c.env.comm)));
    // The fuzz cases that need a protocol feature (a file that behaves, or one without a read
    // method) are left out: the kernel's testee declares none.
    const plain = Array.from({ length: 50 }, (_, i) => fuzzRestartCase(1, i, abi))
      .filter((c) => featuresOf(c.env).length === 0).length;
    assert(plain > 25 && plain < 50, `${abi}: ${plain} of 50 fuzz cases need no feature`);
    assertEquals(cs.filter((c) => c.id.includes("/kfuzz/")).length, plain);
    assert(cs.every((c) => featuresOf(c.env).length === 0));
    assertEquals(cs.filter((c) => c.id.includes("/gen/")).length, 4);
    assert(cs.length > named.length + 2000, `${abi}: ${cs.length}`);
    encodeBundle(bundleCases(cs));
  }
});

Deno.test("fastio: the variant, the live init and their files are outside every capture key", async () => {
  assertEquals(KERNEL_VARIANTS.fastio.fragment, "config.fastio");
  const files = await recipeFiles();
  for (const f of ["config.fastio", "liveinit.c", "build-liveinit.sh", "LIVE.md"]) {
    assert(!files.includes(f), f);
  }
  const m = await readManifest();
  assert(m, "no MANIFEST.json");
  for (const abi of ["x86_64", "i386"] as const) {
    const k = await buildKeys(m.sourceVersion, abi);
    assertEquals(k.kernel, m.abis[abi]!.kernelKey);
    assertEquals(k.init, m.abis[abi]!.initKey);
    assert(k.liveInit !== k.init && k.variants.fastio !== k.variants.stackpattern);
  }
});

Deno.test("liveMemoryMiB: 128 MiB for small bundles, room for the initramfs twice for large ones", () => {
  assertEquals(liveMemoryMiB(0), 128);
  assertEquals(liveMemoryMiB(10 << 20), 128);
  assertEquals(liveMemoryMiB(50 << 20), 256);
  assert(liveMemoryMiB(200 << 20) >= 96 + 400);
});

Deno.test("bundleEntrySize() is what encodeBundle() writes per case (the live testee splits batches by it)", () => {
  const comm = new Uint8Array(16);
  comm.set(new TextEncoder().encode("init"));
  const cases = [0, 7, 123, 99999].map((i) => ({
    id: String(i),
    commBefore: comm,
    image: new Uint8Array(i % 500),
  }));
  const want = cases.reduce(
    (n, c) => n + bundleEntrySize(c.id.length, c.image.length),
    BUNDLE_HEADER_SIZE,
  );
  assertEquals(encodeBundle(cases).length, want);
  // By hand: the header, then 31 fixed bytes per case, the id and the image.
  assertEquals(want, 12 + 4 * 31 + (1 + 1 + 3 + 5) + (0 + 7 + 123 + 99999 % 500));
});

Deno.test("a live kernel whose boot cannot be made: every case a crash, and it does not conform", async () => {
  // gen_init_cpio is `false`: the initramfs cannot be written, as when a build is broken.
  // The failed run's folder is kept for a look: in a cache of its own.
  const tmp = await Deno.makeTempDir();
  try {
    const build: KernelBuild = {
      abi: "x86_64",
      variant: "fastio",
      bzImage: `${tmp}/bzImage`,
      initBin: `${tmp}/init`,
      genInitCpio: "/bin/false",
      sourceVersion: "6.1.0-1",
      kernelRelease: "6.1.0",
      kernelKey: "none",
      key: "none",
    } as KernelBuild;
    await Deno.writeFile(build.initBin, new Uint8Array(8));
    const kernel = { major: 6, minor: 1, patch: 0 };
    const runs = caseRuns(
      goldenCases("x86_64", kernel).filter((c) => c.op === "restart").slice(0, 20),
    );
    const rep = await runImpl(
      new LiveKernelTestee("x86_64", { build, log: () => {}, cacheDir: tmp }),
      runs,
    );
    assert(rep.results.length === 20);
    assert(rep.results.every((r) => r.status === "crash"), rep.results.map((r) => r.status).join());
    assert(rep.results.every((r) => /gen_init_cpio failed/.test(r.detail ?? "")));
    assert(!conforms(rep));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
