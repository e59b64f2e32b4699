/**
 * Reporters: the console summary (per implementation, by case class, the
 * first failures in full, NO_COLOR respected), the JSON file with every
 * case's result, and JUnit XML.
 *
 * @module
 */
import { toHex } from "../reference/bytes.ts";
import type { CaseClass } from "../cases/types.ts";
import { type CaseResult, decidedByOf, formatDifference, type Status } from "./compare.ts";
import { conforms, type ImplReport } from "./runner.ts";
import { coverageLine } from "./cells.ts";

/** Statuses that count against an implementation. */
const BAD: ReadonlySet<Status> = new Set([
  "fail",
  "unsupported",
  "error",
  "crash",
  "timeout",
  "protocol",
  "xpass",
]);

/** Colour helpers honouring NO_COLOR and non-TTY output. */
export function palette(
  color: boolean,
): {
  red(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
} {
  const wrap = (code: number) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { red: wrap(31), green: wrap(32), dim: wrap(2), bold: wrap(1) };
}

/** Counts of statuses per case class. */
export function tally(results: readonly CaseResult[]): Map<CaseClass, Map<Status, number>> {
  const out = new Map<CaseClass, Map<Status, number>>();
  for (const r of results) {
    const m = out.get(r.run.class) ?? new Map<Status, number>();
    m.set(r.status, (m.get(r.status) ?? 0) + 1);
    out.set(r.run.class, m);
  }
  return out;
}

/** The full text of one failing result: id, status, differences, context, notes, re-run command. */
export function formatFailure(r: CaseResult, rerun: string, color = false): string {
  const p = palette(color);
  const lines = [
    `${p.red(r.status.toUpperCase())} ${p.bold(r.rid)}  ${
      p.dim(`[${r.run.class}] ${r.run.case.reason}`)
    }`,
  ];
  if (r.decidedBy) lines.push(`  reference decided by ${r.decidedBy}`);
  for (const d of r.differences) lines.push(`  ${formatDifference(d)}`);
  if (r.context?.actual) {
    lines.push(`  expected ${r.context.expected}`, `  actual   ${r.context.actual}`);
  } else if (r.context) lines.push(`  image    ${r.context.expected}`);
  if (r.detail) lines.push(`  ${r.detail}`);
  for (const n of r.undefinedNotes) lines.push(p.dim(`  note: ${n}`));
  lines.push(p.dim(`  re-run: ${rerun}`));
  return lines.join("\n");
}

/** Options of the console report. */
export interface ConsoleOptions {
  /** Use colour. */
  color: boolean;
  /** How many failures to print in full per implementation. @default 10 */
  maxFailures?: number;
  /** The re-run command for a result. */
  rerun: (impl: string, r: CaseResult) => string;
  /** Lines added per implementation (shrinking results). */
  extra?: ReadonlyMap<string, readonly string[]>;
}

/** The console report. */
export function consoleReport(reports: readonly ImplReport[], opts: ConsoleOptions): string {
  const p = palette(opts.color);
  const out: string[] = [];
  for (const rep of reports) {
    const ok = conforms(rep);
    const verdict = ok ? p.green("CONFORMS") : p.red("DOES NOT CONFORM");
    const covered = rep.hello && rep.coverage ? coverageLine(rep.hello, rep.coverage) : "";
    const compared = rep.results.filter((r) => r.status !== "skipped").length;
    out.push(
      `${p.bold(rep.name)}${rep.hello ? p.dim(` (${rep.hello.name})`) : ""}: ${verdict}${
        covered ? ` ${covered}` : ""
      } ${p.dim(`— ${compared} runs compared in ${(rep.ms / 1000).toFixed(2)} s`)}`,
    );
    if (rep.setupError) {
      out.push(`  setup: ${rep.setupError}`);
      continue;
    }
    if (!compared) out.push(p.red("  nothing was compared: no case of a declared cell ran"));
    for (const g of rep.coverage?.gaps ?? []) out.push(p.red(`  not covered: ${g}`));
    for (const [cls, m] of [...tally(rep.results)].sort(([a], [b]) => a.localeCompare(b))) {
      const parts = [...m].sort(([a], [b]) => a.localeCompare(b)).map((
        [s, n],
      ) => (BAD.has(s) ? p.red(`${n} ${s}`) : `${n} ${s}`));
      out.push(`  ${cls.padEnd(18)} ${parts.join(", ")}`);
    }
    for (const s of rep.stale) {
      out.push(
        p.red(
          `  stale expectation (line ${s.entry.line}: ${s.entry.pattern}): matches no failing case; remove it or run --update-expect`,
        ),
      );
    }
    const bad = rep.results.filter((r) => BAD.has(r.status));
    for (const r of bad.slice(0, opts.maxFailures ?? 10)) {
      out.push(formatFailure(r, opts.rerun(rep.name, r), opts.color).replace(/^/gm, "  "));
    }
    if (bad.length > (opts.maxFailures ?? 10)) {
      out.push(`  … and ${bad.length - (opts.maxFailures ?? 10)} more failures (see --json)`);
    }
    for (const line of opts.extra?.get(rep.name) ?? []) out.push(`  ${line}`);
  }
  const n = reports.filter(conforms).length;
  out.push(`${n} of ${reports.length} implementations conform`);
  return out.join("\n");
}

/** Every result as JSON-ready data. */
export function jsonReport(reports: readonly ImplReport[], meta: Record<string, unknown>): unknown {
  return {
    ...meta,
    implementations: reports.map((rep) => ({
      name: rep.name,
      hello: rep.hello ?? null,
      conforms: conforms(rep),
      setupError: rep.setupError ?? null,
      coverage: rep.coverage
        ? { cells: Object.fromEntries(rep.coverage.exercised), gaps: rep.coverage.gaps }
        : null,
      seconds: rep.ms / 1000,
      stale: rep.stale.map((s) => ({ line: s.entry.line, pattern: s.entry.pattern })),
      results: rep.results.map((r) => ({
        id: r.rid,
        class: r.run.class,
        status: r.status,
        reason: r.run.case.reason,
        decidedBy: r.run.expected.kind === "restart" ? decidedByOf(r.run.expected.o) : null,
        differences: r.differences.map((d) => ({ ...d, text: formatDifference(d) })),
        undefined: r.undefinedNotes,
        detail: r.detail ?? null,
        input: r.run.case.op === "restart" ? { image: toHex(r.run.case.image) } : undefined,
      })),
    })),
  };
}

const xml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!)
    // deno-lint-ignore no-control-regex
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "");

/** JUnit XML: one testsuite per implementation, one testcase per run. */
export function junitReport(
  reports: readonly ImplReport[],
  rerun: (impl: string, r: CaseResult) => string,
): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"];
  for (const rep of reports) {
    const failures = rep.results.filter((r) => BAD.has(r.status)).length +
      (rep.setupError ? 1 : 0) + rep.stale.length + (rep.coverage?.gaps.length ?? 0);
    const skipped = rep.results.filter((r) => r.status === "skipped" || r.status === "xfail")
      .length;
    out.push(
      `  <testsuite name="${
        xml(rep.name)
      }" tests="${rep.results.length}" failures="${failures}" skipped="${skipped}" time="${
        (rep.ms / 1000).toFixed(3)
      }">`,
    );
    if (rep.setupError) {
      out.push(
        `    <testcase name="setup"><failure message="${xml(rep.setupError)}"/></testcase>`,
      );
    }
    for (const g of rep.coverage?.gaps ?? []) {
      out.push(
        `    <testcase name="coverage:${xml(g.split(":")[0]!)}"><failure message="${
          xml(g)
        }"/></testcase>`,
      );
    }
    for (const s of rep.stale) {
      out.push(
        `    <testcase name="expectations:${
          xml(s.entry.pattern)
        }"><failure message="stale expectation"/></testcase>`,
      );
    }
    for (const r of rep.results) {
      const open = `    <testcase classname="${xml(rep.name)}" name="${xml(r.rid)}">`;
      if (BAD.has(r.status)) {
        out.push(
          open,
          `      <failure message="${xml(r.status)}">${
            xml(formatFailure(r, rerun(rep.name, r)))
          }</failure>`,
          "    </testcase>",
        );
      } else if (r.status === "skipped" || r.status === "xfail") {
        out.push(
          open,
          `      <skipped message="${xml(r.detail ?? r.status)}"/>`,
          "    </testcase>",
        );
      } else out.push(`${open}</testcase>`);
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n") + "\n";
}
