/**
 * JUnit XML (`--junit`) in the shape Jenkins' xunit plugin validates
 * (`testsuite` with `tests`, `failures`, `errors`, `skipped`) and GitLab
 * reads: one `<testsuite>` per implementation, one `<testcase>` per run with
 * `classname` = operation/ABI/group. A difference is a `<failure>` carrying
 * the field-aware diff; a crash, timeout, protocol violation, testee error
 * or setup error is an `<error>` (and so is a run stopped early); a cell the
 * testee does not declare, an expected failure and a run never done are
 * `<skipped>`, and so is a bundled implementation this host cannot run (a
 * testsuite of one skipped testcase with the reason and the fix). Coverage gaps and stale expectations
 * are failing testcases of their own, so the counts always tell the verdict.
 *
 * @module
 */
import type { CaseResult } from "../compare.ts";
import { completeResults, conforms, type ImplReport } from "../runner.ts";
import { coverageLine } from "../cells.ts";
import {
  BAD,
  ERRORS,
  facetsOf,
  formatFailure,
  type GateInfo,
  headline,
  notRun,
  type Rerun,
  stoppedOf,
  type UnavailableImpl,
  unavailableLine,
} from "./common.ts";

// Characters XML 1.0 cannot carry at all: C0 controls but tab, LF, CR; lone surrogates; FFFE/FFFF.
const INVALID =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Escapes text for an XML attribute or element, dropping characters XML cannot carry. */
export function xmlEscape(s: string): string {
  return s.replace(INVALID, "\ufffd").replace(/[&<>"\n\r\t]/g, (c) =>
    ({
      "&": "&amp;",
      "<": "&lt;",
      ">": "&gt;",
      '"': "&quot;",
      "\n": "&#10;",
      "\r": "&#13;",
      "\t": "&#9;",
    })[c]!);
}

/** Escapes element text (newlines kept as they are). */
const text = (s: string) =>
  s.replace(INVALID, "\ufffd").replace(
    /[&<>]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!,
  );

/** One testcase: its element kind (`failure`, `error`, `skipped`, or none), message and body. */
interface Case {
  readonly classname: string;
  readonly name: string;
  readonly kind?: "failure" | "error" | "skipped";
  readonly type?: string;
  readonly message?: string;
  readonly body?: string;
}

function caseXml(c: Case): string {
  const open = `    <testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}"`;
  if (!c.kind) return `${open}/>`;
  const attrs = `type="${xmlEscape(c.type ?? c.kind)}" message="${xmlEscape(c.message ?? "")}"`;
  const inner = c.body
    ? `<${c.kind} ${attrs}>${text(c.body)}</${c.kind}>`
    : `<${c.kind} ${attrs}/>`;
  return `${open}>\n      ${inner}\n    </testcase>`;
}

/** The testcases of one implementation. */
function casesOf(rep: ImplReport, rerun: Rerun): Case[] {
  const out: Case[] = [];
  if (rep.setupError) {
    out.push({
      classname: "setup",
      name: `${rep.name}: start`,
      kind: "error",
      type: "setup",
      message: rep.setupError,
      body: rep.setupError,
    });
    return out;
  }
  const results = completeResults(rep, "the JUnit report");
  for (const g of rep.coverage?.gaps ?? []) {
    const colon = g.indexOf(": ");
    out.push({
      classname: "coverage",
      name: colon > 0 && !g.startsWith("its ") ? g.slice(0, colon) : g,
      kind: "failure",
      type: "coverage",
      message: g,
    });
  }
  if (!results.some((r) => r.status !== "skipped")) {
    out.push({
      classname: "coverage",
      name: "compared",
      kind: "failure",
      type: "coverage",
      message: "nothing was compared: no case of a declared cell ran",
    });
  }
  const stopped = stoppedOf(rep);
  if (stopped) {
    out.push({
      classname: "run",
      name: "stopped",
      kind: "error",
      type: "stopped",
      message: `the run stopped before every case was done: ${stopped}`,
    });
  }
  if (rep.endError) {
    out.push({
      classname: "run",
      name: "end of input",
      kind: "failure",
      type: "end-of-input",
      message: rep.endError,
    });
  }
  for (const s of rep.stale) {
    out.push({
      classname: "expectations",
      name: `line ${s.entry.line}: ${s.entry.pattern}`,
      kind: "failure",
      type: "stale",
      message: `stale expectation: ${s.why ?? "matches no failing case"}`,
      body: "remove the entry, or rewrite the list with --update-expect",
    });
  }
  for (const r of results) out.push(resultCase(rep.name, r, rerun));
  return out;
}

function resultCase(impl: string, r: CaseResult, rerun: Rerun): Case {
  const f = facetsOf(r.run);
  const base = { classname: `${f.op}/${f.abi}/${f.group}`, name: r.rid };
  if (BAD.has(r.status)) {
    return {
      ...base,
      kind: ERRORS.has(r.status) ? "error" : "failure",
      type: r.status,
      message: headline(r),
      body: formatFailure(r, rerun(impl, r)),
    };
  }
  if (notRun(r)) {
    return { ...base, kind: "skipped", type: "not-run", message: r.detail ?? "not run" };
  }
  if (r.status === "skipped") {
    return { ...base, kind: "skipped", type: "unsupported", message: r.detail ?? "skipped" };
  }
  if (r.status === "xfail") {
    return {
      ...base,
      kind: "skipped",
      type: "expected-failure",
      message: r.detail ?? "expected failure",
      body: formatFailure(r, rerun(impl, r)),
    };
  }
  return base;
}

/** Options of the JUnit report. */
export interface JunitOptions {
  /** The re-run command for a result. */
  readonly rerun: Rerun;
  /** The gate's identity, written as properties of each suite. */
  readonly gate?: GateInfo;
  /** The timestamp of the run. @default now */
  readonly timestamp?: Date;
  /** Bundled implementations this host cannot run: a testsuite each, its one testcase skipped. */
  readonly unavailable?: readonly UnavailableImpl[];
}

/** JUnit XML: one testsuite per implementation, one testcase per run (see the module doc). */
export function junitReport(reports: readonly ImplReport[], opts: JunitOptions): string {
  const stamp = (opts.timestamp ?? new Date()).toISOString().slice(0, 19);
  const suites: string[] = [];
  const total = { tests: 0, failures: 0, errors: 0, ms: 0 };
  for (const rep of reports) {
    const cases = casesOf(rep, opts.rerun);
    const count = (k: Case["kind"]) => cases.filter((c) => c.kind === k).length;
    if (!conforms(rep) && !count("failure") && !count("error")) {
      // Fail closed: a verdict the testcases do not explain is still a failure.
      cases.push({
        classname: "verdict",
        name: rep.name,
        kind: "failure",
        type: "verdict",
        message: "does not conform",
      });
    }
    const n = { tests: cases.length, failures: count("failure"), errors: count("error") };
    total.tests += n.tests;
    total.failures += n.failures;
    total.errors += n.errors;
    total.ms += rep.ms;
    const props: [string, string][] = [
      ["verdict", conforms(rep) ? "conforms" : "does not conform"],
    ];
    if (rep.hello) props.push(["implementation", rep.hello.name]);
    if (rep.hello && rep.coverage) props.push(["coverage", coverageLine(rep.hello, rep.coverage)]);
    if (opts.gate) {
      props.push(
        ["crconform.version", opts.gate.version],
        ["crconform.protocol", String(opts.gate.protocol)],
        ["crconform.suite", opts.gate.fingerprint],
      );
    }
    suites.push(
      `  <testsuite name="${
        xmlEscape(rep.name)
      }" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="${
        count("skipped")
      }" time="${(rep.ms / 1000).toFixed(3)}" timestamp="${stamp}">`,
      "    <properties>",
      ...props.map(([k, v]) => `      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`),
      "    </properties>",
      ...cases.map(caseXml),
      "  </testsuite>",
    );
  }
  for (const u of opts.unavailable ?? []) {
    total.tests += 1;
    suites.push(
      `  <testsuite name="${
        xmlEscape(u.name)
      }" tests="1" failures="0" errors="0" skipped="1" time="0.000" timestamp="${stamp}">`,
      "    <properties>",
      `      <property name="verdict" value="unavailable here"/>`,
      `      <property name="fix" value="${xmlEscape(u.fix)}"/>`,
      "    </properties>",
      caseXml({
        classname: "host",
        name: `${u.name}: unavailable here`,
        kind: "skipped",
        type: "unavailable",
        message: unavailableLine(u),
      }),
      "  </testsuite>",
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="crconform" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" time="${
      (total.ms / 1000).toFixed(3)
    }">`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}
