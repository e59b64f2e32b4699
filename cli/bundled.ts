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
import { buildC, buildSeedC, haveCSources, haveSeedCSources } from "../harness/build.ts";

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
}

/** A bundled implementation that cannot run here: starting it is a setup error saying why. */
class Unavailable implements Testee {
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

/**
 * The bundled implementations. Throws a SetupError when one cannot be
 * built; a stale golden capture makes the golden implementations setup
 * errors (the others still run). With `kernel`, the live kernels run the
 * suite's cases they can take on, retargeted to their version, `suite`'s
 * generated states and fuzz batch included (`golden/live_cases.ts`); with
 * `replay`, they run the replayed cases instead.
 */
export async function bundledTestees(
  opts: ProcessOptions = {},
  include: { kernel?: boolean; suite?: LiveSuite; replay?: boolean } = {},
): Promise<Entry[]> {
  const out: Entry[] = [{ testee: new ReferenceTestee() }];
  if (haveCSources()) out.push({ testee: new ProcessTestee("c", await buildC(), opts) });
  if (haveSeedCSources()) {
    for (const abi of SEED_C_ABIS) {
      const name = `seed-c-${abi}`;
      out.push({
        testee: new ProcessTestee(name, await buildSeedC(abi), opts),
        declares: [`checkpoint/${abi}`, `restart/${abi}/seed`],
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
      const golden = stale.length ? new Unavailable(`golden-${abi}`, why) : new GoldenTestee(abi);
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
