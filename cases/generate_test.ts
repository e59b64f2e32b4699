import { deepStrictEqual, ok } from "node:assert/strict";
import { layoutOf } from "../reference/layout.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { validateTaskState } from "../reference/validate.ts";
import { generated } from "./generate.ts";

Deno.test("generated(): the same seed and index give the same state; the index alone decides", () => {
  deepStrictEqual(generated(42, 17, "x86_64"), generated(42, 17, "x86_64"));
  ok(
    JSON.stringify(generated(42, 17, "x86_64"), (_, v) => typeof v === "bigint" ? String(v) : v) !==
      JSON.stringify(generated(42, 18, "x86_64"), (_, v) => typeof v === "bigint" ? String(v) : v),
  );
});

Deno.test("generated states are valid for their ABI and checkpoint without error", () => {
  for (const abi of ["x86_64", "i386"] as const) {
    for (let i = 0; i < 200; i++) {
      const { state, env } = generated(1, i, abi);
      validateTaskState(state, abi);
      checkpoint(state, env);
    }
  }
});

Deno.test("generated states hit every boundary in every integer field (x86_64), and i386's own limits", () => {
  const want = [0n, 1n, (1n << 31n) - 1n, 1n << 31n, (1n << 32n) - 1n, 1n << 63n, (1n << 64n) - 1n];
  const seen = new Map<string, Set<bigint>>();
  const seen32 = new Map<string, Set<bigint>>();
  for (let i = 0; i < 400; i++) {
    for (const [abi, map] of [["x86_64", seen], ["i386", seen32]] as const) {
      const s = generated(3, i, abi).state as unknown as Record<string, bigint>;
      for (const [k, v] of Object.entries(s)) {
        if (typeof v === "bigint") map.set(k, (map.get(k) ?? new Set()).add(v));
      }
    }
  }
  for (const f of layoutOf("x86_64").TASK.fields) {
    if (f.type === "pad" || f.name === "task_comm_len") continue;
    const values = seen.get(f.name)!;
    const expect = f.name.endsWith("_nsec")
      ? [0n, 1n, 999_999_999n] // a normalised tv_nsec
      : f.size === 4
      ? want.filter((v) => v < 1n << 32n)
      : want;
    deepStrictEqual(expect.filter((v) => !values.has(v)), [], `x86_64 ${f.name}`);
  }
  ok(seen32.get("utime")!.has(0xffffffffn) && !seen32.get("utime")!.has(1n << 32n));
  ok(
    seen32.get("state")!.has((1n << 64n) - 1n) &&
      seen32.get("state")!.has((1n << 64n) - (1n << 31n)),
  );
});

Deno.test("generated comms cover lengths 0..16, bytes after the NUL and non-ASCII bytes", () => {
  const lens = new Set<number>();
  let afterNul = 0;
  let nonAscii = 0;
  for (let i = 0; i < 400; i++) {
    const c = generated(5, i, "i386").state.comm;
    const nul = c.indexOf(0);
    lens.add(nul < 0 ? 16 : nul);
    if (nul >= 0 && c.subarray(nul).some((b) => b !== 0)) afterNul++;
    if (c.some((b) => b >= 0x80)) nonAscii++;
  }
  deepStrictEqual([...lens].sort((a, b) => a - b), Array.from({ length: 17 }, (_, i) => i));
  ok(afterNul > 10 && nonAscii > 10);
});
