/**
 * The JSON report (`--json`) and the JSON Lines stream (`--jsonl`): every
 * case's result with its facets, differences and hex window, each
 * implementation's verdict, coverage and counts, and the gate's identity.
 * The shape is versioned by {@link SCHEMA_VERSION} and described in
 * `docs/REPORTS.md` and `docs/report.schema.json`.
 *
 * @module
 */
import { toHex } from "../../reference/bytes.ts";
import type { Hello } from "../../protocol/codec.ts";
import { type CaseResult, decidedByOf, formatDifference } from "../compare.ts";
import type { Stale } from "../expect.ts";
import { completeResults, conforms, type ImplReport, summaryOf } from "../runner.ts";
import {
  BAD,
  facetsOf,
  type GateInfo,
  type Rerun,
  stoppedOf,
  type UnavailableImpl,
} from "./common.ts";

/**
 * The version of the report's shape. It changes when a field is removed or
 * changes meaning; new fields may appear without a change.
 */
export const SCHEMA_VERSION = 1;

/** What the run was asked to do, as recorded in the report's `suite`. */
export interface SuiteMeta {
  /** `--seed`. */
  readonly seed: number;
  /** `--cases`. */
  readonly cases: number;
  /** `--fuzz`. */
  readonly fuzz: number;
  /** `--shard`. */
  readonly shard: { readonly k: number; readonly n: number } | null;
  /** `--op`. */
  readonly ops: readonly string[];
  /** `--abi`. */
  readonly abis: readonly string[];
  /** `--profile`. */
  readonly profiles: readonly string[];
  /** `--filter`. */
  readonly filters: readonly string[];
  /** `--replay`. */
  readonly replay: readonly string[];
}

/** The `gate` and `suite` objects every report starts with. */
export function headerJson(gate: GateInfo, suite: SuiteMeta): Record<string, unknown> {
  return {
    schemaVersion: SCHEMA_VERSION,
    gate: { name: "crconform", version: gate.version, protocol: gate.protocol },
    suite: { fingerprint: gate.fingerprint, runs: gate.runs, ...suite },
  };
}

/** One result as JSON; `rerun` is given for results that are not passes. */
export function resultJson(r: CaseResult, rerun?: string): Record<string, unknown> {
  const f = facetsOf(r.run);
  const notOk = BAD.has(r.status) || r.status === "xfail";
  return {
    id: r.rid,
    op: f.op,
    abi: f.abi,
    profile: f.profile,
    group: f.group,
    cell: f.cell,
    class: r.run.class,
    status: r.status,
    reason: r.run.case.reason,
    decidedBy: notOk && r.run.expected.kind === "restart" ? decidedByOf(r.run.expected.o) : null,
    differences: r.differences.map((d) => ({
      record: d.record,
      field: d.field,
      offset: d.offset ?? null,
      expected: d.expected,
      actual: d.actual,
      text: formatDifference(d),
    })),
    undefined: r.undefinedNotes,
    detail: r.detail ?? null,
    context: r.context
      ? { offset: r.context.offset, expected: r.context.expected, actual: r.context.actual }
      : null,
    input: notOk && r.run.case.op === "restart" ? { image: toHex(r.run.case.image) } : null,
    rerun: notOk && rerun ? rerun : null,
  };
}

/** The stale entries as JSON. */
export function staleJson(stale: readonly Stale[]): Record<string, unknown>[] {
  return stale.map((s) => ({
    line: s.entry.line,
    pattern: s.entry.pattern,
    reason: s.entry.reason,
    why: s.why ?? "matches no failing case",
  }));
}

/** The hello as JSON. */
export function helloJson(h: Hello | undefined): Record<string, unknown> | null {
  return h
    ? { name: h.name, protocol: h.protocol, ops: h.ops, abis: h.abis, profiles: h.profiles }
    : null;
}

/** An implementation's verdict and summary, without its results. */
export function summaryJson(rep: ImplReport): Record<string, unknown> {
  const summary = summaryOf(rep);
  return {
    name: rep.name,
    hello: helloJson(rep.hello),
    conforms: conforms(rep),
    setupError: rep.setupError ?? null,
    stopped: stoppedOf(rep) ?? null,
    endError: rep.endError ?? null,
    coverage: rep.coverage
      ? { cells: Object.fromEntries(rep.coverage.exercised), gaps: rep.coverage.gaps }
      : null,
    seconds: Math.round(rep.ms) / 1000,
    runs: summary.runs,
    fingerprint: summary.fingerprint,
    counts: { ...summary.counts },
    stale: staleJson(rep.stale),
  };
}

/** An unavailable bundled implementation as JSON (the report's `unavailable`, a JSON Lines record). */
export function unavailableJson(u: UnavailableImpl): Record<string, unknown> {
  return { name: u.name, reason: u.reason, fix: u.fix };
}

/**
 * The whole report as JSON-ready data (see `docs/report.schema.json`);
 * `unavailable` lists the bundled implementations this host could not run.
 */
export function jsonReport(
  reports: readonly ImplReport[],
  gate: GateInfo,
  suite: SuiteMeta,
  run: { readonly runs: number; readonly seconds: number },
  rerun?: Rerun,
  unavailable: readonly UnavailableImpl[] = [],
): Record<string, unknown> {
  return {
    ...headerJson(gate, suite),
    runs: run.runs,
    seconds: Math.round(run.seconds * 1000) / 1000,
    conforms: reports.every(conforms),
    implementations: reports.map((rep) => ({
      ...summaryJson(rep),
      results: completeResults(rep, "the JSON report").map((r) =>
        resultJson(
          r,
          rerun && (BAD.has(r.status) || r.status === "xfail") ? rerun(rep.name, r) : undefined,
        )
      ),
    })),
    unavailable: unavailable.map(unavailableJson),
  };
}

/**
 * The text of a {@link jsonReport}: indented, except that each result sits
 * on one line of its own (a report of 100,000 runs stays greppable and a
 * third of the size).
 */
export function jsonText(report: Record<string, unknown>): string {
  const impls = report.implementations as Record<string, unknown>[];
  const marker = (i: number) => `\u0000results ${i}\u0000`;
  let text = JSON.stringify(
    { ...report, implementations: impls.map((im, i) => ({ ...im, results: marker(i) })) },
    null,
    1,
  );
  impls.forEach((im, i) => {
    const results = im.results as unknown[];
    const body = results.length
      ? `[\n${results.map((r) => `    ${JSON.stringify(r)}`).join(",\n")}\n   ]`
      : "[]";
    text = text.replace(JSON.stringify(marker(i)), () => body);
  });
  return text + "\n";
}

/**
 * A JSON Lines file written as results arrive: one object per line, each
 * with a `type` (`start`, `implementation`, `result`, `summary`, `end`),
 * flushed at least every second so a reader (or a killed CI job) sees
 * everything up to the last second.
 */
export class JsonlWriter {
  readonly #file: Deno.FsFile;
  readonly #enc = new TextEncoder();
  #buf: string[] = [];
  #size = 0;
  #last = performance.now();

  /** Creates (truncates) the file. */
  constructor(path: string) {
    this.#file = Deno.openSync(path, { write: true, create: true, truncate: true });
  }

  /** Appends one record. */
  write(record: Record<string, unknown>): void {
    this.writeLine(JSON.stringify(record));
  }

  /** Appends one line already encoded as JSON (no newline). */
  writeLine(json: string): void {
    const line = json + "\n";
    this.#buf.push(line);
    this.#size += line.length;
    if (this.#size > 1 << 16 || performance.now() - this.#last > 1000) this.flush();
  }

  /** Writes what is buffered. */
  flush(): void {
    this.#last = performance.now();
    if (!this.#buf.length) return;
    const bytes = this.#enc.encode(this.#buf.join(""));
    this.#buf = [];
    this.#size = 0;
    let off = 0;
    while (off < bytes.length) off += this.#file.writeSync(bytes.subarray(off));
  }

  /** Flushes and closes the file. */
  close(): void {
    this.flush();
    this.#file.close();
  }
}
