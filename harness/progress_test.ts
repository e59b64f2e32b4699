import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { caseRuns, namedCases } from "../cases/suite.ts";
import { ObservedTestee, ProgressMeter } from "./progress.ts";
import { ReferenceTestee } from "./reference_testee.ts";
import { runImpl } from "./runner.ts";
import type { CaseResult } from "./compare.ts";
import { fixtureReports } from "./report/testdata/fixture.ts";

function meter(tty: boolean) {
  const out: string[] = [];
  let now = 0;
  const m = new ProgressMeter({
    tty,
    intervalMs: 5000,
    now: () => now,
    write: (s) => out.push(s),
  });
  return { m, out, tick: (ms: number) => now += ms };
}

Deno.test("ProgressMeter without a terminal: a line every interval with done/total, rate and failures, and a final line", () => {
  const { m, out, tick } = meter(false);
  m.begin("mine", 1000);
  for (let i = 0; i < 640; i++) {
    tick(10);
    m.add(i % 100 === 0 ? "fail" : i === 5 ? "xfail" : "pass");
  }
  deepStrictEqual(out, [
    "conform: mine: 1000 runs to compare\n",
    "conform: mine 512/1000 runs (51%), 100 runs/s, 6 failing so far, 1 expected\n",
  ]);
  const [rep] = fixtureReports();
  m.end(rep!);
  match(
    out[2]!,
    /^conform: mine: DOES NOT CONFORM, 9 runs compared in 1\.2 s \(7 runs\/s\), 7 failing, 1 expected failures, 2 coverage gaps or stale expectations\n$/,
  );
});

Deno.test("ProgressMeter on a terminal rewrites one line and ends it with the final line", () => {
  const { m, out, tick } = meter(true);
  m.begin("mine", 128);
  for (let i = 0; i < 128; i++) {
    tick(1);
    m.add("pass");
  }
  ok(out.length >= 1 && out.every((s) => s.startsWith("\r\x1b[K")), JSON.stringify(out));
  m.end(fixtureReports()[1]!);
  const last = out[out.length - 1]!;
  ok(last.startsWith("\r\x1b[Kconform: gone: setup error: gone: exited"), last);
});

Deno.test("results arrive one by one as the runner compares them; it says how many it sends, the testee when it starts", async () => {
  const runs = caseRuns(namedCases("x86_64")).slice(0, 300);
  const seen: CaseResult[] = [];
  let hello = "";
  let sending = 0;
  const t = new ObservedTestee(new ReferenceTestee(), { started: (h) => hello = h.name });
  strictEqual(t.name, "reference");
  const rep = await runImpl(t, runs, [], undefined, {}, {
    onResult: (r) => seen.push(r),
    onSending: (n) => sending = n,
  });
  strictEqual(hello, "reference");
  strictEqual(sending, 300);
  deepStrictEqual(seen.map((r) => [r.rid, r.status]), rep.results.map((r) => [r.rid, r.status]));
});
