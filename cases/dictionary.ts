/**
 * A dictionary of meaningful values, derived from the model rather than
 * typed in: every constant the seed and its kernel ABI give meaning to
 * (record types, both magics, `CR_VERSION`, `CR_CTX_CKPT`, the kernel
 * version, the task states, signals, the errnos the seed returns and those
 * Linux reserves, `PAGE_SIZE`, `TASK_COMM_LEN`, the scratch buffer's size,
 * every header and record size of every registered ABI, type limits), each
 * at every width it fits (u8..u64, zero- and sign-extended) and byte-swapped.
 * A new record, ABI or constant in `reference/` brings its own values.
 *
 * The families and the fuzzer put these values into fields, environments
 * and arguments (as AFL and libFuzzer dictionaries do), and edit related
 * fields together over a pairwise covering array ({@link pairwise}).
 *
 * @module
 */
import { abiNames, getAbi, registryGeneration } from "../reference/abi.ts";
import { HBUF_SIZE, TASK_STATES } from "../reference/checkpoint.ts";
import { ERRNO, ERRNO_RANGE, KERNEL_ERRNO, MAX_ERRNO } from "../reference/errors.ts";
import {
  type AbiName,
  CR_CTX_CKPT,
  CR_VERSION,
  type Field,
  imageSize,
  layoutOf,
  MAGIC_HEAD,
  MAGIC_TAIL,
  RECORD_TYPES,
  TASK_COMM_LEN,
  UTS_LEN,
} from "../reference/layout.ts";
import { DEFAULT_KERNEL, NSIG, SIGCHLD } from "../reference/types.ts";
import { fieldDomain, NSEC_PER_SEC } from "../reference/validate.ts";

/** The integer widths a value is offered at. */
export const WIDTHS: readonly number[] = Object.freeze([8, 16, 32, 64]);

/** A constant with a meaning: its name, its value (negative for an errno) and its C width. */
export interface Meaning {
  /** Where it comes from, e.g. `RECORD_TYPES.TASK`, `-EINVAL`, `x86_64 TASK size`. */
  readonly name: string;
  /** Its value; a negative one is stored as two's complement at each width. */
  readonly value: bigint;
  /** The width of the C type that carries it. */
  readonly bits: number;
}

/** Every meaningful constant for an ABI (the ABI's own and every registered ABI's sizes). */
export function meanings(abi: AbiName): readonly Meaning[] {
  const key = `${abi}/${registryGeneration()}`;
  let m = meaningCache.get(key);
  if (!m) meaningCache.set(key, m = Object.freeze(computeMeanings(abi)));
  return m;
}

const meaningCache = new Map<string, readonly Meaning[]>();

function computeMeanings(abi: AbiName): Meaning[] {
  const out: Meaning[] = [];
  const add = (name: string, value: bigint | number, bits: number) =>
    out.push({ name, value: BigInt(value), bits });
  for (const [k, v] of Object.entries(RECORD_TYPES)) add(`RECORD_TYPES.${k}`, v, 16);
  add("CHECKPOINT_MAGIC_HEAD", MAGIC_HEAD, 64);
  add("CHECKPOINT_MAGIC_TAIL", MAGIC_TAIL, 64);
  add("CR_VERSION", CR_VERSION, 16);
  add("CR_CTX_CKPT", CR_CTX_CKPT, 64);
  const k = DEFAULT_KERNEL;
  for (const [part, v] of Object.entries(k)) add(`kernel ${part}`, v, 8);
  add("LINUX_VERSION_CODE", (k.major << 16) | (k.minor << 8) | k.patch, 32);
  for (const [name, v] of Object.entries(TASK_STATES)) add(name, v, 64);
  add("SIGCHLD", SIGCHLD, 32);
  add("_NSIG", NSIG, 32);
  add("_NSIG+1", NSIG + 1n, 32);
  for (const [name, v] of Object.entries(ERRNO)) {
    add(name, v, 32);
    add(`-${name}`, -v, 32);
  }
  for (const [name, v] of Object.entries(KERNEL_ERRNO)) add(`-${name}`, -v, 32);
  add("-EPERM (first errno)", -ERRNO_RANGE.first, 32);
  add("-last errno", -ERRNO_RANGE.last, 32);
  add("-MAX_ERRNO", -MAX_ERRNO, 64);
  add("-MAX_ERRNO-1", -MAX_ERRNO - 1, 64);
  for (const a of abiNames()) {
    const l = layoutOf(a);
    const page = getAbi(a).pageSize;
    add(`${a} PAGE_SIZE`, page, 32);
    add(`${a} PAGE_SIZE-1`, page - 1, 32);
    add(`${a} PAGE_SIZE+1`, page + 1, 32);
    for (const rec of ["HDR", "HEAD", "TASK", "TAIL"] as const) {
      add(`${a} ${rec} size`, l[rec].size, 16);
      add(`${a} ${rec} size+1`, l[rec].size + 1, 16);
    }
    add(`${a} image size`, imageSize(a), 32);
    add(`${a} HDR+HEAD size`, l.HDR.size + l.HEAD.size, 16);
  }
  add("TASK_COMM_LEN", TASK_COMM_LEN, 32);
  add("TASK_COMM_LEN+1", TASK_COMM_LEN + 1, 32);
  add("TASK_COMM_LEN-1", TASK_COMM_LEN - 1, 32);
  add("__NEW_UTS_LEN", UTS_LEN, 32);
  add("HBUF_SIZE", HBUF_SIZE, 32);
  add("NSEC_PER_SEC", NSEC_PER_SEC, 64);
  add("NSEC_PER_SEC-1", NSEC_PER_SEC - 1n, 64);
  for (const w of WIDTHS) {
    const b = BigInt(w);
    add(`S${w}_MAX`, (1n << (b - 1n)) - 1n, w);
    add(`S${w}_MIN`, -(1n << (b - 1n)), w);
    add(`U${w}_MAX`, (1n << b) - 1n, w);
  }
  const long = getAbi(abi).longBytes * 8;
  add("LONG_MAX", (1n << BigInt(long - 1)) - 1n, long);
  add("LONG_MIN", -(1n << BigInt(long - 1)), long);
  add("ULONG_MAX", (1n << BigInt(long)) - 1n, long);
  add("zero", 0, 8);
  add("one", 1, 8);
  return out;
}

/** `v` (an unsigned value of `bits`) with its bytes in the other order. */
export function byteSwap(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/**
 * The meanings of one value in a field of `bits`: for each width `w` up to
 * the field's, the constant cut to `w` bits, zero-extended and sign-extended
 * to the field, and byte-swapped at `w` (zero-extended). With `core` only
 * the constant at its own width (cut to the field's when narrower) and its
 * sign extension: the value an implementation compares against.
 */
function variants(m: Meaning, bits: number, core: boolean): bigint[] {
  if (core) {
    const w = Math.min(m.bits, bits);
    const t = BigInt.asUintN(w, m.value);
    return [t, BigInt.asUintN(bits, BigInt.asIntN(w, t))];
  }
  const out: bigint[] = [];
  for (const w of WIDTHS) {
    if (w > bits) break;
    const t = BigInt.asUintN(w, m.value);
    out.push(t, BigInt.asUintN(bits, BigInt.asIntN(w, t)));
    if (w > 8) out.push(byteSwap(t, w));
  }
  return out;
}

/**
 * A field's own value in the other forms an implementation may confuse it
 * with: cut to each narrower width (zero- and sign-extended), byte-swapped at
 * each width, and its halves exchanged (a u64 read as two swapped u32s).
 * The value itself is left out.
 *
 * @example
 * ```ts ignore
 * valueForms(1n, 16); // [0x100n]: CR_VERSION in the other byte order
 * ```
 */
export function valueForms(v: bigint, bits: number): bigint[] {
  const out = new Set<bigint>();
  for (const w of WIDTHS) {
    if (w > bits) break;
    const t = BigInt.asUintN(w, v);
    out.add(t).add(BigInt.asUintN(bits, BigInt.asIntN(w, t)));
    if (w > 8) out.add(byteSwap(t, w));
  }
  if (bits > 8) {
    const h = BigInt(bits / 2), mask = (1n << h) - 1n;
    out.add(((v & mask) << h) | ((v >> h) & mask));
  }
  out.delete(v);
  return [...out];
}

const dictCache = new Map<string, readonly bigint[]>();

/**
 * The dictionary for an unsigned field of `bits` bits on an ABI: every
 * meaning's variants (see the module doc), without repeats, in a stable
 * order (the order of the meanings). `core` keeps only each constant at its
 * own width and sign-extended.
 *
 * @example
 * ```ts ignore
 * dictionary("x86_64", 16, true).includes(5001n); // RECORD_TYPES.TAIL
 * ```
 */
export function dictionary(abi: AbiName, bits: number, core = false): readonly bigint[] {
  const key = `${abi}/${bits}/${core}/${registryGeneration()}`;
  let d = dictCache.get(key);
  if (!d) {
    const seen = new Set<bigint>();
    for (const m of meanings(abi)) for (const v of variants(m, bits, core)) seen.add(v);
    dictCache.set(key, d = Object.freeze([...seen]));
  }
  return d;
}

/** The dictionary values that fit a layout field (its width), optionally only the core ones. */
export function fieldDictionary(f: Field, abi: AbiName, core = false): readonly bigint[] {
  return dictionary(abi, f.size * 8, core);
}

/**
 * The dictionary values a kernel of the ABI can put into a field (its
 * {@link fieldDomain}): the rest are out of the field's domain and never sent.
 */
export function domainDictionary(f: Field, abi: AbiName, core = false): readonly bigint[] {
  const key = `${f.record}.${f.name}`;
  const byKey = domainCache.get(`${abi}/${core}/${registryGeneration()}`) ??
    new Map<string, readonly bigint[]>();
  domainCache.set(`${abi}/${core}/${registryGeneration()}`, byKey);
  let d = byKey.get(key);
  if (!d) {
    const dom = fieldDomain(f, abi);
    byKey.set(key, d = Object.freeze(fieldDictionary(f, abi, core).filter((v) => dom.ok(v))));
  }
  return d;
}

const domainCache = new Map<string, Map<string, readonly bigint[]>>();

/**
 * Meaningful byte strings of `len` bytes (a comm, a utsname string):
 * empty, full length without a NUL, control bytes, high bytes, every byte
 * 0xff, a NUL first with bytes after it, one byte, each registered ABI's
 * machine name and the default release, and the strings' own lengths
 * written as text. Named, in a stable order.
 */
export function byteStrings(len: number): readonly (readonly [string, Uint8Array])[] {
  const out: [string, Uint8Array][] = [];
  const fill = (name: string, f: (i: number) => number) =>
    out.push([name, Uint8Array.from({ length: len }, (_, i) => f(i) & 0xff)]);
  const text = (name: string, s: string) => fill(name, (i) => (i < s.length ? s.charCodeAt(i) : 0));
  fill("empty", () => 0);
  fill("full-no-nul", (i) => 0x41 + (i % 26));
  fill("control", (i) => 1 + (i % 0x1f));
  fill("high", (i) => 0x80 + ((i * 7) % 0x80));
  fill("all-ff", () => 0xff);
  fill("nul-first-then-bytes", (i) => (i === 0 ? 0 : 0x61 + (i % 26)));
  fill("one-byte", (i) => (i === 0 ? 0x78 : 0));
  fill("last-byte-only", (i) => (i === len - 1 ? 0x7f : 0));
  fill("nul-at-len-1", (i) => (i === len - 1 ? 0 : 0x30 + (i % 10)));
  fill("del-and-newline", (i) => [0x7f, 0x0a, 0x0d, 0x09][i % 4]!);
  for (const a of abiNames()) text(`machine-${a}`, getAbi(a).machine);
  text("release", `${DEFAULT_KERNEL.major}.${DEFAULT_KERNEL.minor}.${DEFAULT_KERNEL.patch}`);
  return out;
}

/**
 * A pairwise covering array over factors of the given sizes: rows of value
 * indices such that every pair of values of every two factors appears in
 * some row. Deterministic: with `p` the least prime at least the largest
 * size and the number of factors, row `(a, b)` gives factor `i` the value
 * `(a + i·b) mod p` (folded into the factor's size), so `p²` rows cover
 * every pair (two columns `a + i·b`, `a + j·b` take every pair of residues).
 *
 * @example
 * ```ts ignore
 * pairwise([2, 2, 2]).length; // 9 (p = 3)
 * ```
 */
export function pairwise(sizes: readonly number[]): number[][] {
  if (!sizes.length || sizes.some((n) => n < 1)) return [];
  let p = Math.max(2, sizes.length, ...sizes);
  while (!isPrime(p)) p++;
  const rows: number[][] = [];
  const seen = new Set<string>();
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      const row = sizes.map((n, i) => ((a + i * b) % p) % n);
      const key = row.join(",");
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(row);
    }
  }
  return rows;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
