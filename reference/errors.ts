/**
 * Typed errors. Every error the model raises for bad input is an
 * {@link InputError} naming the field, the byte offset (when there is one),
 * what was expected and what was found.
 *
 * @module
 */

/**
 * The base of every error crconform raises on purpose: bad input, a testee
 * that breaks the protocol, a setup that cannot proceed. Its message is
 * meant for a person (what was expected, what was found, where); `cause`
 * carries the underlying error when there is one. Anything else that escapes
 * is a bug in crconform.
 *
 * @example
 * ```ts
 * import { CrconformError, InputError } from "@crconform/crconform";
 * import { ok } from "node:assert/strict";
 * ok(new InputError("env.abi", "x86_64 or i386", "sparc") instanceof CrconformError);
 * ```
 */
export class CrconformError extends Error {
  /** The error's class name, as shown before its message. */
  /** The error\'s class name. */
  override readonly name: string = "CrconformError";
  /** Wraps a message and, optionally, the error that caused it. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad input given to a public function: the message says where, what was expected, what was found.
 *
 * @example
 * ```ts
 * import { checkpoint, defaultCheckpointEnv, defaultTaskState, InputError } from "@crconform/crconform";
 * import { throws } from "node:assert/strict";
 * throws(
 *   () => checkpoint({ ...defaultTaskState(), utime: -1n }, defaultCheckpointEnv("x86_64")),
 *   (e) => e instanceof InputError && e.field === "TASK.utime",
 * );
 * ```
 */
export class InputError extends CrconformError {
  /** The error\'s class name. */
  override readonly name: string = "InputError";
  /** The field or argument at fault (e.g. `TASK.utime`, `env.abi`). */
  readonly field: string;
  /** Byte offset in the input, when the input is bytes. */
  readonly offset: number | undefined;
  /** What was expected. */
  readonly expected: string;
  /** What was found. */
  readonly found: string;

  /** Builds the error and its one-line message. */
  constructor(field: string, expected: string, found: string, offset?: number) {
    const at = offset === undefined ? "" : ` @0x${offset.toString(16).padStart(3, "0")}`;
    super(`${field}${at}: expected ${expected}, found ${found}`);
    this.field = field;
    this.offset = offset;
    this.expected = expected;
    this.found = found;
  }
}

/** Linux errno values the seed returns (x86, both ABIs).
 *
 * @example
 * ```ts
 * import { ERRNO } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(ERRNO.EPIPE, 32);
 * ```
 */
export const ERRNO: Readonly<{ EBADF: 9; EAGAIN: 11; ENOMEM: 12; EINVAL: 22; EPIPE: 32 }> = Object
  .freeze(
    {
      EBADF: 9,
      EAGAIN: 11,
      ENOMEM: 12,
      EINVAL: 22,
      EPIPE: 32,
    } as const,
  );

/**
 * `MAX_ERRNO` (`include/linux/err.h`): a kernel return value in
 * -MAX_ERRNO..-1 is an error code (`IS_ERR_VALUE`); -4096 is not.
 */
export const MAX_ERRNO = 4095;

/**
 * The kernel-internal error codes of `include/linux/errno.h` (512..529):
 * never meant to reach user space, so a value an implementation may
 * special-case (a restart after a signal) or confuse with a real errno.
 */
export const KERNEL_ERRNO: Readonly<Record<string, number>> = Object.freeze({
  ERESTARTSYS: 512,
  ERESTARTNOINTR: 513,
  ERESTARTNOHAND: 514,
  ENOIOCTLCMD: 515,
  ERESTART_RESTARTBLOCK: 516,
  EPROBE_DEFER: 517,
  EOPENSTALE: 518,
  ENOPARAM: 519,
  EBADHANDLE: 521,
  ENOTSYNC: 522,
  EBADCOOKIE: 523,
  ENOTSUPP: 524,
  ETOOSMALL: 525,
  ESERVERFAULT: 526,
  EBADTYPE: 527,
  EJUKEBOX: 528,
  EIOCBQUEUED: 529,
});

/**
 * The first and last user-visible errno of x86 Linux (`EPERM` 1 and
 * `EHWPOISON` 133): the range an implementation may test a return value
 * against.
 */
export const ERRNO_RANGE: Readonly<{ first: 1; last: 133 }> = Object.freeze(
  { first: 1, last: 133 } as const,
);

/** Name of a negative return value when it is a known errno (`-22` → `-EINVAL`).
 *
 * @example
 * ```ts
 * import { errnoName } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(errnoName(-22), "-EINVAL");
 * strictEqual(errnoName(-512), "-ERESTARTSYS");
 * strictEqual(errnoName(-2), undefined);
 * ```
 */
export function errnoName(ret: number): string | undefined {
  for (const [name, v] of Object.entries(ERRNO)) if (ret === -v) return `-${name}`;
  for (const [name, v] of Object.entries(KERNEL_ERRNO)) if (ret === -v) return `-${name}`;
  return undefined;
}
