import { deepStrictEqual, doesNotMatch, match, ok } from "node:assert/strict";
import { bucketOf, htmlReport, matrix } from "./html.ts";
import { fixtureReports, HOSTILE } from "./testdata/fixture.ts";

const rerun = (impl: string, r: { rid: string }) => `conform --only ${impl} --filter ${r.rid}`;

Deno.test("matrix(): counts per facet value and implementation, in buckets", () => {
  const reps = fixtureReports();
  const byOp = matrix(reps, "op");
  deepStrictEqual([...byOp.keys()], ["checkpoint", "restart"]);
  deepStrictEqual(byOp.get("checkpoint")![0], {
    fail: 1,
    expected: 1,
    pass: 0,
    undefined: 0,
    skipped: 1,
    notrun: 0,
  });
  deepStrictEqual(byOp.get("restart")![0], {
    fail: 6,
    expected: 0,
    pass: 1,
    undefined: 0,
    skipped: 0,
    notrun: 0,
  });
  deepStrictEqual([...matrix(reps, "group").keys()], ["head", "tail", "top"]);
  deepStrictEqual([...matrix(reps, "profile").keys()], ["hardened", "none (checkpoint)", "seed"]);
  deepStrictEqual(
    reps[0]!.results.map(bucketOf),
    ["fail", "expected", "pass", "fail", "fail", "fail", "fail", "fail", "fail", "skipped"],
  );
});

Deno.test("htmlReport(): one self-contained file; cells carry counts, a word and a symbol; hostile text is escaped", () => {
  const html = htmlReport(fixtureReports(), { rerun, date: new Date(0) });
  // Self-contained: no external script, style, image or font.
  doesNotMatch(html, /\s(src|href)=|@import|url\(|https?:\/\//);
  match(
    html,
    /<button class="cell fail" data-impl="mine" data-dim="op" data-value="checkpoint" data-fail="1" data-expected="1" data-pass="0" data-undefined="0" data-skipped="1" data-notrun="0" data-total="3"><b>FAIL<\/b>/,
  );
  match(html, /data-impl="gone"/);
  match(html, /✗ DOES NOT CONFORM/);
  match(html, /not covered: restart\/i386\/seed: required by --require restart\/i386\/seed/);
  ok(!html.includes(HOSTILE) && !html.includes("<frame>"));
  // The data island cannot end its script early.
  const data = /<script type="application\/json" id="crconform-data">([\s\S]*?)<\/script>/.exec(
    html,
  )![1]!;
  ok(!data.includes("<"));
  const parsed = JSON.parse(data);
  ok(parsed.impls[0].details[0].includes("HEAD.rev @0x016: expected 0100 got 0000"));
});

Deno.test("htmlReport(): a failure's drill-down has its explain line and the reference's trace", () => {
  const html = htmlReport(fixtureReports(), { rerun, date: new Date(0) });
  const data = /<script type="application\/json" id="crconform-data">([\s\S]*?)<\/script>/.exec(
    html,
  )![1]!;
  const detail: string = JSON.parse(data).impls[0].details[0];
  // The re-run line's `conform` becomes `explain`, less the implementation it picks.
  match(detail, /explain: conform --filter \S+/);
  // The trace: steps with seed lines, and the check that decided.
  match(detail, /^explain (checkpoint|restart)\//m);
  match(detail, /\[port (restart|checkpoint|sys)\.c:\d+ · seed checkpoint\/\w+\.c:\d+/);
  match(detail, /decided by /);
});
