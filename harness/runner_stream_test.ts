import { deepStrictEqual, notStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { buildCases, iterCases } from "../cases/suite.ts";
import type { CaseRun } from "../cases/types.ts";
import { PROTOCOL_VERSION, type Request } from "../protocol/codec.ts";
import type { Outcome, Testee } from "../protocol/testee.ts";
import { cellOf } from "./cells.ts";
import { parseExpectations } from "./expect.ts";
import { referenceAnswer, ReferenceTestee } from "./reference_testee.ts";
import { consoleReport } from "./report/console.ts";
import { junitReport } from "./report/junit.ts";
import { summaryJson } from "./report/json.ts";
import { suiteFingerprint } from "./report/common.ts";
import {
  conforms,
  type ImplReport,
  runImpl,
  runsOfCells,
  type RunSource,
  selectRuns,
  suiteSource,
  summaryOf,
} from "./runner.ts";

const SUITE = { cases: 12, fuzz: 40 };

/** A wrong implementation, wrong by content (not by position, which streaming changes). */
function faulty(): Testee {
  const decl = {
    protocol: PROTOCOL_VERSION,
    ops: ["checkpoint", "restart"] as const,
    name: "faulty",
    // i386 is not declared: its runs are skipped.
    abis: ["x86_64"],
    profiles: ["seed", "hardened"] as const,
  };
  return {
    name: "faulty",
    start: () =>
      Promise.resolve({ ...decl, ops: [...decl.ops], profiles: [...decl.profiles] }) as ReturnType<
        Testee["start"]
      >,
    run(requests: readonly Request[], onOutcome: (i: number, o: Outcome) => void) {
      requests.forEach((r, i) => {
        const o = referenceAnswer(r);
        if (r.op === "restart" && r.image.length % 11 === 3 && o.status === "answer") {
          const a = o.answer as { ret: number };
          onOutcome(i, { ...o, answer: { ...o.answer, ret: a.ret + 1 } } as Outcome);
        } else if (r.op === "restart" && r.image.length % 13 === 5) {
          onOutcome(i, { status: "unsupported", detail: "not this length" });
        } else if (r.op === "checkpoint" && r.state.comm[0]! % 7 === 2) {
          onOutcome(i, { status: "error", detail: "out of memory" });
        } else onOutcome(i, o);
      });
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

/** The same runs as a list and as a source cut into small segments. */
function bothWays(segmentRuns: number): { list: CaseRun[]; source: RunSource } {
  const list = selectRuns(buildCases(SUITE));
  const src = suiteSource(() => iterCases(SUITE));
  return { list, source: { ...src, runs: src.runs, segmentRuns } };
}

/** A report with its timing set aside (for comparing texts). */
const timeless = (r: ImplReport): ImplReport => ({ ...r, ms: 0 });

const EXPECT = parseExpectations([
  "restart/x86_64/fuzz/*@hardened  # failures and passes: some xfail, passes become xpass",
  "checkpoint/i386/gen/*  # only skipped runs: stale",
  "restart/x86_64/valid@*  # matches a failure: used",
  "restart/x86_64/valid@seed  # every match taken by the line before: stale",
  "restart/nothing/*  # matches nothing: not judged here",
].join("\n"));

Deno.test("a streamed suite gives the report of the same runs as a list: verdict, counts, failures, stale entries, coverage", async () => {
  const { list, source } = bothWays(97);
  strictEqual(source.count, list.length);
  strictEqual(
    suiteSource(() => iterCases(SUITE)).fingerprint,
    suiteFingerprint(list.map((r) => r.rid)),
  );
  const whole = await runImpl(faulty(), list, EXPECT);
  const streamed = await runImpl(faulty(), source, EXPECT);
  strictEqual(whole.summary, undefined);
  ok(streamed.summary);
  // The run is rich enough to compare: every kind of status is there.
  const counts = summaryOf(whole).counts;
  for (const s of ["pass", "fail", "xfail", "xpass", "unsupported", "error", "skipped"]) {
    ok(counts[s]! > 0, `${s}: ${counts[s]}`);
    // Counted by hand from the list too, not only by the tally both modes share.
    strictEqual(streamed.summary!.counts[s], whole.results.filter((r) => r.status === s).length, s);
  }
  strictEqual(streamed.summary!.runs, whole.results.length);
  deepStrictEqual(streamed.summary, summaryOf(whole));
  // Kept: every result that is not a pass, in run order, with the same statuses and details.
  const notable = whole.results.filter((r) => r.status !== "pass");
  deepStrictEqual(
    streamed.results.map((r) => [r.rid, r.status, r.detail, r.differences]),
    notable.map((r) => [r.rid, r.status, r.detail, r.differences]),
  );
  deepStrictEqual(streamed.stale, whole.stale);
  deepStrictEqual(whole.stale.map((s) => s.entry.line), [2, 4]);
  deepStrictEqual(streamed.coverage, whole.coverage);
  strictEqual(conforms(streamed), conforms(whole));
  strictEqual(conforms(whole), false);
  const text = (r: ImplReport) =>
    consoleReport([timeless(r)], { color: false, maxFailures: 5, rerun: (_, x) => x.rid });
  strictEqual(text(streamed), text(whole));
  deepStrictEqual(
    { ...summaryJson(streamed), seconds: 0 },
    { ...summaryJson(whole), seconds: 0 },
  );
  // A report that lists every result cannot be made from a streamed run.
  throws(() => junitReport([streamed], { rerun: () => "" }), /streamed/);
});

Deno.test("a streamed suite against a conforming testee keeps no result and conforms", async () => {
  const { source } = bothWays(500);
  const rep = await runImpl(new ReferenceTestee(), source);
  deepStrictEqual(rep.results, []);
  ok(rep.summary!.runs > 500 && rep.summary!.counts["pass"] === rep.summary!.runs);
  ok(conforms(rep));
  // Fail closed: the cells it declares but that are not in the runs it got are gaps.
  const some = await runImpl(
    new ReferenceTestee(),
    runsOfCells(source, ["restart/x86_64/seed", "checkpoint/i386"]),
  );
  ok(some.coverage!.gaps.length > 0);
  strictEqual(conforms(some), false);
});

Deno.test("a streamed run stopped part way: the same runs not run, the same verdict and stale entries", async () => {
  const { list, source } = bothWays(64);
  const stopAt = 700;
  const run = async (runs: CaseRun[] | RunSource) => {
    const ac = new AbortController();
    let n = 0;
    return await runImpl(faulty(), runs, EXPECT, undefined, {}, {
      signal: ac.signal,
      onResult: () => {
        if (++n === stopAt) ac.abort("SIGINT");
      },
    });
  };
  const whole = await run(list);
  const streamed = await run(source);
  ok(whole.stopped && streamed.stopped);
  strictEqual(streamed.stopped, whole.stopped);
  deepStrictEqual(streamed.summary, summaryOf(whole));
  ok(streamed.summary!.counts["not-run"]! > list.length / 3);
  deepStrictEqual(streamed.stale, whole.stale);
  deepStrictEqual(streamed.coverage, whole.coverage);
  const text = (r: ImplReport) =>
    consoleReport([timeless(r)], { color: false, maxFailures: 5, rerun: (_, x) => x.rid });
  strictEqual(text(streamed), text(whole));
  deepStrictEqual(
    streamed.results.map((r) => [r.rid, r.status]),
    whole.results.filter((r) => r.status !== "pass" && r.status !== "not-run").map((
      r,
    ) => [r.rid, r.status]),
  );
  strictEqual(conforms(streamed), false);
});

Deno.test("a streamed suite is made again for each implementation, the runs of the cells asked for only", () => {
  const src = suiteSource(() => iterCases(SUITE));
  const first = [...src.runs()].map((r) => r.rid);
  const again = [...src.runs()].map((r) => r.rid);
  deepStrictEqual(again, first);
  const cells = ["restart/i386/hardened", "checkpoint/x86_64"];
  const some = runsOfCells(src, cells) as RunSource;
  const rids = [...some.runs()].map((r) => r.rid);
  strictEqual(some.count, rids.length);
  deepStrictEqual(
    rids,
    selectRuns(buildCases(SUITE)).filter((r) => cells.includes(cellOf(r))).map((r) => r.rid),
  );
  notStrictEqual(rids.length, 0);
});

Deno.test("stopped before the first request is sent, a list and a stream give the same coverage and verdict", async () => {
  const { list, source } = bothWays(64);
  const run = async (runs: CaseRun[] | RunSource) => {
    const ac = new AbortController();
    const t = faulty();
    // The stop comes with the hello: nothing is sent.
    const stopping: Testee = {
      ...t,
      start: async () => {
        const h = await t.start();
        ac.abort("SIGTERM");
        return h;
      },
    };
    return await runImpl(stopping, runs, EXPECT, undefined, {}, { signal: ac.signal });
  };
  const whole = await run(list);
  const streamed = await run(source);
  ok(whole.stopped);
  deepStrictEqual(streamed.coverage, whole.coverage);
  // Nothing was sent, so nothing passed: every declared cell that had runs says so.
  const gaps = whole.coverage!.gaps;
  ok(
    gaps.length > 0 && gaps.every((g) => /: none of its \d+ runs passed$/.test(g)),
    gaps.join("; "),
  );
  deepStrictEqual(streamed.summary, summaryOf(whole));
  strictEqual(summaryOf(whole).counts["pass"], 0);
});

Deno.test("a source that gives other runs when read again than it counted does not conform", async () => {
  const { source } = bothWays(500);
  let reads = 0;
  const drifting: RunSource = {
    ...source,
    // The second read (the run itself) drops every tenth run.
    *runs() {
      let i = 0;
      for (const r of source.runs()) if (reads === 0 || i++ % 10 !== 0) yield r;
      reads++;
    },
  };
  for (const _ of drifting.runs()) { /* the first pass, as suiteSource makes it */ }
  const rep = await runImpl(new ReferenceTestee(), drifting);
  ok(
    rep.coverage!.gaps.some((g) =>
      /the suite counted \d+ runs of it, then gave \d+ when run/.test(g)
    ),
    rep.coverage!.gaps.join("; "),
  );
  strictEqual(conforms(rep), false);
  // Read the same, it conforms.
  ok(conforms(await runImpl(new ReferenceTestee(), source)));
});

Deno.test("streamed, fail closed: everything unsupported, or nothing of the suite declared, does not conform", async () => {
  const { source } = bothWays(300);
  const ref = new ReferenceTestee();
  const unsupported: Testee = {
    name: "unsupported",
    start: () => ref.start(),
    run(requests, onOutcome) {
      requests.forEach((_, i) => onOutcome(i, { status: "unsupported", detail: "not yet" }));
      return Promise.resolve();
    },
    close: () => ref.close(),
  };
  const rep = await runImpl(unsupported, source);
  strictEqual(rep.summary!.counts["unsupported"], source.count);
  strictEqual(rep.results.length, source.count);
  strictEqual(conforms(rep), false);
  // A testee that declares an ABI the suite has no run of: every run skipped, nothing compared.
  const elsewhere: Testee = {
    ...unsupported,
    start: async () => ({ ...(await ref.start()), abis: ["x86_64"] }),
  };
  const i386 = runsOfCells(source, ["restart/i386/seed", "checkpoint/i386"]);
  const none = await runImpl(elsewhere, i386);
  strictEqual(none.summary!.counts["skipped"], (i386 as RunSource).count);
  strictEqual(conforms(none), false);
});
