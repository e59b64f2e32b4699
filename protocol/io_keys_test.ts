// The io features' keys by hand, from PROTOCOL.md's tables: only the keys set, in the table order.
import { deepStrictEqual } from "node:assert/strict";
import { ioKeys } from "./io_keys.ts";

Deno.test("ioKeys(): the keys set, in PROTOCOL.md's order", () => {
  deepStrictEqual(ioKeys({}), []);
  deepStrictEqual(ioKeys({ eagain: 2, chunk: 7 }), [["io_chunk", 7], ["io_eagain", 2]]);
  deepStrictEqual(ioKeys({ errorAfter: { bytes: 232, errno: 28, count: 3 } }), [
    ["io_error_at", 232],
    ["io_errno", 28],
    ["io_error_count", 3],
  ]);
  deepStrictEqual(ioKeys({ chunk: 1, zeroAfter: { bytes: 0 } }), [["io_chunk", 1], [
    "io_zero_at",
    0,
  ]]);
  deepStrictEqual(ioKeys({ zeroAfter: { bytes: 40, count: 2 } }), [
    ["io_zero_at", 40],
    ["io_zero_count", 2],
  ]);
});
