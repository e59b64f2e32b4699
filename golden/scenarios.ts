/**
 * Checkpoint scenarios a real kernel wrote, against the model: decoding an
 * image back into task state and environment through the layout walker,
 * and verifying that the model reproduces every byte.
 *
 * @module
 */
import { readField, toHex } from "../reference/bytes.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { decodeFrom } from "../reference/codec.ts";
import { type AbiName, layoutOf, TASK_COMM_LEN, UTS_LEN } from "../reference/layout.ts";
import { type CheckpointEnv, defaultTaskState, type TaskState } from "../reference/types.ts";
import type { CheckpointObservation } from "./serial.ts";
import { imagePlan, type ImageRecord, walkRecords } from "../reference/walk.ts";

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
  const l = layoutOf(abi);
  const e = l.abi.endian;
  const found = [...walkRecords(abi, image)];
  const plan = imagePlan(abi);
  for (const [i, want] of plan.records.entries()) {
    const r = found[i];
    if (!r || r.payloadBytes < want.layout.size) throw new Error(`${want.record}: image too short`);
    if (r.name !== want.record || r.len !== want.layout.size || r.parent !== 0n) {
      throw new Error(
        `${want.record} header at ${r.offset}: type ${r.type} len ${r.len} parent ${r.parent}`,
      );
    }
  }
  if (image.length !== plan.end) throw new Error(`${image.length - plan.end} bytes after TAIL`);
  const at = (rec: ImageRecord) => plan.records.find((r) => r.record === rec)!.payloadOffset;
  const head = decodeFrom(l.HEAD, e, image, at("HEAD"));
  const task = decodeFrom(l.TASK, e, image, at("TASK"));
  const sb = at("STRING");
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
  const l = layoutOf(abi);
  const fail = {
    "flags-1": { flags: 1n },
    "flags-highbit": { flags: 1n << BigInt(l.abi.longBytes * 8 - 1) },
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
