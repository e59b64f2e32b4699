import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import type { CaseResult } from "./compare.ts";
import {
  applyExpectations,
  matches,
  parseExpectations,
  unknownEntries,
  updatedExpectations,
} from "./expect.ts";

const result = (rid: string, status: CaseResult["status"]): CaseResult =>
  ({
    rid,
    status,
    differences: [],
    undefinedNotes: [],
    run: {} as CaseResult["run"],
  }) as CaseResult;

Deno.test("parseExpectations() reads patterns, reasons and implementation sections", () => {
  const list = parseExpectations(
    "# header\nrestart/*/truncate/*@seed  # EOF differs\n\n[c]\ncheckpoint/i386/* # no i386\n",
  );
  deepStrictEqual(list.map((e) => [e.impl, e.pattern, e.reason, e.line]), [
    [undefined, "restart/*/truncate/*@seed", "EOF differs", 2],
    ["c", "checkpoint/i386/*", "no i386", 5],
  ]);
  throws(() => parseExpectations("two patterns here\n"), /line 1: expected one pattern/);
});

Deno.test("matches(): * and ? wildcards; a pattern without @ covers both profiles", () => {
  strictEqual(matches("restart/*/head/magic", "restart/x86_64/head/magic@seed"), true);
  strictEqual(matches("restart/*/head/magic", "restart/x86_64/head/magic@hardened"), true);
  strictEqual(matches("restart/*/head/magic@seed", "restart/x86_64/head/magic@hardened"), false);
  strictEqual(matches("restart/i38?/*", "restart/i386/valid@seed"), true);
  strictEqual(matches("restart/x86_64/head", "restart/x86_64/head/magic@seed"), false);
  strictEqual(matches("checkpoint/x86_64/plain", "checkpoint/x86_64/plain"), true);
});

Deno.test("applyExpectations(): listed failures are xfail, listed passes are xpass, entries that match only passes are stale", () => {
  const results = [
    result("restart/x86_64/head/magic@seed", "fail"),
    result("restart/x86_64/head/rev@seed", "pass"),
    result("restart/x86_64/head/major@seed", "crash"),
  ];
  const list = parseExpectations(
    "restart/*/head/magic # known\nrestart/*/head/rev # fixed since\n[c]\nrestart/*/head/major\n[other]\nrestart/*/tail/*\ncheckpoint/gone\n",
  );
  const stale = applyExpectations("c", results, list);
  deepStrictEqual(results.map((r) => r.status), ["xfail", "xpass", "xfail"]);
  deepStrictEqual(stale.map((s) => [s.entry.pattern, s.why]), [
    ["restart/*/head/rev", "matches no failing case in this selection"],
  ]);
});

Deno.test("applyExpectations(): an entry whose cases are not in the selection is not judged", () => {
  // A shard or a filter ran only the tail cases: the head entries say nothing about them.
  const list = parseExpectations(
    "restart/*/head/magic # known\nrestart/*/head/rev\n[other]\nrestart/*/tail/*\ncheckpoint/gone\n",
  );
  const stale = applyExpectations(
    "other",
    [result("restart/x86_64/tail/magic@seed", "fail")],
    list,
  );
  deepStrictEqual(stale, []);
});

Deno.test("applyExpectations(): entries that match only undeclared cells, or only what an earlier entry took, are stale", () => {
  const list = parseExpectations(
    "restart/*/head/*\nrestart/x86_64/head/magic\ncheckpoint/i386/*\n",
  );
  const stale = applyExpectations("c", [
    result("restart/x86_64/head/magic@seed", "fail"),
    result("checkpoint/i386/plain", "skipped"),
  ], list);
  deepStrictEqual(stale.map((s) => [s.entry.line, s.why]), [
    [2, "every case it matches is matched first by line 1"],
    [3, "matches only cases of cells its hello does not declare"],
  ]);
});

Deno.test("unknownEntries(): an entry matching no case of the whole suite is stale in every shard", () => {
  const list = parseExpectations(
    "restart/*/head/magic\nrestart/*/head/magik # typo\n[c]\ncheckpoint/x\n",
  );
  const universe = () => ["restart/x86_64/head/magic@seed", "restart/i386/head/magic@seed"];
  deepStrictEqual(
    unknownEntries("c", list, ["restart/x86_64/tail/magic@seed"], universe).map((s) =>
      s.entry.pattern
    ),
    ["restart/*/head/magik", "checkpoint/x"],
  );
  deepStrictEqual(
    unknownEntries("other", list, [], universe).map((s) => s.entry.pattern),
    ["restart/*/head/magik"],
  );
  let built = false;
  unknownEntries(
    "d",
    parseExpectations("restart/*/head/magic\n"),
    ["restart/i386/head/magic@seed"],
    () => {
      built = true;
      return [];
    },
  );
  strictEqual(
    built,
    false,
    "the universe is built only when the selection leaves an entry unmatched",
  );
});

Deno.test("updatedExpectations() keeps matching entries, adds new failures, drops stale ones", () => {
  const list = parseExpectations("restart/*/truncate/* # eof\nrestart/*/head/rev # old\n");
  const text = updatedExpectations(
    list,
    new Map([["c", ["restart/x86_64/truncate/at-0001@seed", "restart/i386/tail/magic@seed"]]]),
    new Map([["c", new Set(["restart/x86_64/head/rev@seed"])]]),
  );
  strictEqual(
    text,
    "# crconform known failures: `deno task conform --expect FILE --update-expect` rewrites this file.\n" +
      "[c]\nrestart/*/truncate/*  # eof\nrestart/i386/tail/magic@seed  # TODO: reason\n",
  );
});

Deno.test("updatedExpectations() keeps the entries this run could not judge (another shard's) and drops unknown ones", () => {
  const list = parseExpectations(
    "[c]\nrestart/*/head/magic # other shard\nrestart/*/head/magik # typo\nrestart/x86_64/tail/* # here\n",
  );
  const text = updatedExpectations(
    list,
    new Map([["c", ["restart/x86_64/tail/magic@seed"]]]),
    new Map([["c", new Set(["restart/x86_64/valid@seed"])]]),
    new Set([list[1]!]),
  );
  strictEqual(
    text,
    "# crconform known failures: `deno task conform --expect FILE --update-expect` rewrites this file.\n" +
      "[c]\nrestart/*/head/magic  # other shard\nrestart/x86_64/tail/*  # here\n",
  );
});

Deno.test("applyExpectations(): runs never done (the run stopped) neither use nor stale an entry", () => {
  const list = parseExpectations("restart/*/head/magic\n");
  const notRun = result("restart/x86_64/head/magic@seed", "not-run" as CaseResult["status"]);
  deepStrictEqual(applyExpectations("c", [notRun], list), []);
  strictEqual(notRun.status, "not-run");
});
