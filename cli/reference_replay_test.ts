// Judging a mutant's changed runs against recorded answers: the gate's comparison decides, an
// answer is only applied to the runs of its own suite group, and what is not judged goes to
// the gate.
import { match, strictEqual } from "node:assert/strict";
import { addAnswers, groupOf, ReplayJudge } from "./reference_replay.ts";
import type { ChangedRun } from "./reference_differential.ts";
import { answerLine } from "../harness/answers.ts";
import type { RestartOutcome } from "../reference/types.ts";

// A restart outcome as the seed gives it for a whole image whose HEAD magic is wrong (by hand:
// -EINVAL, 8 bytes consumed, comm untouched: all zero in the protocol's starting state).
const comm = new Uint8Array(16);
const outcome = (ret: RestartOutcome["ret"]): RestartOutcome =>
  ({
    ret,
    consumed: { defined: true, value: 8 },
    counter: 0,
    comm,
    commDefined: new Array(16).fill(true),
    commSource: new Array(16).fill(undefined),
    decision: { check: "HEAD.magic", record: "HEAD", offset: 8 },
  }) as unknown as RestartOutcome;
const changed = (group: ChangedRun["group"], ret: RestartOutcome["ret"]): ChangedRun => ({
  group,
  rid: "restart/x86_64/head/magic@seed",
  abi: "x86_64",
  expected: { kind: "restart", o: outcome(ret) },
});
const recorded = (impl: string, ret: number) =>
  answerLine({
    impl,
    rid: "restart/x86_64/head/magic@seed",
    outcome: { status: "answer", answer: { kind: "restart", ret, consumed: 8, counter: 0, comm } },
  });

Deno.test("replay: a changed expectation a recorded answer fails kills, naming who, the run and the field", () => {
  const answers = new Map();
  strictEqual(addAnswers(answers, [recorded("reference", -22), recorded("c", -22)].join("\n")), 1);
  const j = new ReplayJudge(answers);
  strictEqual(j.add([changed("main", { defined: true, value: -14 })]), true);
  const v = j.verdict(undefined);
  strictEqual(v.verdict, "killed");
  match(
    v.detail,
    /^c: restart\/x86_64\/head\/magic@seed outcome\.ret expected -14, recorded -22 \(-EINVAL\) \(replayed\)$/,
  );
});

Deno.test("replay: a value the mutant calls undefined, or another group's answer, does not kill", () => {
  const answers = new Map();
  addAnswers(answers, [recorded("c", -22), recorded("golden-x86_64", -22)].join("\n"));
  strictEqual(groupOf("golden-x86_64"), "golden-x86_64");
  strictEqual(groupOf("seed-c-i386"), "main");
  const j = new ReplayJudge(answers);
  const undef = { defined: false, source: "stack", why: "w" } as unknown as RestartOutcome["ret"];
  strictEqual(j.add([changed("main", undef)]), false);
  // No recorded golden-i386 answer to this run: nothing is compared.
  strictEqual(j.add([changed("golden-i386", { defined: true, value: -14 })]), false);
  const v = j.verdict({ judged: true, runs: 10, changed: 2, truncated: false });
  strictEqual(v.verdict, "survived");
  match(v.detail, /replayed: 2 of 10 runs changed, 1 recorded answers to them agree/);
  // The golden capture's own answer is compared with its group's run, and kills.
  const k = new ReplayJudge(answers);
  strictEqual(k.add([changed("golden-x86_64", { defined: true, value: -14 })]), true);
  match(k.verdict(undefined).detail, /^golden-x86_64: /);
});

Deno.test("replay: changed inputs, a throw or a list cut short with no kill go to the gate", () => {
  // A result the comparison cannot read (a mutant made a decision with no offset).
  const answers = new Map();
  addAnswers(answers, recorded("c", -22));
  const ret = { defined: true, value: -14 } as const;
  const broken: ChangedRun = {
    ...changed("main", ret),
    expected: { kind: "restart", o: { ...outcome(ret), decision: {} } as RestartOutcome },
  };
  const t = new ReplayJudge(answers);
  strictEqual(t.add([broken]), true);
  const tv = t.verdict(undefined);
  strictEqual(tv.verdict, "gate");
  match(tv.detail, /^comparing its result threw: /);
  const j = new ReplayJudge(new Map());
  strictEqual(j.verdict({ judged: false, runs: 3, why: "c1: inputs differ" }).verdict, "gate");
  const v = j.verdict({ judged: true, runs: 9, changed: 20_000, truncated: true });
  strictEqual(v.verdict, "gate");
  match(v.detail, /20000\+ runs changed and no recorded answer fails them/);
});
