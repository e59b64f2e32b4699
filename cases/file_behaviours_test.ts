import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { checkpoint } from "../reference/checkpoint.ts";
import { fileBehaviourCases, fileBehaviours, pieceBoundaries } from "./file_behaviours.ts";
import { fuzzCheckpointCase, fuzzRestartCase } from "./fuzz.ts";
import { buildCases, caseRuns, catalogBase } from "./suite.ts";

Deno.test("pieceBoundaries: x86_64 by hand (HDR 8, HEAD 224, TASK 152, STRING 16, TAIL 8)", () => {
  deepStrictEqual(pieceBoundaries("x86_64"), [0, 8, 232, 240, 392, 400, 416, 424, 432]);
  for (const abi of ["x86_64", "i386"] as const) {
    const b = catalogBase(abi);
    strictEqual(pieceBoundaries(abi).at(-1), checkpoint(b.state, b.ckptEnv).image.length);
  }
});

Deno.test("fileBehaviours: chunks 1, 2, 3, 7 and around boundaries; -EAGAIN runs; a failure at every offset", () => {
  const all = fileBehaviours("x86_64", 432);
  const chunks = new Set(all.filter((io) => !io.errorAfter && !io.eagain).map((io) => io.chunk));
  for (const c of [1, 2, 3, 7, 8, 9, 15, 16, 17, 223, 224, 225, 151, 152, 153, 431, 432, 433]) {
    ok(chunks.has(c), `chunk ${c}`);
  }
  ok(!chunks.has(0));
  const eagains = all.filter((io) => io.eagain).map((io) => io.eagain!);
  for (const k of [1, 2, 5, 64]) ok(eagains.includes(k), `-EAGAIN run ${k}`);
  const plainErrors = all.filter((io) =>
    io.errorAfter && !io.chunk && !io.eagain && io.errorAfter.count === undefined
  );
  deepStrictEqual(plainErrors.map((io) => io.errorAfter!.bytes), [...Array(433).keys()]);
  ok(plainErrors.every((io) => io.errorAfter!.errno !== 11));
  // With short transfers too, at each boundary ±1.
  const cut = all.filter((io) => io.errorAfter && io.chunk === 7).map((io) => io.errorAfter!.bytes);
  const transient = all.filter((io) => io.errorAfter?.count === 1).map((io) =>
    io.errorAfter!.bytes
  );
  deepStrictEqual(transient, cut);
  deepStrictEqual(cut, [
    0,
    1,
    7,
    8,
    9,
    231,
    232,
    233,
    239,
    240,
    241,
    391,
    392,
    393,
    399,
    400,
    401,
    415,
    416,
    417,
    423,
    424,
    425,
    431,
    432,
  ]);
});

Deno.test("the io family: unique ids, every case in the suite, runs counted", () => {
  let runs = 0;
  for (const abi of ["x86_64", "i386"] as const) {
    const cases = fileBehaviourCases(catalogBase(abi));
    strictEqual(new Set(cases.map((c) => c.id)).size, cases.length);
    ok(cases.every((c) => c.id.split("/")[2] === "io" && c.env.io !== undefined));
    ok(cases.some((c) => c.op === "checkpoint") && cases.some((c) => c.op === "restart"));
    runs += caseRuns(cases).length;
  }
  const suite = buildCases({ cases: 0, fuzz: 0 }).filter((c) => c.id.split("/")[2] === "io");
  strictEqual(caseRuns(suite).length, runs);
  ok(runs < 20_000, `${runs} runs`);
});

Deno.test("the fuzzer draws a file behaviour about 1 time in 8, only on a file that is ok", () => {
  let withIo = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    for (const c of [fuzzRestartCase(7, i, "x86_64"), fuzzCheckpointCase(7, i, "i386")]) {
      if (c.env.io) {
        withIo++;
        ok(c.env.file === undefined || c.env.file === "ok", c.id);
      }
    }
  }
  ok(withIo > (2 * n) / 12 && withIo < (2 * n) / 6, `${withIo} of ${2 * n}`);
});
