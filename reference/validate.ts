/**
 * Validation of the model's inputs: the values a kernel of an ABI can
 * produce in each field ({@link fieldDomain}), and checks of task states,
 * environments and profiles that throw an {@link InputError} naming the
 * field, what was expected and what was found.
 *
 * @module
 */
import { abiNames, getAbi, isAbiName } from "./abi.ts";
import { InputError } from "./errors.ts";
import {
  type AbiLayout,
  type AbiName,
  type Field,
  field,
  layoutOf,
  TASK_COMM_LEN,
  TASK_STATE_FIELDS,
  UTS_LEN,
} from "./layout.ts";
import { validateFileBehaviour } from "./file_io.ts";
import type { CheckpointEnv, KernelVersion, Profile, RestartEnv, TaskState } from "./types.ts";

/** Nanoseconds in a second: a normalised `tv_nsec` is below it. */
export const NSEC_PER_SEC = 1_000_000_000n;

/** The largest u64: 2^64 - 1. */
export const U64_MAX = (1n << 64n) - 1n;

function describe(v: unknown): string {
  if (typeof v === "bigint") return `${v} (0x${v.toString(16)})`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  return `${typeof v} ${String(v)}`;
}

/** The values a field can hold on an ABI. */
export interface FieldDomain {
  /** True when `v` (the unsigned value stored in the image) is possible. */
  ok(v: bigint): boolean;
  /** The domain in words, for error messages. */
  readonly text: string;
  /** The largest stored value in the domain (unsigned). */
  readonly max: bigint;
}

/**
 * The values a kernel of this ABI can store into a field: the field's own
 * range, narrowed on a 32-bit ABI for values that come from a C `long`
 * (sign-extended) or `unsigned long` (zero-extended), and to 0..10^9-1 for
 * a timespec's `tv_nsec`, which a kernel keeps normalised.
 */
export function fieldDomain(f: Field, abi: AbiName): FieldDomain {
  let byAbi = domains.get(f);
  if (!byAbi) domains.set(f, byAbi = new Map());
  let d = byAbi.get(abi);
  if (!d) byAbi.set(abi, d = computeDomain(f, abi));
  return d;
}

const domains = new WeakMap<Field, Map<AbiName, FieldDomain>>();

function computeDomain(f: Field, abi: AbiName): FieldDomain {
  const bits = BigInt(f.size * 8);
  const max = (1n << bits) - 1n;
  if (f.source === "nsec") {
    return {
      ok: (v) => v >= 0n && v < NSEC_PER_SEC,
      text: "a timespec tv_nsec: 0..999999999",
      max: NSEC_PER_SEC - 1n,
    };
  }
  if (getAbi(abi).longBytes === 4 && f.size === 8) {
    if (f.source === "ulong") {
      return {
        ok: (v) => v >= 0n && v <= 0xffffffffn,
        text: "an unsigned long on i386: 0..0xffffffff",
        max: 0xffffffffn,
      };
    }
    if (f.source === "long") {
      return {
        ok: (v) => (v >= 0n && v <= 0x7fffffffn) || (v >= U64_MAX - 0x7fffffffn && v <= U64_MAX),
        text:
          "a long on i386 sign-extended: 0..0x7fffffff or 0xffffffff80000000..0xffffffffffffffff",
        max: U64_MAX,
      };
    }
  }
  return { ok: (v) => v >= 0n && v <= max, text: `0..0x${max.toString(16)}`, max };
}

/** The TASK fields a task state carries, with their domains: made once per layout. */
const stateFields = new WeakMap<AbiLayout, readonly { f: Field; dom: FieldDomain }[]>();

/** The fields of a task state for an ABI (every TASK field but padding and `task_comm_len`), with their domains. */
export function taskStateFields(abi: AbiName): readonly { f: Field; dom: FieldDomain }[] {
  const l = layoutOf(abi);
  let out = stateFields.get(l);
  if (!out) {
    out = TASK_STATE_FIELDS.map((name) => {
      const f = field(l.TASK, name);
      return { f, dom: fieldDomain(f, abi) };
    });
    stateFields.set(l, out);
  }
  return out;
}

/** Validates a task state for an ABI; throws {@link InputError} naming the field. */
export function validateTaskState(state: TaskState, abi: AbiName): void {
  if (typeof state !== "object" || state === null) {
    throw new InputError("state", "a task state object", describe(state));
  }
  const fields = taskStateFields(abi);
  for (let i = 0; i < fields.length; i++) {
    const { f, dom } = fields[i]!;
    const v = (state as unknown as Record<string, unknown>)[f.name];
    if (typeof v !== "bigint") {
      throw new InputError(`TASK.${f.name}`, `a bigint in ${dom.text}`, describe(v));
    }
    if (!dom.ok(v)) throw new InputError(`TASK.${f.name}`, dom.text, describe(v));
  }
  checkBytes("state.comm", state.comm, TASK_COMM_LEN);
}

function checkBytes(name: string, v: unknown, size: number): void {
  if (!(v instanceof Uint8Array) || v.length !== size) {
    throw new InputError(name, `${size} raw bytes (Uint8Array)`, describe(v));
  }
}

function checkAbi(abi: unknown): asserts abi is AbiName {
  if (!isAbiName(abi)) {
    throw new InputError("env.abi", `one of ${abiNames().join(", ")}`, describe(abi));
  }
}

function checkKernel(k: KernelVersion): void {
  // Each part by name (not a loop over names): this runs on every restart.
  checkVersionPart("major", k?.major);
  checkVersionPart("minor", k?.minor);
  checkVersionPart("patch", k?.patch);
}

function checkVersionPart(part: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xff) {
    throw new InputError(`env.kernel.${part}`, "an integer 0..255", describe(v));
  }
}

/**
 * The largest `flags` argument a kernel of this ABI can receive: the
 * syscall's `flags` is an `unsigned long`, so on a 32-bit ABI a value of
 * 2^32 or more is out of its domain (the gate never sends one).
 */
export function flagsMax(abi: AbiName): bigint {
  return getAbi(abi).longBytes === 4 ? 0xffffffffn : U64_MAX;
}

function checkCommon(env: { abi: AbiName; counter?: number; flags?: bigint }): void {
  const c = env.counter ?? 0;
  if (!Number.isInteger(c) || c < 0 || c > 0x7ffffffe) {
    throw new InputError("env.counter", "an integer 0..0x7ffffffe", describe(c));
  }
  const fl = env.flags ?? 0n;
  const max = flagsMax(env.abi);
  if (typeof fl !== "bigint" || fl < 0n || fl > max) {
    throw new InputError(
      "env.flags",
      `a bigint 0..0x${max.toString(16)} (an unsigned long on ${env.abi})`,
      describe(fl),
    );
  }
}

function checkInt32(name: string, v: unknown): void {
  if (
    v !== undefined &&
    (!Number.isInteger(v) || (v as number) < -0x80000000 || (v as number) > 0x7fffffff)
  ) {
    throw new InputError(name, "an integer -2^31..2^31-1", describe(v));
  }
}

/** Validates a checkpoint environment; throws {@link InputError}. */
export function validateCheckpointEnv(env: CheckpointEnv): void {
  if (typeof env !== "object" || env === null) {
    throw new InputError("env", "an environment object", describe(env));
  }
  checkAbi(env.abi);
  checkKernel(env.kernel);
  for (const part of ["release", "version", "machine"] as const) {
    checkBytes(`env.uts.${part}`, env.uts?.[part], UTS_LEN);
  }
  const time = layoutOf(env.abi).HEAD.byName["time"]!;
  const dom = fieldDomain(time, env.abi);
  if (typeof env.time !== "bigint" || !dom.ok(env.time)) {
    throw new InputError("env.time", dom.text, describe(env.time));
  }
  checkCommon(env);
  checkInt32("env.pid", env.pid);
  if (env.file !== undefined && !["ok", "bad-fd", "read-only", "no-write"].includes(env.file)) {
    throw new InputError("env.file", "ok, bad-fd, read-only or no-write", describe(env.file));
  }
  validateFileBehaviour(env.io, env.file, "checkpoint");
}

/** Validates a restart environment; throws {@link InputError}. */
export function validateRestartEnv(env: RestartEnv): void {
  if (typeof env !== "object" || env === null) {
    throw new InputError("env", "an environment object", describe(env));
  }
  checkAbi(env.abi);
  checkKernel(env.kernel);
  checkBytes("env.comm", env.comm, TASK_COMM_LEN);
  checkCommon(env);
  checkInt32("env.crid", env.crid);
  if (env.file !== undefined && !["ok", "bad-fd", "write-only", "no-read"].includes(env.file)) {
    throw new InputError("env.file", "ok, bad-fd, write-only or no-read", describe(env.file));
  }
  validateFileBehaviour(env.io, env.file, "restart");
}

/** Validates a profile name; throws {@link InputError}. */
export function validateProfile(profile: unknown): asserts profile is Profile {
  if (profile !== "seed" && profile !== "hardened") {
    throw new InputError("profile", "seed or hardened", describe(profile));
  }
}
