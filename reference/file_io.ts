/**
 * The file as part of the domain: what the seed's transfer loops
 * (`cr_kwrite`, `cr_kread`) make of a {@link FileBehaviour}.
 *
 * The loops move `count` bytes one `vfs_write`/`vfs_read` at a time: a short
 * transfer only means another turn, -EAGAIN is "moved 0, try again" (the
 * seed spins while it lasts), and any other error ends the loop with that
 * error; for a read, a return of 0 (end of file) ends it with success and the
 * destination part-filled. So short transfers and a bounded run of -EAGAIN
 * never change what the seed does: only an error does, at the byte where it
 * comes. This module says where that is; `checkpoint.ts` and both restart
 * paths apply it in their one write or read helper.
 *
 * @module
 */
import { ERRNO, InputError } from "./errors.ts";
import type { Decision, FileBehaviour } from "./types.ts";
import { IO_EAGAIN_MAX } from "./types.ts";

/** The largest errno a behaviour may fail with (Linux's `MAX_ERRNO`). */
export const IO_ERRNO_MAX = 4095;

/** The largest byte count a behaviour may name (a transfer count is an `int`). */
export const IO_BYTES_MAX = 0x7fffffff;

function describe(v: unknown): string {
  return v === undefined ? "undefined" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

function checkInt(name: string, v: unknown, min: number, max: number): void {
  if (v !== undefined && (!Number.isInteger(v) || (v as number) < min || (v as number) > max)) {
    throw new InputError(name, `an integer ${min}..${max}`, describe(v));
  }
}

/**
 * Validates an environment's `io` (with its `file`, which must be `ok` when
 * `io` is given, and its operation: `zeroAfter` is checkpoint's only);
 * throws {@link InputError}.
 */
export function validateFileBehaviour(
  io: unknown,
  file: string | undefined,
  op: "checkpoint" | "restart",
): void {
  if (io === undefined) return;
  if (typeof io !== "object" || io === null) {
    throw new InputError("env.io", "a file behaviour object", describe(io));
  }
  if (file !== undefined && file !== "ok") {
    throw new InputError("env.io", "no file behaviour unless file is ok", `file ${file}`);
  }
  const b = io as FileBehaviour;
  checkInt("env.io.chunk", b.chunk, 1, IO_BYTES_MAX);
  checkInt("env.io.eagain", b.eagain, 0, IO_EAGAIN_MAX);
  if (b.errorAfter !== undefined) {
    if (typeof b.errorAfter !== "object" || b.errorAfter === null) {
      throw new InputError("env.io.errorAfter", "{ bytes, errno }", describe(b.errorAfter));
    }
    checkInt("env.io.errorAfter.bytes", b.errorAfter.bytes, 0, IO_BYTES_MAX);
    checkInt("env.io.errorAfter.errno", b.errorAfter.errno, 1, IO_ERRNO_MAX);
    checkInt("env.io.errorAfter.count", b.errorAfter.count, 1, IO_EAGAIN_MAX);
    if (b.errorAfter.bytes === undefined || b.errorAfter.errno === undefined) {
      throw new InputError("env.io.errorAfter", "both bytes and errno", describe(b.errorAfter));
    }
    // -EAGAIN for ever is not an error the seed returns: it spins (out of domain).
    if (b.errorAfter.errno === ERRNO.EAGAIN) {
      throw new InputError(
        "env.io.errorAfter.errno",
        "an errno other than EAGAIN (the seed would spin for ever)",
        "11",
      );
    }
  }
  if (b.zeroAfter !== undefined) {
    if (op === "restart") {
      throw new InputError(
        "env.io.zeroAfter",
        "no zeroAfter on restart (a read's 0 is the end of file: cut the image there)",
        describe(b.zeroAfter),
      );
    }
    if (typeof b.zeroAfter !== "object" || b.zeroAfter === null) {
      throw new InputError("env.io.zeroAfter", "{ bytes }", describe(b.zeroAfter));
    }
    if (b.zeroAfter.bytes === undefined) {
      throw new InputError("env.io.zeroAfter.bytes", "an integer", "undefined");
    }
    checkInt("env.io.zeroAfter.bytes", b.zeroAfter.bytes, 0, IO_BYTES_MAX);
    checkInt("env.io.zeroAfter.count", b.zeroAfter.count, 1, IO_EAGAIN_MAX);
    if (b.errorAfter !== undefined) {
      throw new InputError("env.io", "errorAfter or zeroAfter, not both", describe(b));
    }
  }
}

/** The file position at which every transfer fails, or Infinity when the file never fails. */
export function ioErrorAt(io: FileBehaviour | undefined): number {
  return io?.errorAfter ? io.errorAfter.bytes : Infinity;
}

/**
 * Whether a transfer loop of `count` bytes at position `pos` of a file of
 * `size` bytes (Infinity for a write) ends in the file's error: the loop
 * then stops at position `errorAt` (moving `errorAt - pos` bytes). A loop
 * of 0 bytes makes no transfer; an end of file before `errorAt` comes first.
 */
export function ioFails(pos: number, count: number, size: number, errorAt: number): boolean {
  return count > 0 && pos + count > errorAt && errorAt <= size;
}

/** The decision of a run that a failing transfer ended (write or read) at file position `at`. */
export function ioDecision(op: "write" | "read", at: number, errno: number): Decision {
  return {
    record: "syscall",
    check: op,
    offset: at,
    detail: `vfs_${op} failed with -${errno} after ${at} bytes`,
  };
}

/** One `cr_kwrite` loop of the image: `count` bytes from image offset `at`. */
export interface WriteLoop {
  /** Where its bytes start in the image the seed means to write. */
  readonly at: number;
  /** How many bytes it asks to write. */
  readonly count: number;
}

/**
 * What a file that takes nothing at `zero.bytes` holds after the seed's
 * write loops `loops` of `image` (`FileBehaviour.zeroAfter`): each loop
 * moves its bytes until the file position reaches `zero.bytes` while
 * transfers there still move nothing; such a transfer returns 0, which
 * `cr_kwrite` takes for "all written", so the loop's other bytes are
 * dropped. Returns the bytes held and how many were dropped.
 */
export function writtenWithZeros(
  image: Uint8Array,
  loops: readonly WriteLoop[],
  zero: { bytes: number; count?: number },
): { held: Uint8Array; dropped: number } {
  const held = new Uint8Array(image.length);
  let pos = 0;
  let zeros = zero.count ?? Infinity;
  for (const { at, count } of loops) {
    let left = count;
    while (left > 0) {
      if (pos === zero.bytes && zeros > 0) {
        zeros--;
        break; // the transfer moved 0: the loop ends with success, `left` bytes never written
      }
      const move = pos < zero.bytes && zeros > 0 ? Math.min(left, zero.bytes - pos) : left;
      held.set(image.subarray(at + count - left, at + count - left + move), pos);
      pos += move;
      left -= move;
    }
  }
  return { held: held.slice(0, pos), dropped: image.length - pos };
}
