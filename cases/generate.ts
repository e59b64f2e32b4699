/**
 * Seeded generation of task states and environments, biased to boundaries:
 * 0, 1, 2^31-1, 2^31, 2^32-1, 2^63, 2^64-1 in every integer field (as far as
 * the ABI's kernel can hold them) and the dictionary's meaningful values
 * (`dictionary.ts`), comm and utsname strings of any bytes (control, high,
 * empty, no NUL, bytes after the NUL), kernels of any version, times beyond
 * 2^32. The same seed gives the same states on every machine.
 *
 * @module
 */
import { copyBytes, newBytes } from "../reference/bytes.ts";
import { BUILTIN_ABIS, getAbi } from "../reference/abi.ts";
import { type AbiName, type Field, layoutOf, TASK_COMM_LEN, UTS_LEN } from "../reference/layout.ts";
import type { CheckpointEnv, TaskState } from "../reference/types.ts";
import { type FieldDomain, fieldDomain, taskStateFields } from "../reference/validate.ts";
import { TASK_DEAD } from "../reference/checkpoint.ts";
import { byteStrings, domainDictionary } from "./dictionary.ts";
import { Prng } from "./prng.ts";

/** The boundary values tried in every integer field. */
export const BOUNDARIES: readonly bigint[] = Object.freeze([
  0n,
  1n,
  (1n << 31n) - 1n,
  1n << 31n,
  (1n << 32n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n,
  (1n << 64n) - (1n << 31n), // a 32-bit LONG_MIN sign-extended
]);

/** What drawing a field needs, made once per field and ABI: its domain, width and masked boundaries. */
interface Draw {
  readonly dom: FieldDomain;
  readonly bits: number;
  readonly boundaries: readonly bigint[];
}

const draws = new WeakMap<Field, Map<AbiName, Draw>>();

function drawOf(f: Field, abi: AbiName): Draw {
  let byAbi = draws.get(f);
  if (!byAbi) draws.set(f, byAbi = new Map());
  let d = byAbi.get(abi);
  if (!d) {
    const mask = (1n << BigInt(f.size * 8)) - 1n;
    d = { dom: fieldDomain(f, abi), bits: f.size * 8, boundaries: BOUNDARIES.map((b) => b & mask) };
    byAbi.set(abi, d);
  }
  return d;
}

function intFor(rng: Prng, f: Field, abi: AbiName): bigint {
  const { dom, bits, boundaries } = drawOf(f, abi);
  for (let tries = 0; tries < 8; tries++) {
    const r = rng.int(12);
    if (r >= 10) return rng.pick(domainDictionary(f, abi)); // a value with a meaning
    const v = r < 6
      ? rng.pick(boundaries)
      : r < 8
      ? BigInt(rng.int(1000))
      : BigInt.asUintN(bits, rng.u64());
    if (dom.ok(v)) return v;
    // On i386, fold a 64-bit value into the 32-bit kernel type it came from.
    const low = BigInt.asUintN(32, v);
    const signExt = BigInt.asUintN(64, BigInt.asIntN(32, low));
    if (dom.ok(low)) return low;
    if (dom.ok(signExt)) return signExt;
    // A boundary outside a narrower domain (a tv_nsec, say): the domain's own maximum.
    if (r < 6) return dom.max;
  }
  return 0n;
}

/**
 * A comm from the whole domain of 16 raw bytes: 0..16 characters of any
 * non-zero byte (printable, control, high), with or without a NUL, bytes
 * after it, or one of the dictionary's meaningful byte strings.
 */
export function genComm(rng: Prng): Uint8Array {
  if (rng.int(8) === 0) return copyBytes(rng.pick(byteStrings(TASK_COMM_LEN))[1]);
  const out = newBytes(TASK_COMM_LEN);
  const len = rng.int(TASK_COMM_LEN + 1);
  const kind = rng.int(4); // 0 printable, 1 high bytes mixed in, 2 control bytes mixed in, 3 any
  for (let i = 0; i < len; i++) {
    out[i] = kind === 3
      ? 1 + rng.int(0xff)
      : kind === 1 && rng.int(3) === 0
      ? 0x80 + rng.int(0x80)
      : kind === 2 && rng.int(3) === 0
      ? 1 + rng.int(0x1f)
      : 0x21 + rng.int(0x5e);
  }
  if (len < TASK_COMM_LEN - 1 && rng.int(3) === 0) {
    // bytes after the NUL: invisible to /proc, copied raw by checkpoint
    for (let i = len + 1; i < TASK_COMM_LEN; i++) out[i] = rng.int(256);
  }
  return out;
}

/** A utsname string from its whole domain: 64 raw bytes, any byte, with or without a NUL, or empty. */
function genUts(rng: Prng, text: string): Uint8Array {
  const out = newBytes(UTS_LEN);
  const r = rng.int(6);
  if (r === 0) {
    for (let i = 0; i < UTS_LEN; i++) out[i] = 0x20 + rng.int(0x5f); // exactly 64 bytes, no NUL
  } else if (r === 3) {
    for (let i = 0; i < UTS_LEN; i++) out[i] = 1 + rng.int(0xff); // any non-zero byte, no NUL
  } else if (r === 4) {
    out.set(rng.pick(byteStrings(UTS_LEN))[1]); // empty, control, high bytes, another machine...
  } else {
    for (let i = 0; i < Math.min(text.length, UTS_LEN); i++) out[i] = text.charCodeAt(i);
    if (r === 1) {
      // junk after the NUL: copied raw into HEAD
      for (let i = text.length + 1; i < UTS_LEN; i++) out[i] = rng.int(256);
    }
  }
  return out;
}

/** A generated task state valid for the ABI. */
export function genTaskState(rng: Prng, abi: AbiName): TaskState {
  const s: Record<string, bigint | Uint8Array> = {};
  for (const { f } of taskStateFields(abi)) s[f.name] = intFor(rng, f, abi);
  // TASK_DEAD makes checkpoint stop after HEAD; the catalog covers it by name.
  if (s.state === TASK_DEAD) s.state = 0n;
  s.comm = genComm(rng);
  return s as unknown as TaskState;
}

/** A generated checkpoint environment for the ABI (kernel version, utsname, time, counter). */
export function genCheckpointEnv(rng: Prng, abi: AbiName): CheckpointEnv {
  const time = intFor(rng, layoutOf(abi).HEAD.byName["time"]!, abi);
  return {
    abi,
    kernel: {
      major: rng.pick([2, 3, 6, 255, rng.int(256)]),
      minor: rng.int(256),
      patch: rng.pick([0, 25, 255, rng.int(256)]),
    },
    uts: {
      release: genUts(rng, "2.6.25-crconform"),
      version: genUts(rng, "#1 SMP PREEMPT"),
      machine: genUts(rng, getAbi(abi).machine),
    },
    time,
    counter: rng.pick([0, 1, rng.int(1 << 20), 0x7ffffffe]),
  };
}

/**
 * A per-ABI salt for the generator's seed: the ABI's `long` width in bits
 * read as hex digits (0x64, 0x32), mixed with its name's hash for ABIs
 * registered beyond the built-in two, so that ABIs never share a stream.
 */
function abiSalt(abi: AbiName): number {
  const bits = Number.parseInt(String(getAbi(abi).longBytes * 8), 16);
  if (BUILTIN_ABIS.some((a) => a.name === abi)) return bits;
  let h = 0x811c9dc5;
  for (let i = 0; i < abi.length; i++) h = Math.imul(h ^ abi.charCodeAt(i), 0x01000193) >>> 0;
  return bits ^ h;
}

/** The `index`-th generated state and environment of a seed: independent of how many others are made. */
export function generated(
  seed: number,
  index: number,
  abi: AbiName,
): { state: TaskState; env: CheckpointEnv } {
  const rng = new Prng((seed * 0x9e3779b1) ^ (index * 0x85ebca6b) ^ abiSalt(abi));
  return { state: genTaskState(rng, abi), env: genCheckpointEnv(rng, abi) };
}
