/**
 * A small report with one result of every status, for the reporters'
 * tests: real runs of named cases, answers made to differ (a changed image
 * byte), crash, timeout, protocol and error outcomes with hostile detail
 * text, a known failure, a listed pass, a cell not declared, a coverage gap
 * and a setup error.
 *
 * @module
 */
import { caseRuns, namedCases } from "../../../cases/suite.ts";
import type { CaseRun } from "../../../cases/types.ts";
import type { Hello } from "../../../protocol/codec.ts";
import type { Outcome } from "../../../protocol/testee.ts";
import { type Cell, cellOf, coverage } from "../../cells.ts";
import { type CaseResult, compare } from "../../compare.ts";
import { applyExpectations, parseExpectations } from "../../expect.ts";
import type { ImplReport } from "../../runner.ts";

/** Detail text no report may pass through raw: controls, markup, a lone surrogate. */
export const HOSTILE = 'bad\x00\x07 <frame> & "quotes" ]]> \ud800 end';

const runs = () => {
  const all = caseRuns([...namedCases("x86_64"), ...namedCases("i386")]);
  const by = new Map(all.map((r) => [r.rid, r]));
  return (rid: string): CaseRun => {
    const r = by.get(rid);
    if (!r) throw new Error(`no run ${rid}`);
    return r;
  };
};

/** The reference's own answer to a run, optionally with one image byte changed. */
function answer(run: CaseRun, flip?: number): Outcome {
  const e = run.expected;
  if (e.kind === "checkpoint") {
    const image = e.r.image.slice();
    if (flip !== undefined) image[flip]! ^= 1;
    return {
      status: "answer",
      answer: { kind: "checkpoint", ret: e.r.ret, counter: e.r.counter, image },
    };
  }
  const v = (x: { defined: boolean; value?: number }) => (x.defined ? x.value! : 0);
  return {
    status: "answer",
    answer: {
      kind: "restart",
      ret: v(e.o.ret),
      consumed: v(e.o.consumed),
      counter: e.o.counter,
      comm: e.o.comm,
    },
  };
}

/** The hello of the fixture's implementation: x86_64 only, both operations and profiles. */
export const HELLO: Hello = {
  protocol: 1,
  name: "fixture-1.0",
  ops: ["checkpoint", "restart"],
  abis: ["x86_64"],
  profiles: ["seed", "hardened"],
};

/** The expectation list the fixture applies. */
export const EXPECT =
  "[mine]\ncheckpoint/x86_64/max  # known\nrestart/*/head/rev@seed  # fixed since\n";

/** The fixture: `mine` (every status), `gone` (a setup error). */
export function fixtureReports(): ImplReport[] {
  const run = runs();
  const at = (rid: string, o: Outcome) => compare(run(rid), run(rid).expected, o);
  const results: CaseResult[] = [
    at("checkpoint/x86_64/plain", answer(run("checkpoint/x86_64/plain"), 0x16)),
    at("checkpoint/x86_64/max", answer(run("checkpoint/x86_64/max"), 0x100)),
    at("restart/x86_64/valid@seed", answer(run("restart/x86_64/valid@seed"))),
    at("restart/x86_64/valid@hardened", { status: "crash", detail: "exited with code 3" }),
    at("restart/x86_64/head/magic@seed", { status: "timeout", detail: "no answer in 5000 ms" }),
    at("restart/x86_64/head/magic@hardened", { status: "protocol", detail: HOSTILE }),
    at("restart/x86_64/head/rev@seed", answer(run("restart/x86_64/head/rev@seed"))),
    at("restart/x86_64/head/rev@hardened", { status: "unsupported", detail: "not yet" }),
    at("restart/x86_64/tail/magic@seed", { status: "error", detail: "out of memory" }),
    {
      rid: "checkpoint/i386/plain",
      run: run("checkpoint/i386/plain"),
      status: "skipped",
      differences: [],
      undefinedNotes: [],
      detail: "checkpoint/i386 not declared in its hello",
    },
  ];
  const stale = applyExpectations("mine", results, parseExpectations(EXPECT));
  const compared = new Map<Cell, number>();
  for (const r of results) {
    if (r.status !== "skipped") compared.set(cellOf(r.run), (compared.get(cellOf(r.run)) ?? 0) + 1);
  }
  return [
    {
      name: "mine",
      hello: HELLO,
      coverage: coverage(HELLO, compared, { require: ["restart/i386/seed"] }),
      results,
      stale,
      ms: 1234.5,
    },
    {
      name: "gone",
      setupError: `gone: exited before answering hello ${HOSTILE}`,
      results: [],
      stale: [],
      ms: 3,
    },
  ];
}
