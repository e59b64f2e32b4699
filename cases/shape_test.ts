import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { h, KNOWN_I386, KNOWN_X86_64 } from "../reference/testdata_test_helpers.ts";
import { defaultRestartEnv } from "../reference/types.ts";
import { recordOffsets, withHeader } from "./image.ts";
import { restart } from "../reference/restart.ts";
import { restartConcrete } from "../reference/restart_concrete.ts";
import { reshaped, sweepsAfterShortString, truncations } from "./shape.ts";

Deno.test("recordOffsets() matches the hand-computed record positions", () => {
  deepStrictEqual(recordOffsets("x86_64"), {
    HEAD: 0,
    TASK: 232,
    STRING: 392,
    TAIL: 416,
    END: 432,
  });
  deepStrictEqual(recordOffsets("i386"), { HEAD: 0, TASK: 232, STRING: 384, TAIL: 408, END: 424 });
});

Deno.test("truncations() makes every prefix 0..N-1 with a stable id", () => {
  const t = truncations("i386", KNOWN_I386, defaultRestartEnv("i386"));
  strictEqual(t.length, 424);
  deepStrictEqual([t[0]!.id, t[151]!.id, t[423]!.image.length], [
    "restart/i386/truncate/at-0000",
    "restart/i386/truncate/at-0151",
    423,
  ]);
});

Deno.test("reshaped() shortens and lengthens each record by one byte, with len to match", () => {
  const env = defaultRestartEnv("x86_64");
  const cases = new Map(
    reshaped("x86_64", KNOWN_X86_64, env, KNOWN_I386).map((c) => [c.id.split("/").pop()!, c.image]),
  );
  const taskShort = cases.get("task-short-1")!;
  strictEqual(taskShort.length, 431);
  deepStrictEqual(taskShort.subarray(232, 240), h("6500 9700 00000000")); // len 151
  deepStrictEqual(taskShort.subarray(391, 399), h("0200 1000 00000000")); // STRING header moved up one byte
  const tailLong = cases.get("tail-long-1")!;
  deepStrictEqual([tailLong.length, tailLong[418], tailLong[432]], [433, 9, 0]);
  deepStrictEqual(
    cases.get("string-len-plus-1"),
    withHeader(KNOWN_X86_64, "x86_64", "STRING", "len", 17n),
  );
  deepStrictEqual(cases.get("other-abi"), KNOWN_I386);
  strictEqual(cases.get("trailing-page")!.length, 432 + 4096);
});

Deno.test("sweepsAfterShortString(): TAIL's header swept after a STRING one byte short, on the shadow path", () => {
  const env = defaultRestartEnv("x86_64");
  const cs = sweepsAfterShortString("x86_64", KNOWN_X86_64, env);
  strictEqual(cs.length, 36); // TAIL only: 19 lengths, 6 parents, 11 types
  const c = cs.find((x) => x.id === "restart/x86_64/short-string/tail-parent-fffffffe")!;
  // STRING (type 2, header at 392) says len 15 and its 16th byte is gone: TAIL (type 5001 = 0x1389) is at 415.
  strictEqual(c.image.length, 431);
  deepStrictEqual([...c.image.subarray(392, 400)], [2, 0, 15, 0, 0, 0, 0, 0]);
  deepStrictEqual([...c.image.subarray(415, 423)], [0x89, 0x13, 8, 0, 0xfe, 0xff, 0xff, 0xff]);
  deepStrictEqual([...c.image.subarray(400, 415)], [...KNOWN_X86_64.subarray(400, 415)]);
  strictEqual(restartConcrete(c.image, env, "seed"), undefined); // comm byte 15: never written
  const o = restart(c.image, env, "seed");
  deepStrictEqual([o.ret, o.consumed], [{ defined: true, value: -2 }, {
    defined: true,
    value: 431,
  }]);
  deepStrictEqual(o.commDefined.map(Number), [...Array(15).fill(1), 0]);
});
