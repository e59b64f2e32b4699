import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { caseRuns } from "../cases/suite.ts";
import type { CheckpointCase, RestartCase } from "../cases/types.ts";
import { defaultCheckpointEnv, defaultRestartEnv, defaultTaskState } from "../reference/types.ts";
import { h, KNOWN_X86_64 } from "../reference/testdata_test_helpers.ts";
import type { Outcome } from "../protocol/testee.ts";
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

Deno.test("compare(): the reference's own answer passes (notes exactly where bytes are undefined), any one value changed fails", async () => {
  const { buildCases } = await import("../cases/suite.ts");
  let passes = 0, noted = 0, fails = 0;
  for (const run of caseRuns(buildCases({ cases: 24, fuzz: 24 }))) {
    const exp = expectedOf(run);
    const outcome = (answer: Extract<Outcome, { status: "answer" }>["answer"]) =>
      compare(run, exp, { status: "answer", answer });
    if (exp.kind === "checkpoint") {
      const r = exp.r;
      const own = { kind: "checkpoint" as const, ret: r.ret, counter: r.counter, image: r.image };
      const same = outcome(own);
      deepStrictEqual(
        [same.status, same.differences, same.undefinedNotes],
        ["pass", [], []],
        run.rid,
      );
      passes++;
      const changed = [
        { ...own, ret: r.ret + 1 },
        { ...own, counter: r.counter + 1 },
        ...(r.image.length ? [{ ...own, image: r.image.subarray(0, r.image.length - 1) }] : []),
        { ...own, image: Uint8Array.from([...r.image, 0]) },
        ...[0, r.image.length >> 1, r.image.length - 1].filter((i) => i >= 0 && i < r.image.length)
          .map((i) => ({ ...own, image: r.image.map((b, j) => j === i ? b ^ 1 : b) })),
      ];
      for (const a of changed) {
        strictEqual(outcome(a).status, "fail", run.rid);
        fails++;
      }
      continue;
    }
    const o = exp.o;
    // Undefined values answered as something: whatever it is, it is not compared.
    const own = {
      kind: "restart" as const,
      ret: o.ret.defined ? o.ret.value : -9,
      consumed: o.consumed.defined ? o.consumed.value : 7,
      counter: o.counter,
      comm: o.comm.map((b, i) => o.commDefined[i] ? b : 0xaa),
    };
    const undef = !o.ret.defined || !o.consumed.defined || o.commDefined.some((d) => !d);
    const same = outcome(own);
    deepStrictEqual([same.status, same.differences], ["pass", []], run.rid);
    strictEqual(same.undefinedNotes.length > 0, undef, run.rid);
    passes++;
    if (undef) noted++;
    const changed = [
      ...(o.ret.defined ? [{ ...own, ret: own.ret + 1 }] : []),
      ...(o.consumed.defined ? [{ ...own, consumed: own.consumed + 1 }] : []),
      { ...own, counter: own.counter + 1 },
      ...[...own.comm.keys()].filter((i) => o.commDefined[i])
        .map((i) => ({ ...own, comm: own.comm.map((b, j) => j === i ? b ^ 1 : b) })),
    ];
    for (const a of changed) {
      strictEqual(outcome(a).status, "fail", `${run.rid}: ${JSON.stringify(a)}`);
      fails++;
    }
  }
  // Both kinds of pass, and failures, were exercised.
  ok(
    passes > 300 && noted > 20 && passes - noted > 100 && fails > 2000,
    `${passes}/${noted}/${fails}`,
  );
});
