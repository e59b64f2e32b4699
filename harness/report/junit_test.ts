import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { checkJunit, type XmlElement } from "./junit_check.ts";
import { junitReport, xmlEscape } from "./junit.ts";
import { fixtureReports } from "./testdata/fixture.ts";

const rerun = (impl: string, r: { rid: string }) => `conform --only ${impl} --filter ${r.rid}`;
const gate = { version: "9.9.9", protocol: 1, fingerprint: "sha256:0123456789abcdef", runs: 10 };

function report() {
  const xml = junitReport(fixtureReports(), { rerun, gate, timestamp: new Date(0) });
  const checked = checkJunit(xml);
  deepStrictEqual(checked.errors, [], xml);
  return { xml, ...checked, root: checked.root! };
}

const cases = (suite: XmlElement) => suite.children.filter((c) => c.name === "testcase");
const kindOf = (tc: XmlElement) =>
  tc.children.find((c) => ["failure", "error", "skipped"].includes(c.name))?.name ?? "pass";

Deno.test("junitReport(): one testsuite per implementation whose counts are its testcases'", () => {
  const { root, suites } = report();
  deepStrictEqual(suites, [
    // 10 runs + 1 coverage gap + 1 stale expectation; failures: fail, xpass, unsupported, gap,
    // stale; errors: crash, timeout, protocol, error; skipped: the known failure and i386.
    { name: "mine", counted: { tests: 12, failures: 5, errors: 4, skipped: 2 } },
    { name: "gone", counted: { tests: 1, failures: 0, errors: 1, skipped: 0 } },
  ]);
  deepStrictEqual(
    { ...root.attrs },
    { name: "crconform", tests: "13", failures: "5", errors: "5", time: "1.238" },
  );
  const mine = root.children[0]!;
  strictEqual(mine.attrs.time, "1.234");
  strictEqual(mine.attrs.timestamp, "1970-01-01T00:00:00");
  const props = Object.fromEntries(
    mine.children.find((c) => c.name === "properties")!.children.map((p) => [
      p.attrs.name,
      p.attrs.value,
    ]),
  );
  deepStrictEqual(props, {
    verdict: "does not conform",
    implementation: "fixture-1.0",
    coverage: "checkpoint × x86_64; restart × x86_64 × seed,hardened",
    "crconform.version": "9.9.9",
    "crconform.protocol": "1",
    "crconform.suite": "sha256:0123456789abcdef",
  });
});

Deno.test("junitReport(): differences are failures with the diff, crash/timeout/protocol/error are errors, known failures and undeclared cells are skipped", () => {
  const { root } = report();
  const byName = new Map(cases(root.children[0]!).map((c) => [c.attrs.name, c]));
  const kinds = Object.fromEntries([...byName].map(([n, c]) => [n, kindOf(c)]));
  deepStrictEqual(kinds, {
    "restart/i386/seed": "failure",
    "line 3: restart/*/head/rev@seed": "failure",
    "checkpoint/x86_64/plain": "failure",
    "checkpoint/x86_64/max": "skipped",
    "restart/x86_64/valid@seed": "pass",
    "restart/x86_64/valid@hardened": "error",
    "restart/x86_64/head/magic@seed": "error",
    "restart/x86_64/head/magic@hardened": "error",
    "restart/x86_64/head/rev@seed": "failure",
    "restart/x86_64/head/rev@hardened": "failure",
    "restart/x86_64/tail/magic@seed": "error",
    "checkpoint/i386/plain": "skipped",
  });
  const classes = [...byName.values()].map((c) => c.attrs.classname);
  deepStrictEqual(classes, [
    "coverage",
    "expectations",
    "checkpoint/x86_64/top",
    "checkpoint/x86_64/top",
    "restart/x86_64/top",
    "restart/x86_64/top",
    "restart/x86_64/head",
    "restart/x86_64/head",
    "restart/x86_64/head",
    "restart/x86_64/head",
    "restart/x86_64/tail",
    "checkpoint/i386/top",
  ]);
  const plain = byName.get("checkpoint/x86_64/plain")!.children[0]!;
  strictEqual(plain.attrs.type, "fail");
  strictEqual(plain.attrs.message, "FAIL: HEAD.rev @0x016: expected 0100 got 0000");
  match(plain.text, /HEAD\.rev @0x016: expected 0100 got 0000/);
  match(plain.text, /expected 0x0008: .*\[01\]/);
  match(plain.text, /actual {3}0x0008: .*\[00\]/);
  match(plain.text, /re-run: conform --only mine --filter checkpoint\/x86_64\/plain/);
  const known = byName.get("checkpoint/x86_64/max")!.children[0]!;
  strictEqual(known.attrs.type, "expected-failure");
  match(known.attrs.message!, /expected failure: known/);
  match(known.text, /XFAIL checkpoint\/x86_64\/max/);
  strictEqual(byName.get("restart/x86_64/valid@hardened")!.children[0]!.attrs.type, "crash");
  strictEqual(byName.get("restart/x86_64/head/magic@seed")!.children[0]!.attrs.type, "timeout");
  const stale = byName.get("line 3: restart/*/head/rev@seed")!.children[0]!;
  match(stale.attrs.message!, /stale expectation: matches no failing case in this selection/);
  const gone = cases(root.children[1]!)[0]!;
  strictEqual(gone.attrs.classname, "setup");
  strictEqual(gone.children[0]!.name, "error");
});

Deno.test("junitReport(): hostile text from a testee stays well-formed (controls, markup, lone surrogates)", () => {
  const { xml, root } = report();
  ok(!xml.includes("\x00") && !xml.includes("\x07") && !xml.includes("<frame>"));
  const magic = cases(root.children[0]!).find((c) =>
    c.attrs.name === "restart/x86_64/head/magic@hardened"
  )!;
  match(
    magic.children[0]!.attrs.message!,
    /PROTOCOL: bad\ufffd\ufffd <frame> & "quotes" \]\]> \ufffd end/,
  );
  strictEqual(xmlEscape('a"b\nc<'), "a&quot;b&#10;c&lt;");
});

Deno.test("checkJunit() finds what the schema rejects: no errors attribute, counts that lie, misplaced elements", () => {
  const bad = `<?xml version="1.0"?>
<testsuites>
  <testsuite name="x" tests="2" failures="0">
    <testcase classname="a" name="b"><failure message="m"/></testcase>
    <failure message="loose"/>
  </testsuite>
</testsuites>`;
  deepStrictEqual(checkJunit(bad).errors, [
    "testsuites/testsuite[x]: <testsuite> lacks the required attribute errors",
    "testsuites/testsuite[x]: <failure> inside <testsuite>",
    'testsuite x: tests="2" but 1 counted',
    'testsuite x: failures="0" but 1 counted',
  ]);
  match(checkJunit("<testsuites><testsuite></testsuites>").errors[0]!, /not well-formed/);
  match(checkJunit("<testsuites>\x01</testsuites>").errors[0]!, /forbids/);
});
