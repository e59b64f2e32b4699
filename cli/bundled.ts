/**
 * The one registry of implementations bundled in the repository, run by
 * default: the reference model in process, the C implementation and the
 * seed's own code in user space (`seed-c-x86_64`, `seed-c-i386`; built with
 * gcc on first use), and the golden kernel captures (`golden-x86_64`,
 * `golden-i386`) over the cases a real kernel can run. On request
 * (`--kernel`), the live kernels.
 *
 * @module
 */
import type { AbiName } from "../reference/layout.ts";
import type { Case } from "../cases/types.ts";
import type { Cell } from "../harness/cells.ts";
import {
  GOLDEN_ABIS,
  goldenCases,
  GoldenTestee,
  readManifest,
  staleness,
} from "../golden/golden.ts";
import { kernelFuzzCase, liveKernelCases, type LiveSuite } from "../golden/live_cases.ts";
import { LiveKernelTestee } from "../golden/live_testee.ts";
import {
  buildC,
  BuildError,
  buildSeedC,
  haveCSources,
  haveSeedCSources,
} from "../harness/build.ts";
import {
  cc,
  ccM32,
  ccName,
  ccTarget,
  fixFor,
  i386Runner,
  type Unavailability,
} from "../harness/host.ts";

/** The ABIs seed-c is built for: the compiler lays out the seed's structs (`-m64`, `-m32`). */
const SEED_C_ABIS = ["x86_64", "i386"] as const;
import type { ProcessOptions } from "../harness/process_options.ts";
import { ProcessTestee } from "../harness/process_testee.ts";
import { ReferenceTestee } from "../harness/reference_testee.ts";
import { SetupError, type Testee } from "../protocol/testee.ts";

/** A testee and, when it runs its own cases, how to build them. */
export interface Entry {
  /** The implementation. */
  readonly testee: Testee;
  /** Its cases, when not the default suite's (the golden kernel's version differs). */
  readonly cases?: () => Case[];
  /** The cells it will declare, when known before it starts (bundled ones). */
  readonly declares?: readonly Cell[];
  /**
   * Fuzz case `index` of `seed` for it, when the generic fuzz cases do not
   * fit (a live kernel takes only its own version and prctl's comm).
   */
  readonly fuzzCase?: (seed: number, index: number, abi: AbiName) => Case;
  /** Cases per ABI per fuzz batch that suit it (a live kernel boots once per batch). */
  readonly fuzzBatch?: number;
  /**
   * Why this host cannot run it, and the fix: the gate reports it
   * unavailable instead of running it (its testee is a setup error).
   */
  readonly unavailable?: Unavailability;
  /** How it runs here, when not as usual (under qemu-i386, say). */
  readonly note?: string;
}

/** A bundled implementation that is broken (a stale capture): starting it is a setup error saying why. */
class Broken implements Testee {
  /** Builds it. */
  constructor(readonly name: string, private readonly why: string) {}
  /** Always a setup error. */
  start(): Promise<never> {
    return Promise.reject(new SetupError(`${this.name}: ${this.why}`));
  }
  /** Never reached. */
  run(): Promise<void> {
    return Promise.resolve();
  }
  /** Nothing to stop. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The setup error of a bundled implementation that cannot run on this host (for callers that run it anyway). */
export function unavailableText(name: string, u: Unavailability): string {
  return `${name}: unavailable here: ${u.reason}; fix: ${u.fix}`;
}

/** An entry for a bundled implementation this host cannot run: its testee is a setup error. */
function unavailable(name: string, u: Unavailability, declares?: readonly Cell[]): Entry {
  return {
    testee: new Broken(name, unavailableText(name, u).slice(name.length + 2)),
    declares,
    unavailable: u,
  };
}

/**
 * The binary `build` makes, or why this host cannot build it: when the
 * build fails and the C compiler (or, for `m32`, its `-m32` link) is
 * missing, that is the host's lack, with its fix; a build that fails with
 * every tool present is ours, and throws.
 */
async function builtOr(
  build: () => Promise<string>,
  m32 = false,
): Promise<string | Unavailability> {
  try {
    return await build();
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    const compiler = await cc();
    if (!compiler.ok) {
      return { reason: `no C compiler to build it (${compiler.detail})`, fix: fixFor("gcc") };
    }
    const link = m32 ? await ccM32() : { ok: true, detail: "" };
    if (!link.ok) {
      return {
        reason: `${ccName()} cannot link 32-bit x86 programs (${link.detail})`,
        fix: fixFor("gcc -m32"),
      };
    }
    // The builds are made and tested on Linux: elsewhere, a failure is the platform's.
    if (Deno.build.os !== "linux") {
      return {
        reason: `it does not build on ${Deno.build.os}: ${firstLine(e.message)}`,
        fix: NOT_HERE,
      };
    }
    throw e;
  }
}

const NOT_HERE = "none on this host: run it on Linux x86_64 (docs/PORTABILITY.md)";

function firstLine(text: string): string {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 2).join(": ");
}

/** Why seed-c cannot be built here, if it cannot: its shim lays out x86 (x86_64, i386) only. */
async function seedCTarget(): Promise<Unavailability | undefined> {
  const t = await ccTarget();
  if (!t.ok || /^(x86_64|i[3-6]86)-/.test(t.detail)) return undefined; // no compiler: the build says
  return {
    reason: `seed-c's shim builds for x86 targets only, and ${ccName()} targets ${t.detail}`,
    fix: NOT_HERE,
  };
}

/**
 * The bundled implementations. One this host cannot build or run (no C
 * compiler, no `-m32` link, no way to execute i386 programs, a compiler for another architecture than seed-c's shim knows, a build
 * failure off Linux: see `harness/host.ts`) is an entry marked {@link Entry.unavailable}, with the
 * reason and the fix. Throws a SetupError when one cannot be built with
 * every tool present (that is our fault); a stale golden capture makes the
 * golden implementations setup errors (ours too: recapture), the others
 * still run. With `kernel`, the live kernels run the
 * suite's cases they can take on, retargeted to their version, `suite`'s
 * generated states and fuzz batch included (`golden/live_cases.ts`); with
 * `replay`, they run the replayed cases instead.
 */
export async function bundledTestees(
  opts: ProcessOptions = {},
  include: { kernel?: boolean; suite?: LiveSuite; replay?: boolean } = {},
): Promise<Entry[]> {
  const out: Entry[] = [{ testee: new ReferenceTestee() }];
  if (haveCSources()) {
    const bin = await builtOr(() => buildC());
    out.push(
      typeof bin === "string"
        ? { testee: new ProcessTestee("c", bin, opts) }
        : unavailable("c", bin),
    );
  }
  if (haveSeedCSources()) {
    for (const abi of SEED_C_ABIS) {
      const name = `seed-c-${abi}`;
      const declares = [`checkpoint/${abi}`, `restart/${abi}/seed`];
      const runner = await seedCTarget() ??
        (abi === "i386" ? await i386Runner() : { prefix: [] });
      if (!("prefix" in runner)) {
        out.push(unavailable(name, runner, declares));
        continue;
      }
      const bin = await builtOr(() => buildSeedC(abi), abi === "i386");
      if (typeof bin !== "string") {
        out.push(unavailable(name, bin, declares));
        continue;
      }
      const [qemu] = runner.prefix;
      out.push({
        testee: new ProcessTestee(name, [...runner.prefix, bin].join(" "), opts),
        declares,
        ...(qemu
          ? { note: `${name}: this host cannot execute i386 programs: run under ${qemu}` }
          : {}),
      });
    }
  }
  const manifest = await readManifest();
  if (manifest) {
    const stale = await staleness(manifest);
    const why = `the golden captures are stale: ${
      stale.join("; ")
    }. Recapture with: deno task capture`;
    for (const abi of GOLDEN_ABIS) {
      const cases = () => goldenCases(abi, manifest.kernel);
      const declares = [`restart/${abi}/seed`];
      const golden = stale.length ? new Broken(`golden-${abi}`, why) : new GoldenTestee(abi);
      out.push({ testee: golden, cases, declares });
      if (include.kernel) {
        const k = manifest.kernel;
        out.push({
          testee: new LiveKernelTestee(abi),
          cases: include.replay
            ? undefined
            : () => liveKernelCases(abi, k, goldenCases(abi, k), include.suite),
          declares,
          fuzzCase: (seed, index, a) => kernelFuzzCase(seed, index, a, k),
          fuzzBatch: 100_000,
        });
      }
    }
  }
  return out;
}
