/**
 * The implementations bundled in the repository, run by default: the
 * reference model in process, the C implementation (built with gcc on first
 * use), and the golden kernel captures (`golden-x86_64`, `golden-i386`) over
 * the cases a real kernel can run. On request (`--kernel`), the live kernels.
 *
 * @module
 */
import type { Case } from "../cases/types.ts";
import type { Cell } from "../harness/cells.ts";
import {
  GOLDEN_ABIS,
  goldenCases,
  GoldenTestee,
  LiveKernelTestee,
  readManifest,
  staleness,
} from "../golden/golden.ts";
import { buildC, haveCSources } from "../harness/build.ts";
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
}

/** The bundled implementations. Throws a SetupError when one cannot be built or its capture is stale. */
export async function bundledTestees(
  opts: ProcessOptions = {},
  include: { kernel?: boolean } = {},
): Promise<Entry[]> {
  const out: Entry[] = [{ testee: new ReferenceTestee() }];
  if (haveCSources()) out.push({ testee: new ProcessTestee("c", await buildC(), opts) });
  const manifest = await readManifest();
  if (manifest) {
    const stale = await staleness(manifest);
    if (stale.length) {
      throw new SetupError(
        `the golden captures are stale: ${stale.join("; ")}. Recapture with: deno task capture`,
      );
    }
    for (const abi of GOLDEN_ABIS) {
      const cases = () => goldenCases(abi, manifest.kernel);
      const declares = [`restart/${abi}/seed`];
      out.push({ testee: new GoldenTestee(abi), cases, declares });
      if (include.kernel) out.push({ testee: new LiveKernelTestee(abi), cases, declares });
    }
  }
  return out;
}
