/**
 * What the gate writes besides its console report: the progress on stderr
 * (unless `--quiet`), the JSON Lines stream as results arrive (`--jsonl`),
 * and at the end the JSON, JUnit and HTML reports (`--json`, `--junit`,
 * `--html`). One {@link Outputs} per run of the gate.
 *
 * @module
 */
import { type CaseResult, runOfRequest } from "../harness/compare.ts";
import { answerLine } from "../harness/answers.ts";
import {
  applyExpectation,
  entriesFor,
  type Expectation,
  expectationFor,
} from "../harness/expect.ts";
import { ObservedTestee, ProgressMeter } from "../harness/progress.ts";
import { BAD, type GateInfo, type Rerun, type UnavailableImpl } from "../harness/report/common.ts";
import { htmlReport } from "../harness/report/html.ts";
import {
  headerJson,
  helloJson,
  JsonlWriter,
  jsonReport,
  jsonText,
  resultJson,
  type SuiteMeta,
  summaryJson,
  unavailableJson,
} from "../harness/report/json.ts";
import { junitReport } from "../harness/report/junit.ts";
import { conforms, type ImplReport } from "../harness/runner.ts";
import type { Testee } from "../protocol/testee.ts";
import type { Options } from "./options.ts";

/** How often a progress line is printed when stderr is not a terminal: `$CRCONFORM_PROGRESS_MS`, else 5 s. */
export function progressInterval(): number {
  const v = Number(Deno.env.get("CRCONFORM_PROGRESS_MS"));
  return Number.isFinite(v) && v >= 0 && Deno.env.get("CRCONFORM_PROGRESS_MS") ? v : 5000;
}

const enc = new TextEncoder();
const writeErr = (s: string) => {
  const b = enc.encode(s);
  let off = 0;
  while (off < b.length) off += Deno.stderr.writeSync(b.subarray(off));
};

/** What the outputs need to know about the run. */
export interface OutputContext {
  /** The options. */
  readonly o: Options;
  /** The gate's identity and the suite's fingerprint. */
  readonly gate: GateInfo;
  /** The selection, as recorded in the reports. */
  readonly suite: SuiteMeta;
  /** The re-run command of a result. */
  readonly rerun: Rerun;
  /** The known failures. */
  readonly expectations: readonly Expectation[];
}

/** The progress line, the JSON Lines stream and the report files of one run of the gate. */
export class Outputs {
  readonly #c: OutputContext;
  readonly #meter?: ProgressMeter;
  readonly #jsonl?: JsonlWriter;
  readonly #answers?: JsonlWriter;

  /** Opens the JSON Lines file (when asked) and writes its first record. */
  constructor(c: OutputContext) {
    this.#c = c;
    if (!c.o.quiet) {
      this.#meter = new ProgressMeter({
        tty: Deno.stderr.isTerminal(),
        intervalMs: progressInterval(),
        write: writeErr,
      });
    }
    if (c.o.jsonl) {
      this.#jsonl = new JsonlWriter(c.o.jsonl);
      this.#jsonl.write({ type: "start", ...headerJson(c.gate, c.suite) });
    }
    if (c.o.answers) this.#answers = new JsonlWriter(c.o.answers);
  }

  #line(impl: string, r: CaseResult): Record<string, unknown> {
    const rerun = BAD.has(r.status) || r.status === "xfail" ? this.#c.rerun(impl, r) : undefined;
    return { type: "result", impl, ...resultJson(r, rerun) };
  }

  /**
   * The testee to run (the same one, watched when progress or JSON Lines
   * are wanted) and what to do with each result as the runner compares it.
   */
  observe(testee: Testee): {
    testee: Testee;
    onResult?: (r: CaseResult) => void;
    onSending?: (count: number) => void;
  } {
    const meter = this.#meter;
    const jsonl = this.#jsonl;
    const answers = this.#answers;
    if (!meter && !jsonl && !answers) return { testee };
    const name = testee.name;
    const mine = entriesFor(name, this.#c.expectations);
    return {
      testee: new ObservedTestee(testee, {
        started: (hello) => jsonl?.write({ type: "implementation", name, hello: helloJson(hello) }),
        answered: answers && ((request, outcome) => {
          const rid = runOfRequest(request)?.rid;
          if (rid) answers.writeLine(answerLine({ impl: name, rid, outcome }));
        }),
      }),
      onSending: (n) => meter?.begin(name, n),
      onResult: (r) => {
        // The same judgement the runner makes at the end, made now, on a copy (the
        // runner's own result is judged by the runner).
        const e = expectationFor(r.rid, mine);
        const shown = e ? { ...r } : r;
        if (e) applyExpectation(shown, e);
        meter?.add(shown.status);
        jsonl?.write(this.#line(name, shown));
      },
    };
  }

  /** An implementation is done: the runs it never sent, its summary, its progress line. */
  finished(rep: ImplReport): void {
    if (this.#jsonl) {
      for (const r of rep.results) {
        if (r.status === "skipped") this.#jsonl.write(this.#line(rep.name, r));
      }
      this.#jsonl.write({ type: "summary", ...summaryJson(rep) });
    }
    this.#meter?.end(rep);
  }

  /** A bundled implementation this host cannot run: its JSON Lines record. */
  unavailable(u: UnavailableImpl): void {
    this.#jsonl?.write({ type: "unavailable", ...unavailableJson(u) });
  }

  /** Writes the report files and closes the JSON Lines stream. */
  async close(
    reports: readonly ImplReport[],
    run: { runs: number; seconds: number },
    unavailable: readonly UnavailableImpl[] = [],
  ): Promise<void> {
    const { o, gate, suite, rerun } = this.#c;
    if (this.#jsonl) {
      this.#jsonl.write({
        type: "end",
        conforms: reports.every(conforms),
        runs: run.runs,
        seconds: Math.round(run.seconds * 1000) / 1000,
      });
      this.#jsonl.close();
    }
    this.#answers?.close();
    if (o.json) {
      await Deno.writeTextFile(
        o.json,
        jsonText(jsonReport(reports, gate, suite, run, rerun, unavailable)),
      );
    }
    if (o.junit) {
      await Deno.writeTextFile(o.junit, junitReport(reports, { rerun, gate, unavailable }));
    }
    if (o.html) await Deno.writeTextFile(o.html, htmlReport(reports, { rerun, gate, unavailable }));
  }
}
