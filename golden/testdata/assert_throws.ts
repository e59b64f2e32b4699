/**
 * A test helper for the golden decoders: runs a function that must throw,
 * checks the error's class and, optionally, a part of its message, and
 * returns the error for further checks.
 *
 * @module
 */
import { ok as assert } from "node:assert/strict";

/** Asserts that `fn` throws an instance of `cls` whose message includes `includes`; returns it. */
// deno-lint-ignore no-explicit-any
export function assertThrows(fn: () => unknown, cls: any = Error, includes?: string): Error {
  try {
    fn();
  } catch (e) {
    assert(e instanceof cls, `expected ${cls.name}, got ${e}`);
    if (includes) assert((e as Error).message.includes(includes), (e as Error).message);
    return e as Error;
  }
  throw new Error("expected an exception");
}
