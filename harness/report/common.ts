/**
 * What every reporter shares: which statuses count against an
 * implementation, the full text of a failure (as the console prints it),
 * the facets a result is grouped by (operation, ABI, profile, group, cell),
 * the gate's identity (version, protocol, suite fingerprint) and colour.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { CaseRun } from "../../cases/types.ts";
import { type CaseResult, formatDifference, type Status } from "../compare.ts";
import { describeEncoding, describeSplit } from "../../protocol/vary.ts";

/** Statuses that count against an implementation. */
export const BAD: ReadonlySet<Status> = new Set([
  "fail",
  "unsupported",
  "error",
  "crash",
  "timeout",
  "protocol",
  "xpass",
]);

/** Statuses where the testee did not give a comparable answer: JUnit errors, not failures. */
export const ERRORS: ReadonlySet<Status> = new Set(["error", "crash", "timeout", "protocol"]);

/**
 * Every status, in the order reports list them. `not-run` marks the runs an
 * implementation never got to (the run was stopped early).
 */
export const STATUSES: readonly string[] = [
  "pass",
  "fail",
  "xfail",
  "xpass",
  "unsupported",
  "error",
  "crash",
  "timeout",
  "protocol",
  "skipped",
  "not-run",
];

/** True for a run that was never done (stopped early). */
export const notRun = (r: CaseResult): boolean => (r.status as string) === "not-run";

/** Why an implementation's run stopped before every run was done, if it did. */
export function stoppedOf(rep: object): string | undefined {
  return (rep as { stopped?: string }).stopped;
}

/**
 * A bundled implementation that this host cannot build or run: it was not
 * run, and it does not change the verdict (except under `--strict`).
 */
export interface UnavailableImpl {
  /** Its name (`seed-c-i386`). */
  readonly name: string;
  /** What this host lacks. */
  readonly reason: string;
  /** The command (or step) that makes it available. */
  readonly fix: string;
}

/** The one-line text of an unavailable implementation, as every report words it. */
export function unavailableLine(u: UnavailableImpl): string {
  return `unavailable here (not run, verdict unchanged): ${u.reason}; fix: ${u.fix}`;
}

/** The re-run command for a result of an implementation. */
export type Rerun = (impl: string, r: CaseResult) => string;

/** Who made a report and over what: the gate's version, its protocol, the suite's fingerprint. */
export interface GateInfo {
  /** The gate's version (deno.json `version`). */
  readonly version: string;
  /** The testee protocol version it speaks. */
  readonly protocol: number;
  /** {@link suiteFingerprint} of the selected runs. */
  readonly fingerprint: string;
  /** How many runs were selected (before an implementation's own cases). */
  readonly runs: number;
}

/**
 * {@link suiteFingerprint} taken one result id at a time, for runs that
 * stream by and are not kept.
 */
export class FingerprintHash {
  readonly #h = createHash("sha256");
  // The same bytes as one update per id and newline, in chunks (each update is a call out).
  #chunk = "";

  /** Adds the next result id. */
  add(rid: string): void {
    this.#chunk += rid + "\n";
    if (this.#chunk.length > 1 << 16) {
      this.#h.update(this.#chunk);
      this.#chunk = "";
    }
  }

  /** The fingerprint of the ids added (the hash is finished: add nothing after). */
  digest(): string {
    this.#h.update(this.#chunk);
    return `sha256:${this.#h.digest("hex").slice(0, 16)}`;
  }
}

/**
 * A fingerprint of a selection: SHA-256 over its result ids in order,
 * shortened. Two runs with the same gate version and fingerprint ran the
 * same suite.
 */
export function suiteFingerprint(rids: Iterable<string>): string {
  const h = new FingerprintHash();
  for (const rid of rids) h.add(rid);
  return h.digest();
}

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

/** The full text of one failing result: id, status, differences, context, notes, re-run command. */
export function formatFailure(r: CaseResult, rerun: string, color = false): string {
  const p = palette(color);
  const lines = [
    `${p.red(r.status.toUpperCase())} ${p.bold(r.rid)}  ${
      p.dim(`[${r.run.class}] ${r.run.case.reason}`)
    }`,
  ];
  const varied = describeEncoding(r.rid);
  if (varied) lines.push(`  request sent with ${varied} (PROTOCOL.md allows it)`);
  const split = describeSplit(r.rid);
  if (split) lines.push(`  request ${split}`);
  if (r.decidedBy) lines.push(`  reference decided by ${r.decidedBy}`);
  for (const d of r.differences) lines.push(`  ${formatDifference(d)}`);
  if (r.context?.actual) {
    lines.push(`  expected ${r.context.expected}`, `  actual   ${r.context.actual}`);
  } else if (r.context) lines.push(`  image    ${r.context.expected}`);
  if (r.detail) lines.push(`  ${r.detail}`);
  for (const n of r.undefinedNotes) lines.push(p.dim(`  note: ${n}`));
  lines.push(p.dim(`  re-run: ${rerun}`));
  lines.push(p.dim(`  explain: ${explainCommandOf(rerun)}`));
  return lines.join("\n");
}

/**
 * The `deno task explain` command for a failure: its re-run command with
 * `explain` for `conform`, less the arguments that pick an implementation
 * or a cell (explain accepts them; it needs only the result id and the
 * suite's `--seed`/`--cases`/`--fuzz`/`--replay`).
 */
export function explainCommandOf(rerun: string): string {
  return rerun
    .replace(/ task conform\b/, " task explain")
    .replace(/cli\/conform\.ts/, "cli/explain.ts")
    .replace(/ --(?:only|impl|op|abi) (?:'(?:[^']|'\\'')*'|\S+)/g, "")
    .replace(/ --no-bundled\b/g, "");
}

/** The facets a result is grouped by in reports. */
export interface Facets {
  /** `checkpoint` or `restart`. */
  readonly op: string;
  /** The ABI. */
  readonly abi: string;
  /** The profile (restart), else null. */
  readonly profile: string | null;
  /**
   * The case's group: the third part of its id (`head`, `truncate`, `gen`,
   * `fuzz`, …), or `top` for the top-level named cases (`restart/x86_64/valid`).
   */
  readonly group: string;
  /** The coverage cell: `checkpoint/ABI` or `restart/ABI/PROFILE`. */
  readonly cell: string;
}

/** The facets of a run. */
export function facetsOf(run: CaseRun): Facets {
  const parts = run.case.id.split("/");
  const { op, abi } = run.case;
  return {
    op,
    abi,
    profile: run.profile ?? null,
    group: parts.length >= 4 ? parts[2]! : "top",
    cell: run.profile ? `${op}/${abi}/${run.profile}` : `${op}/${abi}`,
  };
}

/** The one-line message of a result that is not a pass: its first difference or its detail. */
export function headline(r: CaseResult): string {
  const d = r.differences[0];
  const what = d ? formatDifference(d) : r.detail ?? "";
  return `${r.status.toUpperCase()}${what ? `: ${what}` : ""}`;
}
