/**
 * `deno task capture [x86_64|i386|all]`: builds the patched kernel (cached),
 * boots it three times per ABI — `init_on_alloc=1` ("zeroed"),
 * `init_on_alloc=0 page_poison=1 slub_debug=P` ("poisoned"), and the EAGAIN
 * spin under a host timeout — and rewrites `golden/data/kernel-<abi>/` and
 * `golden/MANIFEST.json`. It prints the agreement with the reference and the
 * definedness numbers, and exits 1 when a defined value disagrees.
 *
 * @module
 */
import { toHex } from "../reference/bytes.ts";
import { restart } from "../reference/restart.ts";
import type { KernelVersion } from "../reference/types.ts";
import {
  bundleCases,
  bundleHash,
  GOLDEN_DATA,
  goldenCases,
  type Manifest,
  MANIFEST_PATH,
  readManifest,
  requestKey,
  type StoredRestarts,
  storeResult,
} from "./golden.ts";
import { runKernel } from "./boot.ts";
import {
  buildKeys,
  ensureKernel,
  isKernelAbi,
  KERNEL_ABIS,
  type KernelAbi,
} from "./kernel_build.ts";
import { verifyCheckpoint } from "./scenarios.ts";
import { type KernelRestartResult, type KernelRun, versionFromRelease } from "./serial.ts";

/** The boots of a capture: name and kernel command line. */
export const BOOTS = [
  ["zeroed", "init_on_alloc=1"],
  ["poisoned", "init_on_alloc=0 page_poison=1 slub_debug=P"],
] as const;

/** Definedness numbers of one ABI's capture. */
export interface Definedness {
  /** Comm bytes the reference calls undefined, over all cases. */
  undefinedCommBytes: number;
  /** Of those, how many differ between the two boots. */
  undefinedCommBytesChanged: number;
  /** Outcomes whose ret the reference calls undefined. */
  undefinedRet: number;
  /** Of those, how many differ between the boots. */
  undefinedRetChanged: number;
  /** Outcomes whose bytes consumed the reference calls undefined. */
  undefinedConsumed: number;
  /** Of those, how many differ between the boots. */
  undefinedConsumedChanged: number;
  /** Defined values that differ between the boots (must be 0). */
  definedChanged: string[];
  /** Defined values where a boot disagrees with the reference (must be 0). */
  disagreements: string[];
}

/** Compares both boots with the reference on every case. */
export function assess(
  cases: ReturnType<typeof goldenCases>,
  boots: Record<"zeroed" | "poisoned", Map<string, KernelRestartResult>>,
): Definedness {
  const d: Definedness = {
    undefinedCommBytes: 0,
    undefinedCommBytesChanged: 0,
    undefinedRet: 0,
    undefinedRetChanged: 0,
    undefinedConsumed: 0,
    undefinedConsumedChanged: 0,
    definedChanged: [],
    disagreements: [],
  };
  for (const c of cases) {
    const z = boots.zeroed.get(c.id);
    const p = boots.poisoned.get(c.id);
    if (!z || !p) {
      d.disagreements.push(`${c.id}: no result`);
      continue;
    }
    const o = restart(c.image, c.env, "seed");
    const check = (what: string, defined: boolean, model: number, a: number, b: number) => {
      if (!defined) return;
      if (a !== b) d.definedChanged.push(`${c.id} ${what}: zeroed ${a}, poisoned ${b}`);
      if (a !== model) d.disagreements.push(`${c.id} ${what}: reference ${model}, kernel ${a}`);
    };
    check("ret", o.ret.defined, o.ret.defined ? o.ret.value : 0, z.ret, p.ret);
    check(
      "consumed",
      o.consumed.defined,
      o.consumed.defined ? o.consumed.value : 0,
      z.consumed,
      p.consumed,
    );
    check("counter", true, o.counter - (c.env.counter ?? 0), z.counterDelta, p.counterDelta);
    for (let i = 0; i < 16; i++) {
      check(`comm[${i}]`, o.commDefined[i]!, o.comm[i]!, z.comm[i]!, p.comm[i]!);
      if (!o.commDefined[i]) {
        d.undefinedCommBytes++;
        if (z.comm[i] !== p.comm[i]) d.undefinedCommBytesChanged++;
      }
    }
    if (!o.ret.defined) {
      d.undefinedRet++;
      if (z.ret !== p.ret) d.undefinedRetChanged++;
    }
    if (!o.consumed.defined) {
      d.undefinedConsumed++;
      if (z.consumed !== p.consumed) d.undefinedConsumedChanged++;
    }
  }
  return d;
}

async function qemuVersion(): Promise<string> {
  const out = await new Deno.Command("qemu-system-x86_64", { args: ["--version"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n")[0]!.trim();
}

/** Captures one ABI; returns its manifest entry and whether everything agreed. */
async function captureAbi(
  abi: KernelAbi,
): Promise<
  {
    entry: Manifest["abis"][string];
    kernel: KernelVersion;
    sourceVersion: string;
    kernelRelease: string;
    ok: boolean;
  }
> {
  const out = `${GOLDEN_DATA}kernel-${abi}`;
  await Deno.mkdir(out, { recursive: true });
  const build = await ensureKernel(abi);
  const kernel = versionFromRelease(build.kernelRelease);
  const cases = goldenCases(abi, kernel);
  const runs: Partial<Record<"zeroed" | "poisoned", KernelRun>> = {};
  for (const [name, bootArgs] of BOOTS) {
    const r = await runKernel(abi, {
      build,
      restartCases: bundleCases(cases),
      scenarios: true,
      bootArgs,
    });
    if (!r.complete) {
      throw new Error(`${abi} ${name}: the boot did not complete (see ${r.consoleLog})`);
    }
    runs[name] = r;
    await Deno.copyFile(r.serialLog, `${out}/${name}.data.log`);
    console.error(
      `${abi} ${name}: ${r.bootMs} ms, ${r.checkpoints.length} checkpoint scenarios, ${r.restarts.size} restarts`,
    );
  }
  const zeroed = runs.zeroed!;
  const poisoned = runs.poisoned!;
  const spin = await runKernel(abi, { build, bootArgs: "crmode=spin", timeoutMs: 20000 });
  await Deno.copyFile(spin.serialLog, `${out}/spin.data.log`);

  const definedness = assess(cases, { zeroed: zeroed.restarts, poisoned: poisoned.restarts });
  const problems = [...zeroed.checkpoints, ...poisoned.checkpoints].map((o) =>
    verifyCheckpoint(abi, o)
  ).filter((c) => c.problems.length);
  const results: Record<string, StoredRestarts["results"][string]> = {};
  for (const c of cases) {
    results[requestKey(c)] = {
      id: c.id,
      zeroed: storeResult(zeroed.restarts.get(c.id)!),
      poisoned: storeResult(poisoned.restarts.get(c.id)!),
    };
  }
  const stored: StoredRestarts = { abi, kernel, results };
  await Deno.writeTextFile(
    `${out}/restarts.json`,
    JSON.stringify(stored, null, 0).replace(/\],"/g, '],\n"') + "\n",
  );
  const checkpoints = zeroed.checkpoints.map((o) => ({
    name: o.name,
    ret: o.ret,
    written: o.written,
    image: toHex(o.image),
    commRequested: toHex(o.commRequested),
    commReported: toHex(o.commReported),
    time: o.time,
    pid: o.pid,
    pos: o.pos,
    stat: o.stat,
    uname: {
      release: toHex(o.uname.release),
      version: toHex(o.uname.version),
      machine: toHex(o.uname.machine),
    },
  }));
  await Deno.writeTextFile(`${out}/checkpoints.json`, JSON.stringify(checkpoints, null, 1) + "\n");
  const summary = {
    abi,
    kernel,
    bootMs: { zeroed: zeroed.bootMs, poisoned: poisoned.bootMs, spin: spin.bootMs },
    restartCases: cases.length,
    checkpointScenarios: zeroed.checkpoints.length,
    checkpointProblems: problems,
    definedness,
    findings: [...zeroed.findings, ...spin.findings].map((f) => ({
      name: f.name,
      what: f.what,
      values: f.values,
    })),
    spin: { timedOut: spin.timedOut, complete: spin.complete },
    qemu: zeroed.qemuArgs,
  };
  await Deno.writeTextFile(`${out}/summary.json`, JSON.stringify(summary, null, 1) + "\n");
  const keys = await buildKeys(build.sourceVersion, abi);
  console.log(
    `${abi}: ${cases.length} restart cases, ${definedness.disagreements.length} disagreements, ` +
      `${definedness.definedChanged.length} defined values changed between boots; undefined comm bytes changed ` +
      `${definedness.undefinedCommBytesChanged}/${definedness.undefinedCommBytes}, undefined ret changed ` +
      `${definedness.undefinedRetChanged}/${definedness.undefinedRet}; ${zeroed.checkpoints.length} checkpoint scenarios, ` +
      `${problems.length} with problems; spin ${
        spin.timedOut ? "hung until the host timeout" : "returned"
      }`,
  );
  for (const line of [...definedness.disagreements, ...definedness.definedChanged].slice(0, 20)) {
    console.log(`  ${line}`);
  }
  for (const p of problems) console.log(`  checkpoint ${p.name}: ${p.problems.join("; ")}`);
  const ok = !definedness.disagreements.length && !definedness.definedChanged.length &&
    problems.every((p) => p.portDivergence !== undefined);
  return {
    entry: {
      kernelKey: keys.kernel,
      initKey: keys.init,
      bundle: bundleHash(cases),
      cases: cases.length,
    },
    kernel,
    sourceVersion: build.sourceVersion,
    kernelRelease: build.kernelRelease,
    ok,
  };
}

if (import.meta.main) {
  const which = Deno.args[0] ?? "all";
  if (which !== "all" && !isKernelAbi(which)) {
    console.error(`usage: deno task capture [${[...KERNEL_ABIS, "all"].join("|")}]`);
    Deno.exit(2);
  }
  const abis: readonly KernelAbi[] = which === "all" ? KERNEL_ABIS : [which as KernelAbi];
  const old = await readManifest();
  const entries: Record<string, Manifest["abis"][string]> = { ...(old?.abis ?? {}) };
  let ok = true;
  let last: Awaited<ReturnType<typeof captureAbi>> | undefined;
  for (const abi of abis) {
    last = await captureAbi(abi);
    entries[abi] = last.entry;
    ok &&= last.ok;
  }
  const manifest: Manifest = {
    capturedAt: new Date().toISOString().slice(0, 10),
    sourceVersion: last!.sourceVersion,
    kernelRelease: last!.kernelRelease,
    kernel: last!.kernel,
    qemu: await qemuVersion(),
    abis: entries,
  };
  await Deno.writeTextFile(MANIFEST_PATH, JSON.stringify(manifest, null, 2) + "\n");
  console.log(`wrote ${MANIFEST_PATH}`);
  Deno.exit(ok ? 0 : 1);
}
