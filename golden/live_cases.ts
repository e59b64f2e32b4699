/**
 * The cases a live kernel runs: every case of the default suite a real
 * kernel of its version can take on, and fuzz cases retargeted to it. A
 * kernel knows one version and sets comm with `prctl`, so a generic case
 * (built for 2.6.25, or for a random version, with any 16 comm bytes) is
 * moved onto the kernel ({@link retargetRestart}): where the image's HEAD
 * carried the same version as the restarting side, both become the
 * kernel's; where they differed, the restarting side becomes the kernel and
 * the image keeps its mismatch. The reference computes every outcome from
 * the retargeted case itself.
 *
 * @module
 */
import { readField } from "../reference/bytes.ts";
import { type AbiName, layoutOf, RECORD_TYPES, TASK_COMM_LEN } from "../reference/layout.ts";
import type { KernelVersion } from "../reference/types.ts";
import { familyCases } from "../cases/families.ts";
import { fuzzRestartCase } from "../cases/fuzz.ts";
import { withBytes } from "../cases/image.ts";
import { catalogBase, generatedCases, regressionCases } from "../cases/suite.ts";
import type { Case, RestartCase } from "../cases/types.ts";
import { featuresOf } from "../protocol/codec.ts";
import { prctlCanSet } from "./bundle.ts";

const VERSION_FIELDS = ["major", "minor", "patch"] as const;

/** The kernel version in the image's first record when it is a HEAD long enough to hold it. */
function headVersion(abi: AbiName, image: Uint8Array): KernelVersion | undefined {
  const l = layoutOf(abi);
  const type = l.HDR.byName["type"]!, len = l.HDR.byName["len"]!;
  if (image.length < l.HDR.size) return undefined;
  if (readField(image, type, l.abi.endian) !== BigInt(RECORD_TYPES.HEAD)) return undefined;
  const v: Partial<Record<(typeof VERSION_FIELDS)[number], number>> = {};
  for (const name of VERSION_FIELDS) {
    const f = l.HEAD.byName[name]!;
    if (l.HDR.size + f.offset + f.size > image.length) return undefined;
    if (f.offset + f.size > Number(readField(image, len, l.abi.endian))) return undefined;
    v[name] = Number(readField(image, f, l.abi.endian, l.HDR.size));
  }
  return { major: v.major!, minor: v.minor!, patch: v.patch! };
}

const same = (a: KernelVersion, b: KernelVersion) =>
  a.major === b.major && a.minor === b.minor && a.patch === b.patch;

/** The comm `prctl(PR_SET_NAME)` makes of these 16 bytes: up to the first NUL, at most 15 bytes. */
export function prctlComm(comm: Uint8Array): Uint8Array {
  const out = new Uint8Array(TASK_COMM_LEN);
  for (let i = 0; i < TASK_COMM_LEN - 1 && comm[i]; i++) out[i] = comm[i]!;
  return out;
}

/**
 * A restart case moved onto a kernel of version `kernel`: the restarting
 * side's version becomes the kernel's (and a HEAD at offset 0 that carried
 * the restarting side's version carries the kernel's), and comm becomes what
 * prctl can set. A case that needs neither is returned as it is.
 */
export function retargetRestart(c: RestartCase, kernel: KernelVersion): RestartCase {
  let image = c.image;
  const head = headVersion(c.abi, image);
  if (head && same(head, c.env.kernel) && !same(head, kernel)) {
    const l = layoutOf(c.abi);
    for (const name of VERSION_FIELDS) {
      const f = l.HEAD.byName[name]!;
      image = withBytes(image, c.abi, l.HDR.size + f.offset, f, BigInt(kernel[name]));
    }
  }
  const comm = prctlCanSet(c.env.comm) ? c.env.comm : prctlComm(c.env.comm);
  if (image === c.image && comm === c.env.comm && same(c.env.kernel, kernel)) return c;
  return { ...c, image, env: { ...c.env, kernel: { ...kernel }, comm } };
}

/**
 * Fuzzed restart case `index` of `seed` (`cases/fuzz.ts`) retargeted to the
 * kernel: `restart/<abi>/kfuzz/s<seed>-<index>`, seed profile only.
 */
export function kernelFuzzCase(
  seed: number,
  index: number,
  abi: AbiName,
  kernel: KernelVersion,
): RestartCase {
  const c = retargetRestart(fuzzRestartCase(seed, index, abi), kernel);
  return { ...c, id: c.id.replace("/fuzz/", "/kfuzz/"), profiles: ["seed"] };
}

/** Which parts of the suite {@link liveKernelCases} builds, as in `deno task conform`. */
export interface LiveSuite {
  /** Seed of the generated states and the fuzz batch. @default 1 */
  seed?: number;
  /** Generated states per ABI. @default 64 */
  cases?: number;
  /** Fuzz cases per ABI. @default 0 */
  fuzz?: number;
}

/**
 * The restart cases of the default suite a live kernel runs, seed profile:
 * `named` (the golden set: catalog, truncations, flips, sweeps, shapes, as
 * `goldenCases` builds them for the kernel), the families built for the
 * kernel, the regressions, the restarts of the generated states and the
 * fuzz batch, each retargeted to the kernel; ids unique; none that needs a
 * protocol feature (the kernel's testee declares none).
 */
export function liveKernelCases(
  abi: AbiName,
  kernel: KernelVersion,
  named: readonly RestartCase[],
  suite: LiveSuite = {},
): RestartCase[] {
  const seed = suite.seed ?? 1;
  const out: RestartCase[] = [...named];
  const seen = new Set(out.map((c) => c.id));
  const add = (c: Case) => {
    if (c.op !== "restart" || c.abi !== abi || seen.has(c.id)) return;
    // A case that needs a feature (a file that behaves, one without a read method) needs a real
    // file that does: the live kernel's testee declares none, so such a case is never bundled.
    if (featuresOf(c.env).length > 0) return;
    seen.add(c.id);
    out.push({ ...retargetRestart(c, kernel), profiles: ["seed"] });
  };
  for (const c of familyCases(catalogBase(abi, { version: kernel }))) add(c);
  for (const c of regressionCases()) add(c);
  for (const c of generatedCases(abi, seed, suite.cases ?? 64)) add(c);
  for (let i = 0; i < (suite.fuzz ?? 0); i++) add(kernelFuzzCase(seed, i, abi, kernel));
  return out;
}
