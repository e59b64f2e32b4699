/**
 * The console report: per implementation its verdict and what it covered,
 * counts by case class, coverage gaps, stale expectations and the first
 * failures in full (NO_COLOR respected); then the bundled implementations
 * this host cannot run, each with why and the fix.
 *
 * @module
 */
import { conforms, type ImplReport, summaryOf } from "../runner.ts";
import { coverageLine } from "../cells.ts";
import {
  BAD,
  formatFailure,
  palette,
  type Rerun,
  stoppedOf,
  type UnavailableImpl,
} from "./common.ts";
import { encodingTally } from "../../protocol/vary.ts";

/** Options of the console report. */
export interface ConsoleOptions {
  /** Use colour. */
  color: boolean;
  /** How many failures to print in full per implementation. @default 10 */
  maxFailures?: number;
  /** The re-run command for a result. */
  rerun: Rerun;
  /** A last line (the suite's identity, say). */
  footer?: string;
  /** Lines added per implementation (shrinking results). */
  extra?: ReadonlyMap<string, readonly string[]>;
  /** Bundled implementations this host cannot run (listed, not judged). */
  unavailable?: readonly UnavailableImpl[];
}

/** The console report. */
export function consoleReport(reports: readonly ImplReport[], opts: ConsoleOptions): string {
  const p = palette(opts.color);
  const out: string[] = [];
  for (const rep of reports) {
    const ok = conforms(rep);
    const verdict = ok ? p.green("CONFORMS") : p.red("DOES NOT CONFORM");
    const covered = rep.hello && rep.coverage ? coverageLine(rep.hello, rep.coverage) : "";
    const summary = summaryOf(rep);
    const notRunCount = summary.counts["not-run"] ?? 0;
    const compared = summary.runs - (summary.counts["skipped"] ?? 0) - notRunCount;
    out.push(
      `${p.bold(rep.name)}${rep.hello ? p.dim(` (${rep.hello.name})`) : ""}: ${verdict}${
        covered ? ` ${covered}` : ""
      } ${p.dim(`— ${compared} runs compared in ${(rep.ms / 1000).toFixed(2)} s`)}`,
    );
    if (rep.setupError) {
      out.push(`  setup: ${rep.setupError}`);
      continue;
    }
    const stopped = stoppedOf(rep);
    if (stopped) {
      out.push(p.red(`  stopped early: ${stopped}; ${notRunCount} runs not run`));
    }
    if (rep.endError) out.push(p.red(`  end of input: ${rep.endError}`));
    if (!compared) out.push(p.red("  nothing was compared: no case of a declared cell ran"));
    for (const g of rep.coverage?.gaps ?? []) out.push(p.red(`  not covered: ${g}`));
    for (const [cls, m] of [...summary.byClass].sort(([a], [b]) => a.localeCompare(b))) {
      const parts = [...m].sort(([a], [b]) => a.localeCompare(b)).map((
        [s, n],
      ) => (BAD.has(s) || (s as string) === "not-run" ? p.red(`${n} ${s}`) : `${n} ${s}`));
      out.push(`  ${cls.padEnd(18)} ${parts.join(", ")}`);
    }
    for (const s of rep.stale) {
      out.push(
        p.red(
          `  stale expectation (line ${s.entry.line}: ${s.entry.pattern}): ${
            s.why ?? "matches no failing case"
          }; remove it or run --update-expect`,
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
    const byEncoding = encodingTally(bad.map((r) => r.rid));
    if (byEncoding) out.push(`  ${byEncoding}`);
    for (const line of opts.extra?.get(rep.name) ?? []) out.push(`  ${line}`);
  }
  for (const u of opts.unavailable ?? []) {
    out.push(`${p.bold(u.name)}: UNAVAILABLE here — not run, the verdict does not count it`);
    out.push(`  why: ${u.reason}`, `  fix: ${u.fix}`);
  }
  const n = reports.filter(conforms).length;
  const na = opts.unavailable?.length;
  out.push(
    `${n} of ${reports.length} implementations conform${na ? ` (${na} unavailable here)` : ""}`,
  );
  if (opts.footer) out.push(opts.footer);
  return out.join("\n");
}
