// traceRestart()'s steps on hand-made images: what explain shows an implementer must be the
// seed's own path (the steps it takes, the values it tested), not only end in the right outcome.
import { deepStrictEqual, match } from "node:assert/strict";
import { traceRestart } from "./explain.ts";
import { h, KNOWN_X86_64 } from "./testdata_test_helpers.ts";
import { defaultRestartEnv } from "./types.ts";

Deno.test("traceRestart(): a bad HEAD magic is the last step; no later HEAD check is shown", () => {
  const img = KNOWN_X86_64.slice();
  img[8]! ^= 1; // HEAD.magic's low byte
  const { steps } = traceRestart(img, defaultRestartEnv("x86_64"), "seed");
  deepStrictEqual(steps.filter((s) => s.kind === "check").map((s) => s.id).slice(-3), [
    "HEAD.hdr.parent",
    "HEAD.hdr.parent",
    "HEAD.magic",
  ]);
  deepStrictEqual(steps.at(-1)!.verdict, true);
});

Deno.test("traceRestart(): an environment without flags shows flags = 0", () => {
  const { flags: _, ...env } = defaultRestartEnv("x86_64");
  const { steps } = traceRestart(KNOWN_X86_64, env, "seed");
  match(steps[0]!.text, /^flags: flags = 0;/);
});

Deno.test("traceRestart(): a HEAD parent of unknown sign that cannot be 0 is the last step, unknown", () => {
  // HEAD header cut after parent's low byte 5 (type 1, len 224 whole): parent is 0x??????05,
  // never 0, sign in never-written stack bytes. The run stops at that check whichever way the
  // sign goes, so the trace ends with it, its verdict unknown.
  const { steps } = traceRestart(h("0100e00005"), defaultRestartEnv("x86_64"), "seed");
  const last = steps.at(-1)!;
  deepStrictEqual([last.kind, last.id, last.verdict], ["check", "HEAD.hdr.parent", "unknown"]);
});

Deno.test("traceRestart() hardened: both len steps of each header (0..n, then H-LEN) show len's file offset", () => {
  // The hardened profile checks each header's len twice: the seed's 0..n, then H-LEN (== n).
  // Both read the same field, len at header offset 2, so both steps print that file offset.
  // By hand, from the x86_64 known image's layout: HEAD at 0, TASK at 232, STRING at 392,
  // TAIL at 416, so len is at 0x002, 0x0ea, 0x18a and 0x1a2.
  const { steps } = traceRestart(KNOWN_X86_64, defaultRestartEnv("x86_64"), "hardened");
  const want = { HEAD: "0x002", TASK: "0x0ea", STRING: "0x18a", TAIL: "0x1a2" };
  for (const [rec, at] of Object.entries(want)) {
    const len = steps.filter((s) => s.kind === "check" && s.id === `${rec}.hdr.len`);
    deepStrictEqual(len.map((s) => s.text.match(/ @(\S+);/)?.[1]), [at, at], rec);
  }
});
