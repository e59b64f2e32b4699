/**
 * The restart model's two paths agree: wherever the concrete path answers,
 * its outcome is the shadow path's, field for field (definedness, sources
 * and the deciding check included), over the whole default suite's restart
 * images and a fuzzed batch, both ABIs and both profiles. And it answers
 * most runs, every well-formed image among them.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { type Abi, registerAbi } from "../reference/abi.ts";
import { TOY_64K, TOY_BE } from "../reference/testdata_test_helpers.ts";
import { restartShadow } from "../reference/restart.ts";
import { restartConcrete } from "../reference/restart_concrete.ts";
import { PROFILES } from "../reference/types.ts";
import { iterCases } from "./suite.ts";

/** Compares the two paths on every restart case of a suite; returns the counts. */
function compareOn(opts: Parameters<typeof iterCases>[0]) {
  let runs = 0, answered = 0, wellFormed = 0, wellFormedAnswered = 0;
  for (const c of iterCases(opts)) {
    if (c.op !== "restart") continue;
    for (const profile of PROFILES) {
      runs++;
      const slow = restartShadow(c.image, c.env, profile);
      const fast = restartConcrete(c.image, c.env, profile);
      const ok0 = slow.decision.check === "ok" && slow.commDefined.every((d) => d);
      if (ok0) wellFormed++;
      if (!fast) continue;
      answered++;
      if (ok0) wellFormedAnswered++;
      deepStrictEqual(fast, slow, `${c.id}@${profile}`);
    }
  }
  return { runs, answered, wellFormed, wellFormedAnswered };
}

Deno.test("restart paths: the concrete path's outcomes are the shadow path's on the default suite", () => {
  const n = compareOn({ cases: 64, fuzz: 0 });
  ok(n.runs > 10_000, `${n.runs} runs`);
  ok(n.wellFormed > 200, `${n.wellFormed} well-formed`);
  deepStrictEqual(n.wellFormedAnswered, n.wellFormed);
  ok(n.answered / n.runs > 0.6, `concrete path answered ${n.answered} of ${n.runs}`);
});

Deno.test("restart paths: the concrete path's outcomes are the shadow path's on fuzzed images", () => {
  const n = compareOn({ cases: 0, fuzz: 20_000, seed: 7 });
  ok(n.runs >= 80_000, `${n.runs} runs`);
  deepStrictEqual(n.wellFormedAnswered, n.wellFormed);
  ok(n.answered / n.runs > 0.5, `concrete path answered ${n.answered} of ${n.runs}`);
});

/** The two paths on a registered ABI's suite: they agree, on every well-formed image too. */
function agreeOn(abi: Abi, fuzz: number, seed: number) {
  using _ = registerAbi(abi);
  const n = compareOn({ abis: [abi.name], cases: 16, fuzz, seed });
  ok(n.wellFormed > 100, `${n.wellFormed} well-formed`);
  deepStrictEqual(n.wellFormedAnswered, n.wellFormed);
  ok(n.answered / n.runs > 0.5, `concrete path answered ${n.answered} of ${n.runs}`);
}

Deno.test("restart paths: agree on a registered big-endian ABI too", () =>
  agreeOn(TOY_BE, 3_000, 3));

Deno.test("restart paths: agree on a registered ABI with 64 KiB pages (lengths past 2^15 are still negative)", () =>
  agreeOn(TOY_64K, 1_000, 5));
