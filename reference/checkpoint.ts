/**
 * `sys_checkpoint` as the seed implements it: task state and environment in,
 * the bytes written and the raw return value out.
 *
 * @module
 */
import { encodeInto } from "./codec.ts";
import { ERRNO } from "./errors.ts";
import {
  CR_CTX_CKPT,
  CR_VERSION,
  field,
  imageSize,
  layoutOf,
  MAGIC_HEAD,
  MAGIC_TAIL,
  RECORD_TYPES,
  TASK_COMM_LEN,
} from "./layout.ts";
import type { AbiLayout, AbiName } from "./layout.ts";
import { newBytes, writeField } from "./bytes.ts";
import type { CheckpointTraceSink } from "./trace.ts";
import { ioDecision, ioErrorAt, ioFails, type WriteLoop, writtenWithZeros } from "./file_io.ts";
import type { CheckpointEnv, CheckpointResult, Decision, TaskState } from "./types.ts";
import { taskStateFields, validateCheckpointEnv, validateTaskState } from "./validate.ts";

/**
 * The task state bits of the seed's kernel (`include/linux/sched.h`,
 * 2.6.25): `task_struct.state` and `exit_state` hold these, alone or
 * combined (`TASK_KILLABLE` is `TASK_WAKEKILL | TASK_UNINTERRUPTIBLE`).
 */
export const TASK_STATES: Readonly<Record<string, bigint>> = Object.freeze({
  TASK_RUNNING: 0n,
  TASK_INTERRUPTIBLE: 1n,
  TASK_UNINTERRUPTIBLE: 2n,
  __TASK_STOPPED: 4n,
  __TASK_TRACED: 8n,
  EXIT_ZOMBIE: 16n,
  EXIT_DEAD: 32n,
  TASK_DEAD: 64n,
  TASK_WAKEKILL: 128n,
  TASK_KILLABLE: 130n,
  TASK_STOPPED: 132n,
  TASK_TRACED: 136n,
});

/** `TASK_DEAD` in the seed's kernel: checkpoint refuses such a task with -EAGAIN after HEAD. */
export const TASK_DEAD: bigint = TASK_STATES["TASK_DEAD"]!;

/** The scratch buffer's size: two pages (`CR_HBUF_ORDER` 1). */
export const HBUF_SIZE = 8192;

/** The scratch buffer, reused by every call (checkpoint is synchronous). */
const hbuf = new Uint8Array(HBUF_SIZE);
/** The same bytes, for whole 64-bit writes (a bigint split byte by byte costs far more). */
const hview = new DataView(hbuf.buffer);

/** Per layout: the four record headers (`len` is fixed per record and ABI), encoded once. */
const headers = new WeakMap<AbiLayout, Record<"HEAD" | "TASK" | "STRING" | "TAIL", Uint8Array>>();

function headersOf(l: AbiLayout): Record<"HEAD" | "TASK" | "STRING" | "TAIL", Uint8Array> {
  let h = headers.get(l);
  if (!h) {
    const hdr = (type: number, len: number) => {
      const b = new Uint8Array(l.HDR.size);
      encodeInto(l.HDR, l.abi.endian, { type: BigInt(type), len: BigInt(len), parent: 0n }, b);
      return b;
    };
    h = {
      HEAD: hdr(RECORD_TYPES.HEAD, l.HEAD.size),
      TASK: hdr(RECORD_TYPES.TASK, l.TASK.size),
      STRING: hdr(RECORD_TYPES.STRING, TASK_COMM_LEN),
      TAIL: hdr(RECORD_TYPES.TAIL, l.TAIL.size),
    };
    headers.set(l, h);
  }
  return h;
}

/**
 * Runs `sys_checkpoint(pid, fd, flags)` on the model.
 *
 * The image is HEAD, TASK, STRING (the 16 raw comm bytes) and TAIL. HEAD and
 * TASK are built in the same scratch buffer, so on x86_64 the TASK padding
 * holds the HEAD bytes at the same offsets (the high half of `time` and
 * `version[52..56)`), exactly as the seed writes them.
 *
 * @example
 * ```ts
 * import { checkpoint, defaultCheckpointEnv, defaultTaskState } from "@crconform/crconform";
 * const r = checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64"));
 * console.log(r.ret, r.image.length); // 1 432
 * ```
 *
 * `trace`, when given, is told each record written (`deno task explain`).
 *
 * @throws {InputError} when the state or the environment is not valid for the ABI.
 */
export function checkpoint(
  state: TaskState,
  env: CheckpointEnv,
  trace?: CheckpointTraceSink,
): CheckpointResult {
  const r = checkpointWritten(state, env, trace);
  // A file that takes nothing at byte N: the loop that reaches N takes the 0 for "all written".
  const zero = env.io?.zeroAfter;
  if (zero) {
    const loops = writeLoops(env.abi).filter((w) => w.at < r.image.length);
    const { held, dropped } = writtenWithZeros(r.image, loops, zero);
    if (dropped === 0) return r;
    return {
      ...r,
      image: held,
      decision: {
        ...r.decision,
        detail: `${r.decision.detail}; vfs_write moved 0 bytes at ${zero.bytes}, ` +
          `taken for done: ${dropped} bytes never written`,
      },
    };
  }
  // `cr_kwrite`: the records go out one write loop each; a file that fails at byte N keeps the
  // first N bytes and the first loop that reaches N returns its error.
  const errorAt = ioErrorAt(env.io);
  if (!ioFails(0, r.image.length, Infinity, errorAt)) return r;
  const errno = env.io!.errorAfter!.errno;
  return {
    ret: -errno,
    image: r.image.subarray(0, errorAt),
    counter: r.counter,
    decision: ioDecision("write", errorAt, errno),
  };
}

/**
 * The seed's `cr_kwrite` loops of a whole image of `abi`, in order: each
 * record's header, then its payload (`cr_write_obj`).
 */
export function writeLoops(abi: AbiName): WriteLoop[] {
  const l = layoutOf(abi);
  const out: WriteLoop[] = [];
  let at = 0;
  for (const size of [l.HEAD.size, l.TASK.size, TASK_COMM_LEN, l.TAIL.size]) {
    out.push({ at, count: l.HDR.size }, { at: at + l.HDR.size, count: size });
    at += l.HDR.size + size;
  }
  return out;
}

/** {@link checkpoint} on a file that never fails: what the seed writes. */
function checkpointWritten(
  state: TaskState,
  env: CheckpointEnv,
  trace?: CheckpointTraceSink,
): CheckpointResult {
  validateCheckpointEnv(env);
  validateTaskState(state, env.abi);
  const counter = env.counter ?? 0;
  const decide = (check: string, detail: string): Decision => ({
    record: "syscall",
    check,
    offset: 0,
    detail,
  });

  if ((env.flags ?? 0n) !== 0n) {
    return {
      ret: -ERRNO.EINVAL,
      image: newBytes(0),
      counter,
      decision: decide("flags", "flags != 0"),
    };
  }
  if (env.file === "bad-fd") {
    return {
      ret: -ERRNO.EBADF,
      image: newBytes(0),
      counter,
      decision: decide("fd", "fget failed"),
    };
  }
  const crid = counter + 1;
  if (env.file === "read-only") {
    return {
      ret: -ERRNO.EBADF,
      image: newBytes(0),
      counter: crid,
      decision: decide("write", "vfs_write on a file not open for writing"),
    };
  }
  if (env.file === "no-write") {
    return {
      ret: -ERRNO.EINVAL,
      image: newBytes(0),
      counter: crid,
      decision: decide("write", "vfs_write on a file without a write method"),
    };
  }

  const l = layoutOf(env.abi);
  const endian = l.abi.endian;
  // The scratch buffer, reused from call to call: cleared where records go,
  // then HEAD is built in it and TASK over it, as the seed does.
  const used = Math.max(l.HEAD.size, l.TASK.size, l.TAIL.size);
  hbuf.fill(0, 0, used);
  const image = newBytes(imageSize(env.abi));
  const hdrs = headersOf(l);
  let at = 0;
  const put = (rec: "HEAD" | "TASK" | "STRING" | "TAIL", payload: Uint8Array, size: number) => {
    trace?.write(rec, at, size);
    image.set(hdrs[rec], at);
    at += l.HDR.size;
    for (let i = 0; i < size; i++) image[at + i] = payload[i]!;
    at += size;
  };

  encodeInto(l.HEAD, endian, {
    magic: MAGIC_HEAD,
    major: BigInt(env.kernel.major),
    minor: BigInt(env.kernel.minor),
    patch: BigInt(env.kernel.patch),
    rev: BigInt(CR_VERSION),
    time: env.time,
    flags: CR_CTX_CKPT,
    release: env.uts.release,
    version: env.uts.version,
    machine: env.uts.machine,
  }, hbuf);
  put("HEAD", hbuf, l.HEAD.size);
  if (state.state === TASK_DEAD) {
    return {
      ret: -ERRNO.EAGAIN,
      image: image.slice(0, at),
      counter: crid,
      decision: {
        record: "TASK",
        check: "TASK.state",
        offset: at,
        detail: "task is TASK_DEAD",
      },
    };
  }
  // TASK over HEAD in the scratch buffer: its padding keeps HEAD's bytes.
  const little = endian === "little";
  for (const { f } of taskStateFields(env.abi)) {
    const v = state[f.name as keyof TaskState] as bigint;
    // A u64 field (validated in 0..2^64-1) in one store; the u32 ones through writeField.
    if (f.size === 8) hview.setBigUint64(f.offset, v, little);
    else writeField(hbuf, f, endian, v);
  }
  writeField(hbuf, field(l.TASK, "task_comm_len"), endian, BigInt(TASK_COMM_LEN));
  put("TASK", hbuf, l.TASK.size);
  put("STRING", state.comm, TASK_COMM_LEN);
  encodeInto(l.TAIL, endian, { magic: MAGIC_TAIL }, hbuf);
  put("TAIL", hbuf, l.TAIL.size);
  return { ret: crid, image, counter: crid, decision: decide("ok", "checkpoint written") };
}
