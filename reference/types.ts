/**
 * The model's inputs and outputs: task state, environments, profiles and
 * outcomes, with their defaults and validation.
 *
 * Integers that can exceed 2^53 are `bigint`; byte strings (comm, utsname)
 * are raw `Uint8Array`s, never text.
 *
 * @module
 */
import { getAbi } from "./abi.ts";
import { type AbiName, type Field, type RecordName, TASK_COMM_LEN, UTS_LEN } from "./layout.ts";
import { padded } from "./bytes.ts";

/**
 * A task as checkpoint sees it: each TASK field as the unsigned value stored
 * in the image (a negative `long` on x86_64 is its two's complement; on i386
 * a `long` is sign-extended from 32 bits and an `unsigned long` is below
 * 2^32), and `comm` as the 16 raw bytes of `task_struct.comm`.
 */
export interface TaskState {
  /** `state` (signed long). */
  state: bigint;
  /** `exit_state` (int, stored as u32). */
  exit_state: bigint;
  /** `exit_code` (int, stored as u32). */
  exit_code: bigint;
  /** `exit_signal` (int, stored as u32). */
  exit_signal: bigint;
  /** `utime`. */
  utime: bigint;
  /** `stime`. */
  stime: bigint;
  /** `utimescaled`. */
  utimescaled: bigint;
  /** `stimescaled`. */
  stimescaled: bigint;
  /** `gtime`. */
  gtime: bigint;
  /** `prev_utime`. */
  prev_utime: bigint;
  /** `prev_stime`. */
  prev_stime: bigint;
  /** `nvcsw`. */
  nvcsw: bigint;
  /** `nivcsw`. */
  nivcsw: bigint;
  /** `start_time.tv_sec`. */
  start_time_sec: bigint;
  /** `start_time.tv_nsec`. */
  start_time_nsec: bigint;
  /** `real_start_time.tv_sec`. */
  real_start_time_sec: bigint;
  /** `real_start_time.tv_nsec`. */
  real_start_time_nsec: bigint;
  /** `min_flt`. */
  min_flt: bigint;
  /** `maj_flt`. */
  maj_flt: bigint;
  /** The 16 raw bytes of `comm`, including whatever follows the NUL. */
  comm: Uint8Array;
}

/** Names of the integer fields of {@link TaskState}, in image order. */
export type TaskIntField = Exclude<keyof TaskState, "comm">;

/** The kernel version bytes HEAD carries (`LINUX_VERSION_CODE` split, each & 0xff). */
export interface KernelVersion {
  /** `(LINUX_VERSION_CODE >> 16) & 0xff`. */
  major: number;
  /** `(LINUX_VERSION_CODE >> 8) & 0xff`. */
  minor: number;
  /** `LINUX_VERSION_CODE & 0xff`. */
  patch: number;
}

/** The three utsname strings HEAD copies, 64 raw bytes each (no NUL required). */
export interface Uts {
  /** `utsname()->release`. */
  release: Uint8Array;
  /** `utsname()->version`. */
  version: Uint8Array;
  /** `utsname()->machine`. */
  machine: Uint8Array;
}

/**
 * What happens when checkpoint looks up and writes its file descriptor: `ok`,
 * `bad-fd` (fget fails), `read-only` (not open for writing: -EBADF) or
 * `no-write` (open for writing, but its file has no write method, as an epoll
 * descriptor: -EINVAL).
 */
export type FileKind = "ok" | "bad-fd" | "read-only" | "no-write";

/**
 * What happens when restart looks up and reads its file descriptor: `ok`,
 * `bad-fd` (fget fails), `write-only` (not open for reading: -EBADF) or
 * `no-read` (open for reading, but its file has no read method, as an epoll
 * descriptor: -EINVAL).
 */
export type RestartFileKind = "ok" | "bad-fd" | "write-only" | "no-read";

/**
 * How a valid file behaves under the seed's transfer loop (`cr_kwrite` /
 * `cr_kread`: one `vfs_write`/`vfs_read` after another until the count is
 * done; -EAGAIN is "moved 0, try again"; any other error, and for a read a
 * return of 0 (end of file), ends the loop). Only with `file` `ok`; absent
 * fields are the plain file: whole transfers, no -EAGAIN, no error. See
 * `docs/FILE-BEHAVIOURS.md`.
 */
export interface FileBehaviour {
  /** At most this many bytes per transfer (a short transfer; ≥ 1). @default unlimited */
  chunk?: number;
  /**
   * Before each transfer that moves bytes, reports end of file or fails,
   * this many transfers return -EAGAIN (0..{@link IO_EAGAIN_MAX}: bounded,
   * as the seed spins while it lasts). @default 0
   */
  eagain?: number;
  /**
   * The file fails once this many bytes were transferred from position 0:
   * the transfer that would go past `bytes` moves only up to it, and every
   * transfer at `bytes` returns `-errno` (a full disk, an I/O error). For a
   * read, an end of file before `bytes` comes first.
   */
  errorAfter?: {
    bytes: number;
    errno: number;
    /**
     * How many transfers fail before the file works again (a transient error:
     * EINTR, a network file system's EIO), 1..{@link IO_EAGAIN_MAX}; absent:
     * every one (a full disk). The seed stops at the first failure, so its
     * outcome is the same either way; an implementation that goes on after
     * an error writes or reads more.
     */
    count?: number;
  };
  /**
   * Checkpoint only: the file takes nothing at this offset. The transfer
   * that would go past `bytes` moves only up to it, then `count` transfers
   * at `bytes` move nothing and return 0 (no error) before the file works
   * again; absent `count`: every one. The seed's `cr_kwrite` takes a 0 for
   * "all written": that loop's other bytes are never written and the next
   * record goes on at `bytes`. (For a read, 0 is the end of file: a restart
   * image cut at `bytes` says it.) Not with `errorAfter`.
   */
  zeroAfter?: {
    bytes: number;
    /** How many transfers move nothing (1..{@link IO_EAGAIN_MAX}); absent: every one. */
    count?: number;
  };
}

/** The longest run of -EAGAIN a {@link FileBehaviour} may ask for before each transfer. */
export const IO_EAGAIN_MAX = 64;

/** Everything outside the task that `sys_checkpoint` reads. */
export interface CheckpointEnv {
  /** The ABI of the checkpointing kernel. */
  abi: AbiName;
  /** The checkpointing kernel's version. */
  kernel: KernelVersion;
  /** The checkpointing kernel's utsname. */
  uts: Uts;
  /** Wall-clock seconds at the checkpoint (`tv_sec`, a `long`). */
  time: bigint;
  /** The global context counter before the call. @default 0 */
  counter?: number;
  /** The syscall's `flags` argument. @default 0n */
  flags?: bigint;
  /** The syscall's `pid` argument, which the seed ignores. @default 0 */
  pid?: number;
  /** The file descriptor: valid and writable, not open, open read-only, or without a write method. @default "ok" */
  file?: FileKind;
  /** How the (valid, writable) file behaves per transfer. @default the plain file */
  io?: FileBehaviour;
}

/** Everything outside the image that `sys_restart` reads. */
export interface RestartEnv {
  /** The ABI of the restarting kernel. */
  abi: AbiName;
  /** The restarting kernel's version, which HEAD must match. */
  kernel: KernelVersion;
  /** The restarting task's 16 comm bytes before the call. */
  comm: Uint8Array;
  /** The global context counter before the call. @default 0 */
  counter?: number;
  /** The syscall's `flags` argument. @default 0n */
  flags?: bigint;
  /** The syscall's `crid` argument, which the seed ignores. @default 0 */
  crid?: number;
  /** The file descriptor: valid, not open, open write-only, or without a read method. @default "ok" */
  file?: RestartFileKind;
  /** How the (valid, readable) file behaves per transfer. @default the plain file */
  io?: FileBehaviour;
}

/**
 * `seed`: exactly what the 2008 patch does. `hardened`: what a careful
 * implementation must do where the seed is undefined or unsafe (see
 * `reference/restart.ts` for each rule and its error).
 */
export type Profile = "seed" | "hardened";

/** Every profile, in a stable order.
 *
 * @example
 * ```ts
 * import { PROFILES } from "@crconform/crconform";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(PROFILES, ["seed", "hardened"]);
 * ```
 */
export const PROFILES: readonly Profile[] = Object.freeze(["seed", "hardened"]);

/** Where an undefined value comes from in the seed kernel. */
export type UndefinedSource = "stack" | "page" | "kmalloc";

/**
 * Contents for memory the seed never writes, for a what-if run of restart
 * (the targeted fill experiment, `impls/seed-c/fills_targeted.ts`): byte values
 * by offset in each kind of never-written memory. Bytes it does not name stay
 * undefined. seed-c's `--fill-at` takes the same contents.
 */
export interface UnwrittenFill {
  /** Per header read of the call (0 HEAD's, 1 TASK's, 2 STRING's, 3 TAIL's): offset → byte of `struct cr_hdr`. */
  readonly stack?: readonly (ReadonlyMap<number, number> | undefined)[];
  /** Offset → byte of the scratch buffer's pages. */
  readonly page?: ReadonlyMap<number, number>;
  /** Offset → byte of STRING's kmalloc'd buffer. */
  readonly kmalloc?: ReadonlyMap<number, number>;
}

/** A value that is either defined, or undefined in the seed with the reason. */
export type Maybe<T> =
  | { readonly defined: true; readonly value: T }
  | { readonly defined: false; readonly source: UndefinedSource; readonly why: string };

/** Which record and which check decided an outcome. */
export interface Decision {
  /** The record being processed, or `syscall` for the argument checks. */
  readonly record: RecordName | "syscall";
  /** A stable check id, e.g. `HEAD.magic`, `TASK.hdr.len`, `ok`. */
  readonly check: string;
  /** File offset at which the deciding bytes start. */
  readonly offset: number;
  /** One line of explanation. */
  readonly detail: string;
  /** The layout field the check read, when there is one. */
  readonly field?: Field;
}

/** What `sys_checkpoint` returns and writes. Every byte is defined. */
export interface CheckpointResult {
  /** The raw syscall return value (the crid on success, else a negative errno). */
  readonly ret: number;
  /**
   * The bytes written to the file, in order. Like Node's pooled `Buffer`s, a
   * small image may view a buffer shared with other arrays: read `.buffer`
   * with `byteOffset` and `byteLength`, and `slice()` the image before
   * transferring its buffer.
   */
  readonly image: Uint8Array;
  /** The global context counter after the call. */
  readonly counter: number;
  /** What decided the return value. */
  readonly decision: Decision;
}

/** What `sys_restart` returns and leaves behind. */
export interface RestartOutcome {
  /** The raw syscall return value (0, a negative errno, or a parent quirk value). */
  readonly ret: Maybe<number>;
  /** Bytes consumed: the file position afterwards, starting from 0. */
  readonly consumed: Maybe<number>;
  /**
   * The 16 comm bytes afterwards (0 where undefined). They may view a buffer
   * shared with other arrays, as a checkpoint image may.
   */
  readonly comm: Uint8Array;
  /** Per comm byte: true when defined. */
  readonly commDefined: readonly boolean[];
  /** Where each undefined comm byte comes from (undefined entries for defined bytes). */
  readonly commSource: readonly (UndefinedSource | undefined)[];
  /** The global context counter after the call (always defined). */
  readonly counter: number;
  /** Which record and check decided (or where the outcome became undefined). */
  readonly decision: Decision;
}

/** The kernel the suite's cases model by default: the seed's era. */
export const DEFAULT_KERNEL: Readonly<KernelVersion> = Object.freeze({
  major: 2,
  minor: 6,
  patch: 25,
});

/** A default utsname for an ABI (release `2.6.25`, the ABI's usual machine: `x86_64`, `i686`).
 *
 * @example
 * ```ts
 * import { defaultUts } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(new TextDecoder().decode(defaultUts("i386").machine).replace(/\0+$/, ""), "i686");
 * ```
 */
export function defaultUts(abi: AbiName): Uts {
  return {
    release: padded("2.6.25", UTS_LEN),
    version: padded("#1 SMP Tue Apr 1 00:00:00 UTC 2008", UTS_LEN),
    machine: padded(getAbi(abi).machine, UTS_LEN),
  };
}

/** A plain, valid checkpoint environment for an ABI.
 *
 * @example
 * ```ts
 * import { defaultCheckpointEnv } from "@crconform/crconform";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(defaultCheckpointEnv("i386").kernel, { major: 2, minor: 6, patch: 25 });
 * ```
 */
export function defaultCheckpointEnv(abi: AbiName): CheckpointEnv {
  return {
    abi,
    kernel: { ...DEFAULT_KERNEL },
    uts: defaultUts(abi),
    time: 1206000000n,
    counter: 0,
  };
}

/** A plain, valid restart environment for an ABI (comm before: `restarter`).
 *
 * @example
 * ```ts
 * import { defaultRestartEnv } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(defaultRestartEnv("x86_64").comm.length, 16);
 * ```
 */
export function defaultRestartEnv(abi: AbiName): RestartEnv {
  return {
    abi,
    kernel: { ...DEFAULT_KERNEL },
    comm: padded("restarter", TASK_COMM_LEN),
    counter: 0,
  };
}

/** `SIGCHLD` on x86: a task's usual `exit_signal`. */
export const SIGCHLD = 17n;

/** `_NSIG` on x86: signals are 1.._NSIG. */
export const NSIG = 64n;

/** A plain running task (`state` 0, small counters, comm `init`).
 *
 * @example
 * ```ts
 * import { defaultTaskState } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * const s = defaultTaskState();
 * strictEqual(s.exit_signal, 17n);
 * strictEqual(new TextDecoder().decode(s.comm.subarray(0, 4)), "init");
 * ```
 */
export function defaultTaskState(): TaskState {
  return {
    state: 0n,
    exit_state: 0n,
    exit_code: 0n,
    exit_signal: SIGCHLD,
    utime: 3n,
    stime: 5n,
    utimescaled: 3n,
    stimescaled: 5n,
    gtime: 0n,
    prev_utime: 0n,
    prev_stime: 0n,
    nvcsw: 2n,
    nivcsw: 1n,
    start_time_sec: 1n,
    start_time_nsec: 500000000n,
    real_start_time_sec: 1n,
    real_start_time_nsec: 500000000n,
    min_flt: 100n,
    maj_flt: 0n,
    comm: padded("init", TASK_COMM_LEN),
  };
}
