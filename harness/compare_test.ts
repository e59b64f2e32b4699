import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { caseRuns } from "../cases/suite.ts";
import type { CheckpointCase, RestartCase } from "../cases/types.ts";
import { defaultCheckpointEnv, defaultRestartEnv, defaultTaskState } from "../reference/types.ts";
import { h, KNOWN_X86_64 } from "../reference/testdata_test_helpers.ts";
import { compare, diffImages, expectedOf, formatDifference, hexWindow } from "./compare.ts";

Deno.test("diffImages() names record, field and offset; formatDifference() prints it in one line", () => {
  const actual = KNOWN_X86_64.slice();
  actual[252] = 1; // TASK payload @240 + exit_code @12
  const d = diffImages("x86_64", KNOWN_X86_64, actual);
  deepStrictEqual(d, [{
    record: "TASK",
    field: "exit_code",
    offset: 252,
    expected: "03000000",
    actual: "01000000",
  }]);
  strictEqual(formatDifference(d[0]!), "TASK.exit_code @0x0fc: expected 03000000 got 01000000");
});

Deno.test("diffImages() reports padding, header fields, a length difference and caps the list", () => {
  const pad = KNOWN_X86_64.slice();
  pad.set([0, 0, 0, 0], 260); // TASK pad@20: the seed leaks the high half of HEAD.time there
  strictEqual(
    formatDifference(diffImages("x86_64", KNOWN_X86_64, pad)[0]!),
    "TASK.pad@20 @0x104: expected 04030201 got 00000000",
  );
  const len = KNOWN_X86_64.slice();
  len[394] = 15;
  strictEqual(
    formatDifference(diffImages("x86_64", KNOWN_X86_64, len)[0]!),
    "STRING.hdr.len @0x18a: expected 1000 got 0f00",
  );
  const short = diffImages("x86_64", KNOWN_X86_64, KNOWN_X86_64.slice(0, 400));
  strictEqual(formatDifference(short[0]!), "image.length: expected 432 got 400");
  const junk = diffImages("x86_64", KNOWN_X86_64, new Uint8Array(432).fill(0xaa), 3);
  strictEqual(junk.length, 4);
  strictEqual(formatDifference(junk[3]!), "… 43 more differing fields");
});

Deno.test("hexWindow() marks the differing byte", () => {
  strictEqual(
    hexWindow(h("000102030405060708090a0b0c0d0e0f101112"), 17),
    "0x0008: 08 09 0a 0b 0c 0d 0e 0f 10[11]12",
  );
});

Deno.test("compare() of a restart: defined values compared, undefined ones shown as notes", () => {
  const c: RestartCase = {
    id: "t/short-string",
    op: "restart",
    abi: "x86_64",
    reason: "STRING len 8",
    image: (() => {
      const i = KNOWN_X86_64.slice();
      i[394] = 8;
      return i;
    })(),
    env: { ...defaultRestartEnv("x86_64"), kernel: { major: 2, minor: 6, patch: 25 } },
    profiles: ["seed"],
  };
  const run = caseRuns([c])[0]!;
  const exp = expectedOf(run);
  const answer = (comm: Uint8Array, ret = -22) => ({
    status: "answer" as const,
    answer: { kind: "restart" as const, ret, consumed: 416, counter: 1, comm },
  });
  const good = compare(run, exp, answer(h("696e6974000000009999999999999999")));
  strictEqual(good.status, "pass");
  deepStrictEqual(good.undefinedNotes, [
    "comm bytes 8..15 undefined in the seed (kmalloc memory): got 9999999999999999",
  ]);
  const bad = compare(run, exp, answer(h("696e6975000000000000000000000000"), 0));
  strictEqual(bad.status, "fail");
  deepStrictEqual(bad.differences.map(formatDifference), [
    "ret: expected -22 (-EINVAL) got 0",
    "comm[3]: expected 696e6974000000000000000000000000 got 696e6975000000000000000000000000"
      .replace(
        "696e6974000000000000000000000000",
        "696e697400000000????????????????",
      ),
  ]);
  strictEqual(bad.decidedBy, "TAIL.hdr.type @0x198");
});

Deno.test("compare() passes crash, timeout and protocol outcomes through with their detail", () => {
  const c: CheckpointCase = {
    id: "t/plain",
    op: "checkpoint",
    abi: "i386",
    reason: "plain",
    state: defaultTaskState(),
    env: defaultCheckpointEnv("i386"),
  };
  const run = caseRuns([c])[0]!;
  const r = compare(run, expectedOf(run), {
    status: "timeout",
    detail: "no answer within 5000 ms",
  });
  deepStrictEqual([r.status, r.detail], ["timeout", "no answer within 5000 ms"]);
});
