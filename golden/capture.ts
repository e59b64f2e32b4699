/**
 * `deno task capture [x86_64|i386|all]`: builds the patched kernel and its
 * `stackpattern` variant (cached), boots each ABI once per {@link BOOTS}
 * entry — `init_on_alloc=1` ("zeroed"), `init_on_alloc=0 page_poison=1
 * slub_debug=P` ("poisoned"), the `INIT_STACK_ALL_PATTERN` kernel with
 * `init_on_alloc=1` ("stackpattern") — plus the EAGAIN spin under a host
 * timeout, and rewrites `golden/data/kernel-<abi>/` and
 * `golden/MANIFEST.json`. Everything it writes is a function of the inputs
 * (no paths, no dates, no host timings), so a capture from another checkout
 * gives identical files. It streams what it is doing (phases with elapsed
 * time, apt, build progress every 30 s), prints the agreement with the
 * reference and the definedness numbers, and exits 1 when a defined value
 * disagrees or changes between boots.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { toHex } from "../reference/bytes.ts";
import { restart } from "../reference/restart.ts";
import type { KernelVersion, UndefinedSource } from "../reference/types.ts";
import {
  BOOT_NAMES,
  type BootName,
  BOOTS,
  bundleCases,
  bundleHash,
  GOLDEN_DATA,
  goldenCases,
  type Manifest,
  MANIFEST_PATH,
  type ManifestAbi,
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
  type KernelBuild,
  type KernelVariant,
} from "./kernel_build.ts";
import { formatElapsed } from "./run.ts";
import { verifyCheckpoint } from "./scenarios.ts";
import { type KernelRestartResult, type KernelRun, versionFromRelease } from "./serial.ts";

export { BOOTS };

/** The kinds of value a restart outcome can leave undefined. */
export const VALUE_KINDS = ["comm", "ret", "consumed"] as const;
/** A kind of restart value: a comm byte, the return value, the bytes consumed. */
export type ValueKind = (typeof VALUE_KINDS)[number];
/** Where the seed takes an undefined value from, in a stable order. */
export const SOURCES: readonly UndefinedSource[] = ["stack", "page", "kmalloc"];
/** Counts per kind of value and per source of undefinedness. */
export type Counts = Record<ValueKind, Record<UndefinedSource, number>>;

/** Definedness numbers of one ABI's capture. */
export interface Definedness {
  /** Values the reference calls undefined (comm bytes, rets, bytes consumed), by source. */
  undefined: Counts;
  /**
   * Of those, how many differ from the "zeroed" boot: in the "poisoned" boot,
   * in the "stackpattern" boot, and in either.
   */
  changed: Record<Exclude<BootName, "zeroed"> | "any", Counts>;
  /** Defined values that differ between boots (must be empty). */
  definedChanged: string[];
  /** Defined values where a boot disagrees with the reference (must be empty). */
  disagreements: string[];
}

const counts = (): Counts =>
  Object.fromEntries(
    VALUE_KINDS.map((k) => [k, Object.fromEntries(SOURCES.map((s) => [s, 0]))]),
  ) as Counts;

/** Sum over the sources of one kind. */
export function total(c: Counts, kind: ValueKind): number {
  return SOURCES.reduce((n, s) => n + c[kind][s], 0);
}

/**
 * Compares every boot with the reference on every case: each value the
 * reference calls defined must equal it in every boot; each value it calls
 * undefined is counted, by source, and whether it changed from the zeroed
 * boot.
 */
export function assess(
  cases: ReturnType<typeof goldenCases>,
  boots: Record<BootName, ReadonlyMap<string, KernelRestartResult>>,
): Definedness {
  const d: Definedness = {
    undefined: counts(),
    changed: { poisoned: counts(), stackpattern: counts(), any: counts() },
    definedChanged: [],
    disagreements: [],
  };
  for (const c of cases) {
    const rs = BOOT_NAMES.map((b) => [b, boots[b]?.get(c.id)] as const);
    const missing = rs.filter(([, r]) => !r).map(([b]) => b);
    if (missing.length) {
      d.disagreements.push(`${c.id}: no result in ${missing.join(", ")}`);
      continue;
    }
    const got = rs as readonly (readonly [BootName, KernelRestartResult])[];
    const o = restart(c.image, c.env, "seed");
    const value = (
      what: string,
      kind: ValueKind,
      source: UndefinedSource | undefined,
      model: number,
      of: (r: KernelRestartResult) => number,
    ) => {
      const [z, ...others] = got.map(([b, r]) => [b, of(r)] as const);
      if (source === undefined) {
        for (const [b, v] of got.map(([b, r]) => [b, of(r)] as const)) {
          if (v !== model) d.disagreements.push(`${c.id} ${what}: reference ${model}, ${b} ${v}`);
        }
        for (const [b, v] of others) {
          if (v !== z![1]) d.definedChanged.push(`${c.id} ${what}: zeroed ${z![1]}, ${b} ${v}`);
        }
        return;
      }
      d.undefined[kind][source]++;
      let any = false;
      for (const [b, v] of others) {
        if (v !== z![1]) {
          d.changed[b as Exclude<BootName, "zeroed">][kind][source]++;
          any = true;
        }
      }
      if (any) d.changed.any[kind][source]++;
    };
    value(
      "ret",
      "ret",
      o.ret.defined ? undefined : o.ret.source,
      o.ret.defined ? o.ret.value : 0,
      (r) => r.ret,
    );
    value(
      "consumed",
      "consumed",
      o.consumed.defined ? undefined : o.consumed.source,
      o.consumed.defined ? o.consumed.value : 0,
      (r) => r.consumed,
    );
    value("counter", "ret", undefined, o.counter - (c.env.counter ?? 0), (r) => r.counterDelta);
    for (let i = 0; i < 16; i++) {
      const src = o.commDefined[i] ? undefined : (o.commSource[i] ?? "stack");
      value(`comm[${i}]`, "comm", src, o.comm[i]!, (r) => r.comm[i]!);
    }
  }
  return d;
}

/** One line per kind: `comm 570/13306 (stack 0/…, page …, kmalloc …)` for a boot's changes. */
export function describeChanges(d: Definedness, boot: keyof Definedness["changed"]): string {
  return VALUE_KINDS.map((k) =>
    `${k} ${total(d.changed[boot], k)}/${total(d.undefined, k)} (` +
    SOURCES.map((s) => `${s} ${d.changed[boot][k][s]}/${d.undefined[k][s]}`).join(", ") + ")"
  ).join("; ");
}

async function qemuVersion(): Promise<string> {
  const out = await new Deno.Command("qemu-system-x86_64", { args: ["--version"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n")[0]!.trim();
}

async function sha256File(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

/** Captures one ABI; returns its manifest entry and whether everything agreed. */
async function captureAbi(
  abi: KernelAbi,
  log: (m: string) => void,
): Promise<
  {
    entry: ManifestAbi;
    kernel: KernelVersion;
    sourceVersion: string;
    kernelRelease: string;
    ok: boolean;
  }
> {
  const out = `${GOLDEN_DATA}kernel-${abi}`;
  await Deno.mkdir(out, { recursive: true });
  const builds = new Map<KernelVariant, KernelBuild>();
  for (const b of BOOTS) {
    if (builds.has(b.variant)) continue;
    log(`${abi}: kernel ${b.variant} (cached when built before)`);
    builds.set(b.variant, await ensureKernel(abi, { variant: b.variant, log }));
  }
  const base = builds.get("base")!;
  for (const [v, b] of builds) {
    if (b.kernelRelease !== base.kernelRelease) {
      throw new Error(
        `${abi}: the ${v} kernel is ${b.kernelRelease}, the base ${base.kernelRelease}`,
      );
    }
  }
  const kernel = versionFromRelease(base.kernelRelease);
  const cases = goldenCases(abi, kernel);
  const runs = {} as Record<BootName, KernelRun>;
  const bootMs: Record<string, number> = {};
  for (const b of BOOTS) {
    log(
      `${abi} ${b.name}: booting the ${b.variant} kernel (${b.args}) with ${cases.length} restart cases and the checkpoint scenarios`,
    );
    const r = await runKernel(abi, {
      build: builds.get(b.variant)!,
      restartCases: bundleCases(cases),
      scenarios: true,
      bootArgs: b.args,
    });
    if (!r.complete) {
      throw new Error(`${abi} ${b.name}: the boot did not complete (see ${r.consoleLog})`);
    }
    runs[b.name] = r;
    bootMs[b.name] = r.bootMs;
    await Deno.copyFile(r.serialLog, `${out}/${b.name}.data.log`);
    log(
      `${abi} ${b.name}: ${
        formatElapsed(r.bootMs)
      }, ${r.checkpoints.length} checkpoint scenarios, ${r.restarts.size} restarts`,
    );
  }
  const zeroed = runs.zeroed;
  log(`${abi} spin: booting (the EAGAIN spin never returns; QEMU is killed after 20 s)`);
  const spin = await runKernel(abi, { build: base, bootArgs: "crmode=spin", timeoutMs: 20000 });
  bootMs.spin = spin.bootMs;
  await Deno.copyFile(spin.serialLog, `${out}/spin.data.log`);

  const definedness = assess(
    cases,
    Object.fromEntries(BOOT_NAMES.map((b) => [b, runs[b].restarts])) as Record<
      BootName,
      Map<string, KernelRestartResult>
    >,
  );
  const problems = BOOT_NAMES.flatMap((b) =>
    runs[b].checkpoints.map((o) => ({ boot: b, ...verifyCheckpoint(abi, o) }))
  ).filter((c) => c.problems.length);
  const results: Record<string, StoredRestarts["results"][string]> = {};
  for (const c of cases) {
    results[requestKey(c)] = {
      id: c.id,
      ...Object.fromEntries(BOOT_NAMES.map((b) => [b, storeResult(runs[b].restarts.get(c.id)!)])),
    } as StoredRestarts["results"][string];
  }
  const stored: StoredRestarts = { abi, kernel, results };
  await Deno.writeTextFile(
    `${out}/restarts.json`,
    JSON.stringify(stored, null, 0).replace(/\]\},"/g, ']},\n"') + "\n",
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
    boots: Object.fromEntries(
      BOOTS.map((b) => [b.name, { kernel: b.variant, args: b.args }]),
    ),
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
    qemu: zeroed.qemuCommand,
  };
  await Deno.writeTextFile(`${out}/summary.json`, JSON.stringify(summary, null, 1) + "\n");
  const keys = await buildKeys(base.sourceVersion, abi);
  const buildHashes: Record<string, string> = {};
  for (const [v, b] of builds) buildHashes[`bzImage-${v}`] = await sha256File(b.bzImage);
  buildHashes.init = await sha256File(base.initBin);
  console.log(
    `${abi}: ${cases.length} restart cases, ${definedness.disagreements.length} disagreements with the reference, ` +
      `${definedness.definedChanged.length} defined values changed between boots; ` +
      `${zeroed.checkpoints.length} checkpoint scenarios, ${problems.length} with problems; spin ${
        spin.timedOut ? "hung until the host timeout" : "returned"
      }; boots ${Object.entries(bootMs).map(([b, ms]) => `${b} ${formatElapsed(ms)}`).join(", ")}`,
  );
  for (const b of ["poisoned", "stackpattern", "any"] as const) {
    console.log(`  undefined values changed, ${b}: ${describeChanges(definedness, b)}`);
  }
  for (const line of [...definedness.disagreements, ...definedness.definedChanged].slice(0, 20)) {
    console.log(`  ${line}`);
  }
  for (const p of problems) {
    console.log(`  checkpoint ${p.boot} ${p.name}: ${p.problems.join("; ")}`);
  }
  const ok = !definedness.disagreements.length && !definedness.definedChanged.length &&
    problems.every((p) => p.portDivergence !== undefined);
  return {
    entry: {
      kernelKey: keys.kernel,
      initKey: keys.init,
      variantKeys: Object.fromEntries(
        [...builds.keys()].filter((v) => v !== "base").map((v) => [v, keys.variants[v]]),
      ),
      bundle: bundleHash(cases),
      cases: cases.length,
      builds: buildHashes,
    },
    kernel,
    sourceVersion: base.sourceVersion,
    kernelRelease: base.kernelRelease,
    ok,
  };
}

if (import.meta.main) {
  const which = Deno.args[0] ?? "all";
  if (which !== "all" && !isKernelAbi(which)) {
    console.error(`usage: deno task capture [${[...KERNEL_ABIS, "all"].join("|")}]`);
    Deno.exit(2);
  }
  const t0 = Date.now();
  const log = (m: string) => console.error(`[${formatElapsed(Date.now() - t0).padStart(6)}] ${m}`);
  const abis: readonly KernelAbi[] = which === "all" ? KERNEL_ABIS : [which as KernelAbi];
  const old = await readManifest();
  const entries: Record<string, ManifestAbi> = { ...(old?.abis ?? {}) };
  let ok = true;
  let last: Awaited<ReturnType<typeof captureAbi>> | undefined;
  for (const abi of abis) {
    const ta = Date.now();
    last = await captureAbi(abi, log);
    log(`${abi}: captured in ${formatElapsed(Date.now() - ta)}`);
    entries[abi] = last.entry;
    ok &&= last.ok;
  }
  const manifest: Manifest = {
    sourceVersion: last!.sourceVersion,
    kernelRelease: last!.kernelRelease,
    kernel: last!.kernel,
    qemu: await qemuVersion(),
    abis: Object.fromEntries(KERNEL_ABIS.filter((a) => entries[a]).map((a) => [a, entries[a]!])),
  };
  await Deno.writeTextFile(MANIFEST_PATH, JSON.stringify(manifest, null, 2) + "\n");
  console.log(`wrote golden/MANIFEST.json and golden/data/ (${formatElapsed(Date.now() - t0)})`);
  Deno.exit(ok ? 0 : 1);
}
