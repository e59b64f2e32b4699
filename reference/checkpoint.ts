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
  imageSize,
  layoutOf,
  MAGIC_HEAD,
  MAGIC_TAIL,
  RECORD_TYPES,
  TASK_COMM_LEN,
  TASK_STATE_FIELDS,
} from "./layout.ts";
import type { RecordLayout } from "./layout.ts";
import type { CheckpointEnv, CheckpointResult, Decision, TaskState } from "./types.ts";
import { validateCheckpointEnv, validateTaskState } from "./validate.ts";

/** `TASK_DEAD` in the seed's kernel: checkpoint refuses such a task with -EAGAIN after HEAD. */
export const TASK_DEAD = 64n;

/** The scratch buffer's size: two pages (`CR_HBUF_ORDER` 1). */
export const HBUF_SIZE = 8192;

/** The scratch buffer, reused by every call (checkpoint is synchronous). */
const hbuf = new Uint8Array(HBUF_SIZE);

/** The TASK record's values: the task's fields and `task_comm_len`. */
function taskValues(state: TaskState): Record<string, bigint> {
  const v: Record<string, bigint> = { task_comm_len: BigInt(TASK_COMM_LEN) };
  for (const name of TASK_STATE_FIELDS) v[name] = state[name as keyof TaskState] as bigint;
  return v;
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
 * @throws {InputError} when the state or the environment is not valid for the ABI.
 */
export function checkpoint(state: TaskState, env: CheckpointEnv): CheckpointResult {
  validateCheckpointEnv(env);
  validateTaskState(state, env.abi);
  const counter = env.counter ?? 0;
  const none = new Uint8Array(0);
  const decide = (check: string, detail: string): Decision => ({
    record: "syscall",
    check,
    offset: 0,
    detail,
  });

  if ((env.flags ?? 0n) !== 0n) {
    return { ret: -ERRNO.EINVAL, image: none, counter, decision: decide("flags", "flags != 0") };
  }
  if (env.file === "bad-fd") {
    return { ret: -ERRNO.EBADF, image: none, counter, decision: decide("fd", "fget failed") };
  }
  const crid = counter + 1;
  if (env.file === "read-only") {
    return {
      ret: -ERRNO.EBADF,
      image: none,
      counter: crid,
      decision: decide("write", "vfs_write on a file not open for writing"),
    };
  }

  const l = layoutOf(env.abi);
  const endian = l.abi.endian;
  // The scratch buffer, reused from call to call: cleared where records go,
  // then HEAD is built in it and TASK over it, as the seed does.
  const used = Math.max(l.HEAD.size, l.TASK.size, l.TAIL.size);
  hbuf.fill(0, 0, used);
  const image = new Uint8Array(imageSize(env.abi));
  let at = 0;
  const put = (type: number, payload: Uint8Array) => {
    encodeInto(
      l.HDR,
      endian,
      { type: BigInt(type), len: BigInt(payload.length), parent: 0n },
      image,
      at,
    );
    image.set(payload, at + l.HDR.size);
    at += l.HDR.size + payload.length;
  };
  const record = (
    layout: RecordLayout,
    type: number,
    values: Record<string, bigint | Uint8Array>,
  ) => {
    encodeInto(layout, endian, values, hbuf);
    put(type, hbuf.subarray(0, layout.size));
  };

  record(l.HEAD, RECORD_TYPES.HEAD, {
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
  });
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
  record(l.TASK, RECORD_TYPES.TASK, taskValues(state));
  put(RECORD_TYPES.STRING, state.comm);
  record(l.TAIL, RECORD_TYPES.TAIL, { magic: MAGIC_TAIL });
  return { ret: crid, image, counter: crid, decision: decide("ok", "checkpoint written") };
}
