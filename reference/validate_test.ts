// The environment checks of validate.ts at their boundaries: what restart's and checkpoint's
// environments accept and reject. (The gate only builds valid environments, so no implementation
// cross-checks these: this is what pins them; see docs/ORACLE.md.)
import { doesNotThrow, strictEqual, throws } from "node:assert/strict";
import { defaultCheckpointEnv, defaultRestartEnv, defaultTaskState } from "./types.ts";
import {
  taskStateFields,
  validateCheckpointEnv,
  validateRestartEnv,
  validateTaskState,
} from "./validate.ts";
import { InputError } from "./errors.ts";

const envs = [
  ["restart", (e: object) => validateRestartEnv({ ...defaultRestartEnv("x86_64"), ...e })],
  ["checkpoint", (e: object) => validateCheckpointEnv({ ...defaultCheckpointEnv("x86_64"), ...e })],
] as const;

Deno.test("validate: kernel version parts are integers 0..255", () => {
  for (const [name, check] of envs) {
    for (const part of ["major", "minor", "patch"]) {
      const k = (v: number) => ({ kernel: { major: 2, minor: 6, patch: 25, [part]: v } });
      for (const v of [0, 255]) doesNotThrow(() => check(k(v)), `${name} ${part} ${v}`);
      for (const v of [-1, 256, 1.5]) throws(() => check(k(v)), InputError, `${name} ${part} ${v}`);
    }
  }
});

Deno.test("validate: counter 0..0x7ffffffe and flags 0..2^64-1", () => {
  for (const [name, check] of envs) {
    for (const counter of [0, 0x7ffffffe]) {
      doesNotThrow(() => check({ counter }), `${name} ${counter}`);
    }
    for (const counter of [-1, 0x7fffffff, 0.5]) {
      throws(() => check({ counter }), InputError, `${name} counter ${counter}`);
    }
    for (const flags of [0n, (1n << 64n) - 1n]) doesNotThrow(() => check({ flags }), `${name}`);
    for (const flags of [-1n, 1n << 64n]) throws(() => check({ flags }), InputError, `${name}`);
  }
});

Deno.test("validate: an environment that is not an object is an InputError", () => {
  for (const env of [null, undefined, 7, "env"]) {
    throws(() => validateRestartEnv(env as never), InputError, `restart ${env}`);
    throws(() => validateCheckpointEnv(env as never), InputError, `checkpoint ${env}`);
  }
});

Deno.test("validate: a task state field that is not a bigint is an InputError, even in range", () => {
  for (const abi of ["x86_64", "i386"] as const) {
    doesNotThrow(() => validateTaskState(defaultTaskState(), abi));
    for (const utime of [5, "5", undefined]) {
      const state = { ...defaultTaskState(), utime } as never;
      throws(() => validateTaskState(state, abi), InputError, `${abi} utime ${utime}`);
    }
  }
});

Deno.test("validate: checkpoint's pid and restart's crid are int32 when given", () => {
  const [[, restartEnv], [, checkpointEnv]] = envs;
  for (const v of [-0x80000000, 0x7fffffff, undefined]) {
    doesNotThrow(() => checkpointEnv({ pid: v }), `pid ${v}`);
    doesNotThrow(() => restartEnv({ crid: v }), `crid ${v}`);
  }
  for (const v of [-0x80000001, 0x80000000, 1.5]) {
    throws(() => checkpointEnv({ pid: v }), InputError, `pid ${v}`);
    throws(() => restartEnv({ crid: v }), InputError, `crid ${v}`);
  }
});

// By hand: on i386 a `long` field of 64 bits holds a sign-extended 32-bit value, so each of its
// two ranges is accepted up to its edges and refused one past them.
Deno.test("validate: i386 task state longs are sign-extended 32-bit values", () => {
  const state = (v: bigint) => ({ ...defaultTaskState(), state: v });
  for (const v of [0n, 0x7fffffffn, 0xffffffff80000000n, 0xffffffffffffffffn]) {
    doesNotThrow(() => validateTaskState(state(v), "i386"), `state 0x${v.toString(16)}`);
  }
  for (const v of [0x80000000n, 0xffffffff7fffffffn, 1n << 64n, -1n]) {
    throws(() => validateTaskState(state(v), "i386"), InputError, `state 0x${v.toString(16)}`);
  }
  // On x86_64 the same field takes every 64-bit value.
  doesNotThrow(() => validateTaskState(state(0x80000000n), "x86_64"));
});

const fieldIs = (field: string) => (e: unknown) => e instanceof InputError && e.field === field;

Deno.test("validate: a task state that is not an object is an InputError naming the state", () => {
  for (const state of [null, undefined, 7, "state"]) {
    throws(() => validateTaskState(state as never, "x86_64"), fieldIs("state"), `${state}`);
  }
});

Deno.test("validate: a timespec's tv_nsec is 0..999999999 (a kernel keeps it normalised)", () => {
  for (const abi of ["x86_64", "i386"] as const) {
    const nsec = taskStateFields(abi).map(({ f }) => f).filter((f) => f.source === "nsec");
    strictEqual(nsec.length > 0, true, `${abi} has tv_nsec fields`);
    for (const f of nsec) {
      const state = (v: bigint) => ({ ...defaultTaskState(), [f.name]: v });
      for (const v of [0n, 999_999_999n]) doesNotThrow(() => validateTaskState(state(v), abi));
      for (const v of [1_000_000_000n, (1n << BigInt(8 * f.size)) - 1n]) {
        throws(() => validateTaskState(state(v), abi), fieldIs(`TASK.${f.name}`), `${f.name} ${v}`);
      }
    }
  }
});

Deno.test("validate: an unknown ABI is the environment's first error, named env.abi", () => {
  for (const [name, check] of envs) {
    throws(() => check({ abi: "arm" }), fieldIs("env.abi"), name);
    throws(() => check({ abi: "arm", kernel: { major: -1 } }), fieldIs("env.abi"), name);
  }
});

// By hand: checkpoint writes its image, so its env.file is ok, bad-fd, read-only or no-write (a
// descriptor it cannot write, or whose file has no write method); restart reads, so its own is ok,
// bad-fd, write-only or no-read. The other side's kinds and any other string are refused, and
// named env.file (even with no env.io to check).
Deno.test("validate: env.file is ok, bad-fd, read-only or no-write for checkpoint, ok, bad-fd, write-only or no-read for restart", () => {
  const [[, restartEnv], [, checkpointEnv]] = envs;
  for (const file of ["ok", "bad-fd", "read-only", "no-write", undefined]) {
    doesNotThrow(() => checkpointEnv({ file }), `checkpoint ${file}`);
  }
  for (const file of ["ok", "bad-fd", "write-only", "no-read", undefined]) {
    doesNotThrow(() => restartEnv({ file }), `restart ${file}`);
  }
  for (const file of ["write-only", "no-read", "x", ""]) {
    throws(() => checkpointEnv({ file }), fieldIs("env.file"), `checkpoint ${file}`);
  }
  for (const file of ["read-only", "no-write", "x", ""]) {
    throws(() => restartEnv({ file }), fieldIs("env.file"), `restart ${file}`);
  }
});

// By hand, from FileBehaviour's contract (reference/types.ts): a transfer moves at least 1 byte
// (chunk >= 1), at most IO_EAGAIN_MAX = 64 -EAGAINs come before one, errorAfter needs both bytes
// and errno and its errno is not EAGAIN (11: the seed would spin for ever), and io describes a
// valid file (file ok). Restart reads through the same file model as checkpoint writes through,
// so both environments refuse the same io, each error named by its field.
Deno.test("validate: env.io is checked on restart's environment as on checkpoint's, each error named", () => {
  const bad: [object, string][] = [
    [{ io: { chunk: 0 } }, "env.io.chunk"],
    [{ io: { eagain: 65 } }, "env.io.eagain"],
    [{ io: { errorAfter: { bytes: 1, errno: 11 } } }, "env.io.errorAfter.errno"],
    [{ io: { errorAfter: { bytes: 1 } } }, "env.io.errorAfter"],
    [{ io: { chunk: 1 }, file: "bad-fd" }, "env.io"],
  ];
  for (const [name, check] of envs) {
    for (const [e, field] of bad) throws(() => check(e), fieldIs(field), `${name} ${field}`);
    // The edges themselves are allowed: 1-byte transfers, 64 -EAGAINs, an EIO at byte 0.
    doesNotThrow(
      () => check({ io: { chunk: 1, eagain: 64, errorAfter: { bytes: 0, errno: 5 } } }),
      name,
    );
  }
});
