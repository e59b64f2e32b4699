/**
 * The patched-kernel capture pipeline: build Linux 6.1 with crconform's port
 * of the 2008 checkpoint/restart seed (`golden/recipe/`), boot it under QEMU
 * TCG with a capture init, and read back what the real syscalls did.
 *
 * - {@link ensureKernel}: install prerequisites, build (cached by content hash).
 * - {@link encodeBundle}: the restart batch input (`/cases.bin`, BUNDLE.md).
 * - {@link runKernel}: boot once, return checkpoint observations and restart results.
 * - {@link parseFrames} / {@link parseRecords}: the serial data stream, with
 *   length and CRC-32 verification.
 * - {@link decodeCheckpointImage}, {@link verifyCheckpoint}: checkpoint
 *   scenarios against the reference model.
 *
 * Nothing here boots at import time; `deno test` never boots. The restart
 * cases and the comparison live in `golden.ts`; `capture.ts` runs a capture.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  type AbiName,
  checkpoint,
  type CheckpointEnv,
  defaultTaskState,
  type KernelVersion,
  LAYOUTS,
  RECORD_TYPES,
  TASK_COMM_LEN,
  type TaskState,
  toHex,
  UTS_LEN,
} from "../mod.ts";
import { decodeFrom } from "../reference/codec.ts";
import { concat, readField } from "../reference/bytes.ts";

/** The two ABIs the capture kernel is built for. */
export type KernelAbi = "x86_64" | "i386";

const HERE = new URL(".", import.meta.url).pathname;
const RECIPE = `${HERE}recipe/`;
const REPO = new URL("../", import.meta.url).pathname;
/** Default cache directory for source trees, builds and boot runs (gitignored). */
export const DEFAULT_CACHE: string = `${REPO}.cache/kernel`;

/** Options of {@link ensureKernel}. */
export interface EnsureKernelOptions {
  /** Cache directory. @default `<repo>/.cache/kernel` */
  cacheDir?: string;
  /** Progress messages (setup, build). @default writes to stderr */
  log?: (msg: string) => void;
}

/** A built capture kernel. */
export interface KernelBuild {
  /** The ABI it was built for. */
  abi: KernelAbi;
  /** Path of the kernel image. */
  bzImage: string;
  /** Path of the static capture init (`golden/recipe/init.c`). */
  initBin: string;
  /** Path of the tree's `usr/gen_init_cpio`, built for the host. */
  genInitCpio: string;
  /** dpkg version of `linux-source-6.1` that was built (e.g. `6.1.192-2`). */
  sourceVersion: string;
  /** `make kernelrelease` of the build (e.g. `6.1.192`). */
  kernelRelease: string;
  /** Cache key: hash of source version, ABI, every recipe file and init.c (see {@link buildKeys}). */
  key: string;
  /** The build directory. */
  dir: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${out.code}):\n${dec.decode(out.stderr).slice(-4000)}`,
    );
  }
  return dec.decode(out.stdout);
}

/** Recipe files (relative to `golden/recipe/`) that key the kernel build. */
export async function recipeFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(`${RECIPE}${rel}`)) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(p);
      else if (p.startsWith("port/") || /^(config\.fragment|apply\.sh|build\.sh)$/.test(p)) {
        out.push(p);
      }
    }
  };
  await walk("");
  return out.sort();
}

async function hashFiles(prefix: string, files: readonly string[]): Promise<string> {
  const h = createHash("sha256");
  h.update(prefix);
  for (const f of files) {
    const data = await Deno.readFile(`${RECIPE}${f}`);
    h.update(`${f}\n${data.length}\n`);
    h.update(data);
  }
  return h.digest("hex").slice(0, 16);
}

/**
 * Cache keys of a build. `kernel`: SHA-256 over the linux-source version,
 * the ABI and every kernel recipe file (port sources, config fragment,
 * apply.sh, build.sh) — names the build directory. `init`: over init.c and
 * build-init.sh (plus the kernel key, whose tree provides nolibc) — names
 * the init binary, so an init change does not rebuild the kernel. `key`:
 * both together. First 16 hex digits each.
 */
export async function buildKeys(
  sourceVersion: string,
  abi: KernelAbi,
): Promise<{ kernel: string; init: string; key: string }> {
  const kernel = await hashFiles(
    `linux-source-6.1=${sourceVersion}\nabi=${abi}\n`,
    await recipeFiles(),
  );
  const init = await hashFiles(`kernel=${kernel}\n`, ["init.c", "build-init.sh"]);
  const key = createHash("sha256").update(`${kernel}:${init}`).digest("hex").slice(0, 16);
  return { kernel, init, key };
}

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure a capture kernel for `abi` is built and returns its paths.
 *
 * Runs `golden/recipe/setup.sh` (installs missing Debian packages, unpacks
 * linux-source-6.1 once into `<cache>/src-<version>/pristine`), then, when
 * `<cache>/build-<abi>-<kernel key>/DONE` is missing, `golden/recipe/build.sh`
 * (copy of the pristine tree, port applied, tinyconfig + fragment, bzImage),
 * then `build-init.sh` when `init-<init key>` is missing. A cold build took
 * about 8.5 min (x86_64, copy included) on this 2-core machine.
 * Not safe to run twice concurrently for the same ABI.
 */
export async function ensureKernel(
  abi: KernelAbi,
  opts: EnsureKernelOptions = {},
): Promise<KernelBuild> {
  if (abi !== "x86_64" && abi !== "i386") throw new Error(`ensureKernel: unknown ABI ${abi}`);
  const cache = opts.cacheDir ?? DEFAULT_CACHE;
  const log = opts.log ?? ((m: string) => console.error(m));
  await Deno.mkdir(cache, { recursive: true });
  const setup = await run("sh", [`${RECIPE}setup.sh`, cache]);
  const m = /SOURCE_VERSION=(\S+)/.exec(setup);
  if (!m) throw new Error(`setup.sh did not report SOURCE_VERSION:\n${setup}`);
  const sourceVersion = m[1]!;
  const keys = await buildKeys(sourceVersion, abi);
  const key = keys.key;
  const dir = `${cache}/build-${abi}-${keys.kernel}`;
  if (!(await exists(`${dir}/DONE`))) {
    log(`kernel: building ${abi} (linux-source ${sourceVersion}, key ${keys.kernel}) in ${dir}`);
    const t0 = Date.now();
    await run("sh", [`${RECIPE}build.sh`, abi, `${cache}/src-${sourceVersion}/pristine`, dir]);
    log(`kernel: ${abi} built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const again = await buildKeys(sourceVersion, abi);
  if (again.key !== keys.key) {
    throw new Error("ensureKernel: recipe files changed during the build; run again");
  }
  const initBin = `${dir}/init-${keys.init}`;
  if (!(await exists(initBin))) {
    await run("sh", [`${RECIPE}build-init.sh`, abi, `${dir}/src`, initBin]);
  }
  return {
    abi,
    bzImage: `${dir}/bzImage`,
    initBin,
    genInitCpio: `${dir}/gen_init_cpio`,
    sourceVersion,
    kernelRelease: (await Deno.readTextFile(`${dir}/kernelrelease`)).trim(),
    key,
    dir,
  };
}

// ---------------------------------------------------------------- bundle

/** How the restart batch hands the image to `sys_restart`. */
export type BundleFdKind = "ok" | "bad-fd" | "write-only";

/** One restart case for the batch. */
export interface BundleCase {
  /** Unique id (UTF-8, at most 65535 bytes). */
  id: string;
  /**
   * The 16 comm bytes set with `prctl(PR_SET_NAME)` before the restart: at
   * most 15 non-NUL bytes, then zeros (all prctl can produce).
   */
  commBefore: Uint8Array;
  /** The image written to a fresh file and read from offset 0. */
  image: Uint8Array;
  /** `ok`: read-write fd; `bad-fd`: fd -1; `write-only`: O_WRONLY fd. @default "ok" */
  fd?: BundleFdKind;
  /** The syscall's flags argument (truncated to `unsigned long` on i386). @default 0n */
  flags?: bigint;
}

const BUNDLE_MAGIC = 0x4c444e42; // "BNDL" little-endian
const BUNDLE_VERSION = 1;
const FD_KINDS: Record<BundleFdKind, number> = { "ok": 0, "bad-fd": 1, "write-only": 2 };

/** Checks that 16 comm bytes are something `prctl(PR_SET_NAME)` can produce. */
export function prctlCanSet(comm: Uint8Array): boolean {
  if (comm.length !== TASK_COMM_LEN || comm[15] !== 0) return false;
  let nul = false;
  for (const b of comm) {
    if (b === 0) nul = true;
    else if (nul) return false;
  }
  return true;
}

/**
 * Encodes restart cases as the batch bundle (`/cases.bin`, see
 * `golden/recipe/BUNDLE.md`): "BNDL", u32 version 1, u32 count, then per
 * case u16 id length, id, 16 comm bytes, u8 fd kind, u64 flags, u32 image
 * length, image; all little-endian.
 *
 * @throws {Error} on a comm prctl cannot set, a duplicate or oversize id.
 */
export function encodeBundle(cases: readonly BundleCase[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new DataView(new ArrayBuffer(12));
  head.setUint32(0, BUNDLE_MAGIC, true);
  head.setUint32(4, BUNDLE_VERSION, true);
  head.setUint32(8, cases.length, true);
  parts.push(new Uint8Array(head.buffer));
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) throw new Error(`encodeBundle: duplicate id ${c.id}`);
    seen.add(c.id);
    const id = enc.encode(c.id);
    if (id.length > 0xffff) throw new Error(`encodeBundle: id too long: ${c.id.slice(0, 40)}…`);
    if (!prctlCanSet(c.commBefore)) {
      throw new Error(
        `encodeBundle: case ${c.id}: commBefore ${
          toHex(c.commBefore)
        } is not 16 bytes of at most 15 non-NUL bytes then zeros`,
      );
    }
    const fixed = new DataView(new ArrayBuffer(2 + 16 + 1 + 8 + 4));
    fixed.setUint16(0, id.length, true);
    const kind = FD_KINDS[c.fd ?? "ok"];
    if (kind === undefined) throw new Error(`encodeBundle: case ${c.id}: bad fd kind ${c.fd}`);
    fixed.setUint8(18, kind);
    fixed.setBigUint64(19, BigInt.asUintN(64, c.flags ?? 0n), true);
    fixed.setUint32(27, c.image.length, true);
    const f = new Uint8Array(fixed.buffer);
    f.set(c.commBefore, 2);
    parts.push(f.subarray(0, 2), id, f.subarray(2), c.image);
  }
  return concat(parts);
}

// ---------------------------------------------------------------- serial stream

/** The serial data stream is malformed: the message says where and why. */
export class SerialStreamError extends Error {
  /** 1-based line number in the serial log, when known. */
  readonly line: number | undefined;
  /** Builds the error. */
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `serial line ${line}: ${message}`);
    this.name = "SerialStreamError";
    this.line = line;
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** IEEE CRC-32 (the one zlib and the init use). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Result of {@link parseFrames}. */
export interface FrameStream {
  /** Payloads of the complete frames, concatenated in sequence order. */
  data: Uint8Array;
  /** Number of complete, verified frames. */
  frames: number;
  /** True when the log ends inside a frame (allowed only with `allowTruncatedTail`). */
  truncatedTail: boolean;
}

/**
 * Parses the init's frames out of the data-port log:
 * `=CRF <seq> <len> <crc32>` (hex numbers), hex payload lines,
 * `=END <seq>`. Lines outside frames are ignored (so a console log works
 * too); `\r` is ignored. Sequence numbers must run 0, 1, 2, …; each
 * frame's byte count and CRC-32 must match its header.
 *
 * @throws {SerialStreamError} on a bad header, bad hex, a length or checksum
 * mismatch, a sequence gap, or (unless `allowTruncatedTail`) an unfinished frame.
 */
export function parseFrames(
  log: string,
  opts: { allowTruncatedTail?: boolean } = {},
): FrameStream {
  const lines = log.split("\n");
  const chunks: Uint8Array[] = [];
  let expectSeq = 0;
  let cur: { seq: number; len: number; crc: number; hex: string[]; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/\r/g, "");
    const ln = i + 1;
    if (l.startsWith("=CRF")) {
      if (cur) throw new SerialStreamError(`frame ${cur.seq} not closed before a new frame`, ln);
      const m = /^=CRF ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)$/.exec(l);
      if (!m) throw new SerialStreamError(`bad frame header ${JSON.stringify(l)}`, ln);
      const seq = parseInt(m[1]!, 16);
      if (seq !== expectSeq) {
        throw new SerialStreamError(`frame sequence ${seq}, expected ${expectSeq}`, ln);
      }
      cur = { seq, len: parseInt(m[2]!, 16), crc: parseInt(m[3]!, 16), hex: [], line: ln };
    } else if (l.startsWith("=END")) {
      if (!cur) throw new SerialStreamError(`=END outside a frame`, ln);
      const m = /^=END ([0-9a-f]+)$/.exec(l);
      if (!m || parseInt(m[1]!, 16) !== cur.seq) {
        throw new SerialStreamError(
          `bad frame trailer ${JSON.stringify(l)} for frame ${cur.seq}`,
          ln,
        );
      }
      const hex = cur.hex.join("");
      if (hex.length !== cur.len * 2) {
        throw new SerialStreamError(
          `frame ${cur.seq}: ${hex.length / 2} bytes, header says ${cur.len}`,
          ln,
        );
      }
      const bytes = new Uint8Array(cur.len);
      for (let j = 0; j < cur.len; j++) bytes[j] = parseInt(hex.slice(2 * j, 2 * j + 2), 16);
      const crc = crc32(bytes);
      if (crc !== cur.crc) {
        throw new SerialStreamError(
          `frame ${cur.seq}: CRC-32 ${crc.toString(16)}, header says ${cur.crc.toString(16)}`,
          ln,
        );
      }
      chunks.push(bytes);
      expectSeq++;
      cur = undefined;
    } else if (cur) {
      if (!/^[0-9a-f]*$/.test(l)) {
        throw new SerialStreamError(
          `frame ${cur.seq}: not hex: ${JSON.stringify(l.slice(0, 80))}`,
          ln,
        );
      }
      cur.hex.push(l);
    }
  }
  if (cur && !opts.allowTruncatedTail) {
    throw new SerialStreamError(`frame ${cur.seq} (from line ${cur.line}) never ended`);
  }
  const data = concat(chunks);
  return { data, frames: chunks.length, truncatedTail: cur !== undefined };
}

/** One record of the init's stream: a one-letter tag and its fields' raw bytes. */
export interface KernelRecord {
  /** `U` uname, `C` checkpoint scenario, `F` finding, `B` bundle size, `R` restart case, `Z` end. */
  tag: string;
  /** The fields in order. */
  fields: Uint8Array[];
}

/**
 * Splits the frame payload into records: u8 tag, u8 field count, then per
 * field u16 length (little-endian) and that many bytes.
 *
 * @throws {SerialStreamError} when a record runs past the end.
 */
export function parseRecords(data: Uint8Array): KernelRecord[] {
  const out: KernelRecord[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 2 > data.length) throw new SerialStreamError(`record at byte ${at}: truncated header`);
    const tag = String.fromCharCode(data[at]!);
    const n = data[at + 1]!;
    at += 2;
    const fields: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      if (at + 2 > data.length) {
        throw new SerialStreamError(`record ${tag} field ${i}: truncated length at byte ${at}`);
      }
      const len = data[at]! | (data[at + 1]! << 8);
      at += 2;
      if (at + len > data.length) {
        throw new SerialStreamError(`record ${tag} field ${i}: ${len} bytes past the end`);
      }
      fields.push(data.slice(at, at + len));
      at += len;
    }
    out.push({ tag, fields });
  }
  return out;
}

function i64(f: Uint8Array | undefined, what: string): number {
  if (!f || f.length !== 8) throw new SerialStreamError(`${what}: expected an 8-byte integer`);
  const v = new DataView(f.buffer, f.byteOffset, 8).getBigInt64(0, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new SerialStreamError(`${what}: ${v} out of safe range`);
  }
  return Number(v);
}

const text = (f: Uint8Array | undefined) => dec.decode(f ?? new Uint8Array(0));

/** Seconds and nanoseconds from `clock_gettime(CLOCK_REALTIME)` in the guest. */
export interface GuestTime {
  /** Seconds. */
  sec: number;
  /** Nanoseconds. */
  nsec: number;
}

/** The three utsname strings HEAD copies, 64 bytes each as the kernel reports them. */
export interface KernelUts {
  /** `release`. */
  release: Uint8Array;
  /** `version`. */
  version: Uint8Array;
  /** `machine`. */
  machine: Uint8Array;
}

/** One checkpoint scenario as the init saw it. */
export interface CheckpointObservation {
  /** Scenario name (see init.c `scenarios()`). */
  name: string;
  /** Raw `sys_checkpoint` return value (the crid, or a negative errno). */
  ret: number;
  /** Bytes written: file position delta, or bytes read back from a pipe. */
  written: number;
  /** The bytes read back. */
  image: Uint8Array;
  /** The comm the init asked for (prctl string, or the bytes restored by restart). */
  commRequested: Uint8Array;
  /** `prctl(PR_GET_NAME)` after the checkpoint (16 bytes, zero after the NUL). */
  commReported: Uint8Array;
  /** `CLOCK_REALTIME` before and after the call. */
  time: { before: GuestTime; after: GuestTime };
  /** `/proc/self/stat` text before and after. */
  stat: { before: string; after: string };
  /** `/proc/self/status` text before and after. */
  status: { before: string; after: string };
  /** pid of the checkpointing task. */
  pid: number;
  /** uname() release, version, machine: 65 bytes each. */
  uname: { release: Uint8Array; version: Uint8Array; machine: Uint8Array };
  /** File position before and after (negative errno for pipes / bad fds). */
  pos: { before: number; after: number };
}

/** What one restart case did in the kernel. */
export interface KernelRestartResult {
  /** Raw `sys_restart` return value. */
  ret: number;
  /** File position after the call (bytes consumed), or a negative errno for a bad fd. */
  consumed: number;
  /** The 16 raw comm bytes after the call. */
  comm: Uint8Array;
  /** Counter increments by the restart call itself (1 when a context was allocated). */
  counterDelta: number;
}

/** A finding record (leak, spin, restart of the init's own image). */
export interface Finding {
  /** Name. */
  name: string;
  /** Description of the values. */
  what: string;
  /** The integer values, in order. */
  values: number[];
  /** Raw fields (for byte fields). */
  raw: Uint8Array[];
}

/** Everything one boot produced. */
export interface KernelRun {
  /** ABI booted. */
  abi: KernelAbi;
  /** dpkg version of linux-source-6.1. */
  sourceVersion: string;
  /** `make kernelrelease`. */
  kernelRelease: string;
  /** Build cache key. */
  key: string;
  /** HEAD's version bytes for this kernel (`LINUX_VERSION_CODE` split). */
  kernel: KernelVersion;
  /** utsname as the kernel reports it (first 64 of uname()'s 65 bytes). */
  uts: KernelUts;
  /** uname() sysname, nodename, release, version, machine, domainname: 65 bytes each. */
  uname: Uint8Array[];
  /** Checkpoint scenarios, in order. */
  checkpoints: CheckpointObservation[];
  /** Restart results by case id. */
  restarts: Map<string, KernelRestartResult>;
  /** Findings, in order. */
  findings: Finding[];
  /** True when the host timeout killed QEMU. */
  timedOut: boolean;
  /** True when the `Z` end record arrived. */
  complete: boolean;
  /** Counter value returned by the final checkpoint (`Z` record). */
  finalCrid: number | undefined;
  /** Path of the raw data-port log (frames). */
  serialLog: string;
  /** Path of the kernel console log. */
  consoleLog: string;
  /** Wall-clock time of the boot, ms. */
  bootMs: number;
  /** The QEMU command line used. */
  qemuArgs: string[];
}

/** Kernel version bytes from a kernel release like `6.1.192` (sublevel clamped to 255 as KERNEL_VERSION does). */
export function versionFromRelease(release: string): KernelVersion {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) throw new Error(`cannot parse kernel release ${release}`);
  return {
    major: Number(m[1]) & 0xff,
    minor: Number(m[2]) & 0xff,
    patch: Math.min(Number(m[3] ?? 0), 255),
  };
}

/**
 * Interprets the record stream of one boot. `caseIds[i]` names the i-th
 * bundle case (restart records carry the case index).
 *
 * @throws {SerialStreamError} on a record with unexpected fields.
 */
export function interpretRecords(
  records: readonly KernelRecord[],
  caseIds: readonly string[],
): Pick<KernelRun, "uname" | "checkpoints" | "restarts" | "findings" | "complete" | "finalCrid"> & {
  abiName: string;
} {
  let uname: Uint8Array[] = [];
  let abiName = "";
  const checkpoints: CheckpointObservation[] = [];
  const restarts = new Map<string, KernelRestartResult>();
  const findings: Finding[] = [];
  let complete = false;
  let finalCrid: number | undefined;
  for (const r of records) {
    const f = r.fields;
    switch (r.tag) {
      case "U":
        abiName = text(f[0]);
        uname = f.slice(1, 7);
        break;
      case "C": {
        if (f.length < 20) throw new SerialStreamError(`C record with ${f.length} fields`);
        const name = text(f[0]);
        checkpoints.push({
          name,
          ret: i64(f[1], `${name}.ret`),
          written: i64(f[2], `${name}.written`),
          image: f[3]!,
          commRequested: f[4]!,
          commReported: f[5]!,
          time: {
            before: { sec: i64(f[6], "t0"), nsec: i64(f[7], "t0") },
            after: { sec: i64(f[8], "t1"), nsec: i64(f[9], "t1") },
          },
          stat: { before: text(f[10]), after: text(f[11]) },
          status: { before: text(f[12]), after: text(f[13]) },
          pid: i64(f[14], "pid"),
          uname: { release: f[15]!, version: f[16]!, machine: f[17]! },
          pos: { before: i64(f[18], "pos0"), after: i64(f[19], "pos1") },
        });
        break;
      }
      case "R": {
        const idx = i64(f[0], "R.idx");
        const id = caseIds[idx];
        if (id === undefined) throw new SerialStreamError(`R record for unknown case index ${idx}`);
        if (f.length > 5) {
          throw new SerialStreamError(
            `case ${id}: the checkpoint after restart failed (${i64(f[5], "c1")})`,
          );
        }
        restarts.set(id, {
          ret: i64(f[1], `${id}.ret`),
          consumed: i64(f[2], `${id}.pos`),
          comm: f[3]!,
          counterDelta: i64(f[4], `${id}.delta`),
        });
        break;
      }
      case "F":
        findings.push({
          name: text(f[0]),
          what: text(f[1]),
          values: f.slice(2).filter((x) => x.length === 8).map((x) => i64(x, "F")),
          raw: f.slice(2),
        });
        break;
      case "B":
        break;
      case "Z":
        complete = true;
        finalCrid = i64(f[0], "Z");
        break;
      default:
        throw new SerialStreamError(`unknown record tag ${JSON.stringify(r.tag)}`);
    }
  }
  return { uname, abiName, checkpoints, restarts, findings, complete, finalCrid };
}

// ---------------------------------------------------------------- booting

/** Options of {@link runKernel}. */
export interface RunKernelOptions {
  /** Restart cases for the batch (written to `/cases.bin`). */
  restartCases?: readonly BundleCase[];
  /** Run the checkpoint scenarios and the leak finding. @default false */
  scenarios?: boolean;
  /**
   * Extra kernel command-line words, e.g. `init_on_alloc=1` or
   * `init_on_alloc=0 page_poison=1 slub_debug=P` (definedness probes), or
   * `crmode=spin` (the EAGAIN-spin finding; never finishes by itself).
   */
  bootArgs?: string;
  /** Host timeout; QEMU is killed after it. @default 120000 */
  timeoutMs?: number;
  /** A build from {@link ensureKernel}; built on demand when absent. */
  build?: KernelBuild;
  /** Directory for this run's files. @default a new dir under `<cache>/runs/` */
  runDir?: string;
  /** QEMU `-icount shift`. @default 3 */
  icountShift?: number;
  /** Options passed to {@link ensureKernel} when `build` is absent. */
  ensure?: EnsureKernelOptions;
}

/** The guest wall clock at power-on (QEMU `-rtc base`). */
export const RTC_BASE = "2008-04-01T00:00:00";

/**
 * Boots the capture kernel once and returns what it observed.
 *
 * QEMU: `-accel tcg -icount shift=N,sleep=off -rtc base=2008-04-01T00:00:00,clock=vm`
 * (deterministic guest time), `-m 128`, `-no-reboot`, first serial port =
 * kernel console (file), second = data port (file). The initramfs holds
 * `/init`, device nodes and, when given, `/cases.bin`.
 *
 * @throws {SerialStreamError} when the data stream is malformed; a timeout
 * is not an error (see `timedOut`, `complete`).
 */
export async function runKernel(abi: KernelAbi, opts: RunKernelOptions = {}): Promise<KernelRun> {
  const build = opts.build ?? (await ensureKernel(abi, opts.ensure));
  if (build.abi !== abi) throw new Error(`runKernel: build is for ${build.abi}, not ${abi}`);
  const cache = opts.ensure?.cacheDir ?? DEFAULT_CACHE;
  let dir = opts.runDir;
  if (!dir) {
    await Deno.mkdir(`${cache}/runs`, { recursive: true });
    dir = await Deno.makeTempDir({ dir: `${cache}/runs`, prefix: `${abi}-` });
  } else await Deno.mkdir(dir, { recursive: true });
  const cases = opts.restartCases ?? [];
  const list = [
    "dir /dev 0755 0 0",
    "nod /dev/console 0600 0 0 c 5 1",
    "nod /dev/ttyS1 0600 0 0 c 4 65",
    "nod /dev/null 0666 0 0 c 1 3",
    "dir /proc 0755 0 0",
    "dir /tmp 01777 0 0",
    `file /init ${build.initBin} 0755 0 0`,
  ];
  if (cases.length) {
    await Deno.writeFile(`${dir}/cases.bin`, encodeBundle(cases));
    list.push(`file /cases.bin ${dir}/cases.bin 0644 0 0`);
  }
  await Deno.writeTextFile(`${dir}/initramfs.list`, list.join("\n") + "\n");
  const cpio = await new Deno.Command(build.genInitCpio, {
    args: [`${dir}/initramfs.list`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!cpio.success) throw new Error(`gen_init_cpio failed: ${dec.decode(cpio.stderr)}`);
  await Deno.writeFile(`${dir}/initramfs.cpio`, cpio.stdout);

  const consoleLog = `${dir}/console.log`;
  const serialLog = `${dir}/data.log`;
  const append = ["console=ttyS0", "panic=-1", "quiet"];
  if (opts.scenarios) append.push("crscen=1");
  if (opts.bootArgs) append.push(...opts.bootArgs.split(/\s+/).filter(Boolean));
  const qemu = abi === "x86_64" ? "qemu-system-x86_64" : "qemu-system-i386";
  const qemuArgs = [
    "-nodefaults",
    "-display",
    "none",
    "-no-reboot",
    "-m",
    "128",
    "-accel",
    "tcg",
    "-icount",
    `shift=${opts.icountShift ?? 3},sleep=off`,
    "-rtc",
    `base=${RTC_BASE},clock=vm`,
    "-monitor",
    "none",
    "-serial",
    `file:${consoleLog}`,
    "-serial",
    `file:${serialLog}`,
    "-kernel",
    build.bzImage,
    "-initrd",
    `${dir}/initramfs.cpio`,
    "-append",
    append.join(" "),
  ];
  const t0 = Date.now();
  const child = new Deno.Command(qemu, { args: qemuArgs, stdout: "piped", stderr: "piped" })
    .spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, opts.timeoutMs ?? 120000);
  const status = await child.output();
  clearTimeout(timer);
  const bootMs = Date.now() - t0;
  if (!status.success && !timedOut) {
    throw new Error(`${qemu} failed (exit ${status.code}): ${dec.decode(status.stderr)}`);
  }
  const log = await Deno.readTextFile(serialLog).catch(() => "");
  const frames = parseFrames(log, { allowTruncatedTail: timedOut });
  const recs = interpretRecords(parseRecords(frames.data), cases.map((c) => c.id));
  if (recs.abiName && recs.abiName !== abi) {
    throw new SerialStreamError(`init reports ABI ${recs.abiName}, booted ${abi}`);
  }
  const u = recs.uname;
  const cut = (b: Uint8Array | undefined) => (b ?? new Uint8Array(UTS_LEN + 1)).slice(0, UTS_LEN);
  return {
    abi,
    sourceVersion: build.sourceVersion,
    kernelRelease: build.kernelRelease,
    key: build.key,
    kernel: versionFromRelease(build.kernelRelease),
    uts: { release: cut(u[2]), version: cut(u[3]), machine: cut(u[4]) },
    uname: u,
    checkpoints: recs.checkpoints,
    restarts: recs.restarts,
    findings: recs.findings,
    timedOut,
    complete: recs.complete,
    finalCrid: recs.finalCrid,
    serialLog,
    consoleLog,
    bootMs,
    qemuArgs: [qemu, ...qemuArgs],
  };
}

// ---------------------------------------------------------------- model comparison

/** A checkpoint image decoded back into the model's inputs. */
export interface DecodedImage {
  /** The task state the TASK and STRING records carry. */
  state: TaskState;
  /** The environment HEAD carries (version, uts, time), counter = crid - 1. */
  env: CheckpointEnv;
}

/**
 * Decodes a full checkpoint image (HEAD, TASK, STRING, TAIL) with the
 * layout tables, so that `checkpoint(state, env)` can be asked to produce
 * the same bytes.
 *
 * @throws {Error} when the image is not exactly one well-formed image.
 */
export function decodeCheckpointImage(abi: AbiName, image: Uint8Array, crid: number): DecodedImage {
  const l = LAYOUTS[abi];
  const e = l.abi.endian;
  let at = 0;
  const rec = (name: "HEAD" | "TASK" | "STRING" | "TAIL", type: number, size: number) => {
    if (at + l.HDR.size + size > image.length) throw new Error(`${name}: image too short`);
    const h = decodeFrom(l.HDR, e, image, at);
    if (h.type !== BigInt(type) || h.len !== BigInt(size) || h.parent !== 0n) {
      throw new Error(`${name} header at ${at}: type ${h.type} len ${h.len} parent ${h.parent}`);
    }
    const base = at + l.HDR.size;
    at = base + size;
    return base;
  };
  const hb = rec("HEAD", RECORD_TYPES.HEAD, l.HEAD.size);
  const head = decodeFrom(l.HEAD, e, image, hb);
  const tb = rec("TASK", RECORD_TYPES.TASK, l.TASK.size);
  const task = decodeFrom(l.TASK, e, image, tb);
  const sb = rec("STRING", RECORD_TYPES.STRING, TASK_COMM_LEN);
  rec("TAIL", RECORD_TYPES.TAIL, l.TAIL.size);
  if (at !== image.length) throw new Error(`${image.length - at} bytes after TAIL`);
  const state = defaultTaskState();
  const s = state as unknown as Record<string, unknown>;
  for (const f of l.TASK.fields) {
    if (f.type === "pad" || f.name === "task_comm_len") continue;
    s[f.name] = task[f.name];
  }
  state.comm = image.slice(sb, sb + TASK_COMM_LEN);
  return {
    state,
    env: {
      abi,
      kernel: {
        major: Number(head.major),
        minor: Number(head.minor),
        patch: Number(head.patch),
      },
      uts: {
        release: head.release as Uint8Array,
        version: head.version as Uint8Array,
        machine: head.machine as Uint8Array,
      },
      time: head.time as bigint,
      counter: crid - 1,
    },
  };
}

/** Result of {@link verifyCheckpoint}. */
export interface CheckpointCheck {
  /** Scenario name. */
  name: string;
  /** Empty when the model reproduces the kernel exactly; else what differs. */
  problems: string[];
  /** A known, documented difference between the port and the seed (PORT.md), if any. */
  portDivergence?: string;
}

/**
 * Checks one checkpoint scenario against the model: for a successful
 * checkpoint, `checkpoint(decoded state, decoded env)` must give the same
 * ret and identical bytes (padding included); for a failed one, the model's
 * ret for the same flags / fd kind, and no bytes written. Also checks what
 * the init knows: comm, uts, HEAD.time within the time window, pid-1
 * exit_signal, start time against /proc/self/stat.
 */
export function verifyCheckpoint(abi: AbiName, obs: CheckpointObservation): CheckpointCheck {
  const problems: string[] = [];
  const l = LAYOUTS[abi];
  const fail = {
    "flags-1": { flags: 1n },
    "flags-highbit": { flags: abi === "x86_64" ? 1n << 63n : 1n << 31n },
    "bad-fd-minus1": { file: "bad-fd" as const },
    "bad-fd-999": { file: "bad-fd" as const },
    "read-only-fd": { file: "read-only" as const },
  }[obs.name];
  if (obs.name === "dev-null") {
    // 6.1's kernel_write() refuses files whose f_op has ->write (/dev/null has
    // both ->write and ->write_iter): -EINVAL where the seed's vfs_write wrote.
    if (obs.ret !== -22) problems.push(`ret ${obs.ret}, port expected -22`);
    return {
      name: obs.name,
      problems,
      portDivergence:
        "kernel_write() refuses /dev/null (f_op->write): -EINVAL; the seed returns the crid",
    };
  }
  if (fail || obs.ret < 0) {
    const env = { ...decodeFallbackEnv(abi), ...(fail ?? {}) };
    const m = checkpoint(defaultTaskState(), env);
    if (m.ret !== obs.ret) problems.push(`ret ${obs.ret}, model ${m.ret}`);
    if (obs.written !== 0 || obs.image.length !== 0) {
      problems.push(`wrote ${obs.written} bytes, model ${m.image.length}`);
    }
    return { name: obs.name, problems };
  }
  let d: DecodedImage;
  try {
    d = decodeCheckpointImage(abi, obs.image, obs.ret);
  } catch (e) {
    problems.push(`decode: ${(e as Error).message}`);
    return { name: obs.name, problems };
  }
  const m = checkpoint(d.state, d.env);
  if (m.ret !== obs.ret) problems.push(`ret ${obs.ret}, model ${m.ret}`);
  if (obs.written !== obs.image.length) {
    problems.push(`written ${obs.written} != bytes read back ${obs.image.length}`);
  }
  if (toHex(m.image) !== toHex(obs.image)) {
    const diff: number[] = [];
    for (let i = 0; i < Math.max(m.image.length, obs.image.length); i++) {
      if (m.image[i] !== obs.image[i]) diff.push(i);
    }
    problems.push(`image differs from model at offsets ${diff.slice(0, 20).join(",")}`);
  }
  // What the init knows.
  const t = d.env.time;
  if (t < BigInt(obs.time.before.sec) || t > BigInt(obs.time.after.sec)) {
    problems.push(`HEAD.time ${t} outside [${obs.time.before.sec}, ${obs.time.after.sec}]`);
  }
  for (const k of ["release", "version", "machine"] as const) {
    if (toHex(d.env.uts[k]) !== toHex(obs.uname[k].slice(0, UTS_LEN))) {
      problems.push(`HEAD.${k} != uname ${k}`);
    }
  }
  if (toHex(d.state.comm) !== toHex(obs.commReported) && !obs.name.startsWith("comm-restart")) {
    problems.push(`comm ${toHex(d.state.comm)} != PR_GET_NAME ${toHex(obs.commReported)}`);
  }
  const st = parseProcStat(obs.stat.after);
  if (st) {
    const ticks = d.state.real_start_time_sec * 100n + d.state.real_start_time_nsec / 10000000n;
    if (ticks !== st.starttime) {
      problems.push(`real_start_time ${ticks} ticks != /proc starttime ${st.starttime}`);
    }
    const st0 = parseProcStat(obs.stat.before);
    if (st0 && (d.state.min_flt < st0.minflt || d.state.min_flt > st.minflt)) {
      problems.push(`min_flt ${d.state.min_flt} outside /proc [${st0.minflt}, ${st.minflt}]`);
    }
  }
  const es = readField(
    obs.image,
    l.TASK.byName["exit_signal"]!,
    l.abi.endian,
    2 * l.HDR.size + l.HEAD.size,
  );
  // PID 1 has exec()ed /init, which sets exit_signal to SIGCHLD; the clone()d
  // children did not exec and keep the exit signal they were created with.
  const wantSig = obs.name === "clone-child-exitsig-0"
    ? 0n
    : obs.name === "clone-child-sigusr1"
    ? 10n
    : 17n;
  if (es !== wantSig) problems.push(`exit_signal ${es}, expected ${wantSig}`);
  return { name: obs.name, problems };
}

function decodeFallbackEnv(abi: AbiName): CheckpointEnv {
  const z = new Uint8Array(UTS_LEN);
  return {
    abi,
    kernel: { major: 6, minor: 1, patch: 0 },
    uts: { release: z, version: z, machine: z },
    time: 0n,
  };
}

/** The fields of `/proc/<pid>/stat` the scenarios use. */
export interface ProcStat {
  /** comm as shown (between the parentheses). */
  comm: string;
  /** Field 10. */
  minflt: bigint;
  /** Field 12. */
  majflt: bigint;
  /** Field 14 (clock ticks). */
  utime: bigint;
  /** Field 15 (clock ticks). */
  stime: bigint;
  /** Field 22 (clock ticks since boot). */
  starttime: bigint;
}

/** Parses `/proc/<pid>/stat` text; `undefined` when it is not one. */
export function parseProcStat(s: string): ProcStat | undefined {
  const close = s.lastIndexOf(")");
  const open = s.indexOf("(");
  if (open < 0 || close < 0) return undefined;
  const rest = s.slice(close + 2).trim().split(/\s+/); // rest[0] is field 3
  const f = (n: number) => BigInt(rest[n - 3] ?? "0");
  return {
    comm: s.slice(open + 1, close),
    minflt: f(10),
    majflt: f(12),
    utime: f(14),
    stime: f(15),
    starttime: f(22),
  };
}
