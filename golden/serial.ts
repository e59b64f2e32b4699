/**
 * The capture init's data stream: CRC-checked frames on the second serial
 * port ({@link parseFrames}), the tagged records inside them
 * ({@link parseRecords}) and what they say about one boot
 * ({@link interpretRecords}). One cohesive thing: the stream format from
 * bytes to typed observations.
 *
 * @module
 */
import { CrconformError } from "../reference/errors.ts";
import { concat } from "../reference/bytes.ts";
import type { KernelVersion } from "../reference/types.ts";
import type { KernelAbi, KernelVariant } from "./kernel_build.ts";

const dec = new TextDecoder();

/** The serial data stream is malformed: the message says where and why. */
export class SerialStreamError extends CrconformError {
  /** The error\'s class name. */
  override readonly name: string = "SerialStreamError";
  /** 1-based line number in the serial log, when known. */
  readonly line: number | undefined;
  /** Builds the error. */
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `serial line ${line}: ${message}`);
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
  /** The same without folders (the run's files and the kernel image by name): the same from any path. */
  qemuCommand: string[];
  /** The kernel configuration booted (`base`, `stackpattern`). */
  variant: KernelVariant;
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
