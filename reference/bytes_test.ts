import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { copyBytes, newBytes } from "./bytes.ts";

Deno.test("newBytes() gives zeroed arrays of the size asked that never share a byte, across slabs and beyond 1 KiB", () => {
  // Sizes that cross several 64 KiB slabs, the 1 KiB limit on both sides, and empty arrays.
  const sizes = [0, 1, 16, 64, 432, 1023, 1024, 1025, 4096, 0, 7];
  const made: Uint8Array[] = [];
  for (let round = 0; round < 400; round++) {
    for (const n of sizes) {
      const b = newBytes(n);
      strictEqual(b.length, n);
      ok(b.every((x) => x === 0), `a ${n}-byte array made zeroed`);
      b.fill((made.length % 255) + 1); // each array its own non-zero value
      made.push(b);
    }
  }
  // Every array still holds its own value: none was handed out twice or overlaps another.
  made.forEach((b, i) => ok(b.every((x) => x === (i % 255) + 1), `array ${i} (${b.length} bytes)`));
  ok(made.reduce((n, b) => n + b.length, 0) > 4 * (1 << 16), "several slabs were used");
});

Deno.test("copyBytes() copies a range into an array of its own", () => {
  const src = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
  const all = copyBytes(src);
  const part = copyBytes(src, 5, 9);
  deepStrictEqual([...part], [6, 7, 8, 9]);
  deepStrictEqual([...all], [...src]);
  src.fill(0);
  deepStrictEqual([...part], [6, 7, 8, 9]);
  strictEqual(all[39], 40);
  strictEqual(copyBytes(src, 3, 3).length, 0);
});
