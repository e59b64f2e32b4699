/**
 * The golden kernel captures as an implementation: which cases a real kernel
 * can run, how its results are stored and keyed, the manifest that ties
 * them to the inputs that produced them, and the recorded results as a
 * testee (`golden-<abi>`, run by default; the live kernel, `kernel-<abi>`,
 * is `live_testee.ts`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { fromHex, toHex } from "../reference/bytes.ts";
import type { AbiName } from "../reference/layout.ts";
import type { KernelVersion, RestartFileKind } from "../reference/types.ts";
import { InputError } from "../reference/errors.ts";
import { namedCases } from "../cases/suite.ts";
import type { RestartCase } from "../cases/types.ts";
import { featuresOf, type Hello, PROTOCOL_VERSION, type Request } from "../protocol/codec.ts";
import { requestBody } from "../protocol/encode.ts";
import { type Outcome, SetupError, type Testee } from "../protocol/testee.ts";
import { type BundleCase, type BundleFdKind, encodeBundle, prctlCanSet } from "./bundle.ts";
import { buildKeys, KERNEL_ABIS, type KernelAbi, type KernelVariant } from "./kernel_build.ts";
import type { KernelRestartResult } from "./serial.ts";

/** Where the captures live. */
export const GOLDEN_DATA: string = new URL("./data/", import.meta.url).pathname;
/** The manifest's path. */
export const MANIFEST_PATH: string = new URL("./MANIFEST.json", import.meta.url).pathname;
/** The ABIs captured. */
export const GOLDEN_ABIS: readonly KernelAbi[] = KERNEL_ABIS;

/**
 * The boots of a capture, each on every case and scenario: name, kernel
 * configuration, kernel command line. They differ only in what never-written
 * memory holds: "zeroed" zeroes new pages and slab objects; "poisoned" fills
 * freed pages and slab objects with poison (`0x6b…a5`); "stackpattern" is a
 * kernel built with `INIT_STACK_ALL_PATTERN` (every stack variable starts as
 * `0xfe` bytes) and zeroed allocations. A value the reference calls defined
 * must be the same in all of them.
 */
export const BOOTS: readonly {
  readonly name: "zeroed" | "poisoned" | "stackpattern";
  readonly variant: KernelVariant;
  readonly args: string;
}[] = Object.freeze(
  [
    { name: "zeroed", variant: "base", args: "init_on_alloc=1" },
    { name: "poisoned", variant: "base", args: "init_on_alloc=0 page_poison=1 slub_debug=P" },
    { name: "stackpattern", variant: "stackpattern", args: "init_on_alloc=1" },
  ] as const,
);
/** A boot of the capture. */
export type BootName = (typeof BOOTS)[number]["name"];
/** The boot names, in order. */
export const BOOT_NAMES: readonly BootName[] = Object.freeze(BOOTS.map((b) => b.name));

/** What a capture was made from. CI recomputes every key and hash and fails when one changed. */
export interface Manifest {
  /** dpkg version of `linux-source-6.1` built. */
  readonly sourceVersion: string;
  /** `make kernelrelease`. */
  readonly kernelRelease: string;
  /** HEAD's version bytes for that kernel. */
  readonly kernel: KernelVersion;
  /** `qemu-system-x86_64 --version`, first line. */
  readonly qemu: string;
  /** Per ABI: recipe keys, the bundle's SHA-256, and what the builds produced. */
  readonly abis: Readonly<Record<string, ManifestAbi>>;
}

/** One ABI's entry in the manifest. */
export interface ManifestAbi {
  /** Key of the base kernel build (port, config.fragment, apply.sh, build.sh, source version). */
  readonly kernelKey: string;
  /** Key of the init build (init.c, build-init.sh, base kernel key). */
  readonly initKey: string;
  /** Kernel keys of the variants (base key + the variant's fragment), e.g. `stackpattern`. */
  readonly variantKeys: Readonly<Record<string, string>>;
  /** SHA-256 of the restart bundle the boots ran. */
  readonly bundle: string;
  /** Number of restart cases. */
  readonly cases: number;
  /**
   * SHA-256 of what the builds produced: each variant's `bzImage` and the
   * init. Not checked without building; a rebuild from any path on the same
   * toolchain gives the same hashes.
   */
  readonly builds: Readonly<Record<string, string>>;
}

/** One case's kernel result in one boot: ret, consumed, comm (hex), counter delta. */
export type StoredResult = [ret: number, consumed: number, comm: string, counterDelta: number];

/** `restarts.json`: results of every boot ({@link BOOTS}), keyed by {@link requestKey}. */
export interface StoredRestarts {
  /** ABI. */
  readonly abi: AbiName;
  /** Kernel version the cases were built for. */
  readonly kernel: KernelVersion;
  /** Results by request key: the case id and the result in each boot. */
  readonly results: Readonly<Record<string, { id: string } & Record<BootName, StoredResult>>>;
}

/**
 * True when a kernel can take on the environment: no optional protocol
 * feature (the kernels' testee declares none: a file that behaves, or one
 * without a read method, needs a real one that does, not wired up yet), its
 * own version, a comm prctl can set.
 */
export function runnable(env: RestartCase["env"], kernel: KernelVersion): boolean {
  const k = env.kernel;
  return featuresOf(env).length === 0 && k.major === kernel.major &&
    k.minor === kernel.minor &&
    k.patch === kernel.patch &&
    prctlCanSet(env.comm);
}

/**
 * The restart cases a real kernel of this version can run: the named,
 * truncation, flip, sweep and shape cases built for that kernel, minus
 * those whose environment a kernel cannot take on (another kernel version,
 * a comm prctl cannot set). The kernel is the seed: they run under the seed
 * profile only.
 */
export function goldenCases(abi: AbiName, kernel: KernelVersion): RestartCase[] {
  return namedCases(abi, { version: kernel })
    .filter((c): c is RestartCase => c.op === "restart" && runnable(c.env, kernel))
    .map((c) => ({ ...c, profiles: ["seed"] }));
}

/** The bundle entries of restart cases (see `golden/recipe/BUNDLE.md`). */
export function bundleCases(
  cases: readonly { id: string; image: Uint8Array; env: RestartCase["env"] }[],
): BundleCase[] {
  return cases.map((c) => ({
    id: c.id,
    commBefore: c.env.comm,
    image: c.image,
    fd: bundleFd(c.id, c.env.file ?? "ok"),
    flags: c.env.flags ?? 0n,
  }));
}

/** A restart case's file as the bundle's testee opens it; throws for one it cannot open. */
function bundleFd(id: string, file: RestartFileKind): BundleFdKind {
  if (file === "no-read") {
    throw new InputError(`${id}: env.file`, "a file the bundle can open", "no-read (see runnable)");
  }
  return file;
}

/** SHA-256 (16 hex digits) of a restart request's content under the seed profile. */
export function requestKey(c: { image: Uint8Array; env: RestartCase["env"] }): string {
  const body = requestBody({ op: "restart", image: c.image, env: c.env, profile: "seed" });
  return createHash("sha256").update(body).digest("hex").slice(0, 16);
}

/** SHA-256 of the bundle a capture of these cases boots with. */
export function bundleHash(cases: readonly RestartCase[]): string {
  return createHash("sha256").update(encodeBundle(bundleCases(cases))).digest("hex");
}

/** Reads the manifest, or undefined when there is no capture. */
export async function readManifest(path = MANIFEST_PATH): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as Manifest;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Reads `restarts.json` of an ABI. */
export async function readRestarts(abi: AbiName): Promise<StoredRestarts> {
  return JSON.parse(
    await Deno.readTextFile(`${GOLDEN_DATA}kernel-${abi}/restarts.json`),
  ) as StoredRestarts;
}

/**
 * What makes the committed capture stale: every recipe key and bundle hash
 * recomputed from the current files and cases and compared with the
 * manifest. Empty when the capture matches the current inputs.
 */
export async function staleness(m: Manifest): Promise<string[]> {
  const out: string[] = [];
  for (const abi of GOLDEN_ABIS) {
    const rec = m.abis[abi];
    if (!rec) {
      out.push(`${abi}: not captured`);
      continue;
    }
    const keys = await buildKeys(m.sourceVersion, abi);
    if (keys.kernel !== rec.kernelKey) {
      out.push(
        `${abi}: the kernel port, config or build scripts changed (key ${rec.kernelKey} → ${keys.kernel})`,
      );
    }
    if (keys.init !== rec.initKey) {
      out.push(`${abi}: the capture init changed (key ${rec.initKey} → ${keys.init})`);
    }
    for (const b of BOOTS) {
      if (b.variant === "base") continue;
      const was = rec.variantKeys?.[b.variant];
      if (keys.variants[b.variant] !== was) {
        out.push(
          `${abi}: the ${b.variant} kernel's config changed (key ${was ?? "none"} → ${
            keys.variants[b.variant]
          })`,
        );
      }
    }
    const cases = goldenCases(abi, m.kernel);
    const hash = bundleHash(cases);
    if (hash !== rec.bundle) {
      out.push(
        `${abi}: the restart cases changed (${rec.cases} captured, ${cases.length} now; bundle ${
          rec.bundle.slice(0, 12)
        } → ${hash.slice(0, 12)})`,
      );
    }
  }
  return out;
}

/** The hello of a kernel testee: restart only, one ABI, the seed profile. */
export const seedHello = (name: string, abi: AbiName): Hello => ({
  protocol: PROTOCOL_VERSION,
  ops: ["restart"],
  name,
  abis: [abi],
  profiles: ["seed"],
});

/** A kernel's restart result as the answer to a request (the counter moved by its delta). */
export function answer(
  r: Request & { op: "restart" },
  k: { ret: number; consumed: number; comm: Uint8Array; counterDelta: number },
): Outcome {
  return {
    status: "answer",
    answer: {
      kind: "restart",
      ret: k.ret,
      consumed: k.consumed,
      counter: (r.env.counter ?? 0) + k.counterDelta,
      comm: k.comm,
    },
  };
}

/** What a kernel testee answers to a checkpoint request. */
export const notACheckpoint: Outcome = {
  status: "unsupported",
  detail: "a kernel checkpoints itself, not a given task state (see golden/ checkpoint scenarios)",
};

/** The committed captures of one ABI, answering as the kernel did (the "zeroed" boot by default). */
export class GoldenTestee implements Testee {
  /** `golden-<abi>`, or `golden-<abi>-<boot>` for another boot. */
  readonly name: string;
  private results = new Map<string, KernelRestartResult>();

  /** Reads the captures of `abi` from `boot`. */
  constructor(readonly abi: AbiName, readonly boot: BootName = "zeroed") {
    this.name = boot === "zeroed" ? `golden-${abi}` : `golden-${abi}-${boot}`;
  }

  /** Loads the captured results. */
  async start(): Promise<Hello> {
    let stored: StoredRestarts;
    try {
      stored = await readRestarts(this.abi);
    } catch (e) {
      throw new SetupError(
        `${this.name}: cannot read the capture (${(e as Error).message}); run deno task capture`,
      );
    }
    for (const [key, v] of Object.entries(stored.results)) {
      if (!v[this.boot]) {
        throw new SetupError(
          `${this.name}: the capture has no ${this.boot} boot; run deno task capture`,
        );
      }
      const [ret, consumed, comm, counterDelta] = v[this.boot];
      this.results.set(key, { ret, consumed, comm: fromHex(comm)!, counterDelta });
    }
    return seedHello(this.name, this.abi);
  }

  /** Answers each request from the capture; a request the kernel never saw is unsupported. */
  run(requests: readonly Request[], onOutcome: (index: number, o: Outcome) => void): Promise<void> {
    requests.forEach((r, i) => {
      if (r.op !== "restart") return onOutcome(i, notACheckpoint);
      const k = this.results.get(requestKey(r));
      onOutcome(i, k ? answer(r, k) : { status: "unsupported", detail: "not in the capture" });
    });
    return Promise.resolve();
  }

  /** Nothing to stop. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Encodes a kernel result for `restarts.json`. */
export function storeResult(k: KernelRestartResult): StoredResult {
  return [k.ret, k.consumed, toHex(k.comm), k.counterDelta];
}
