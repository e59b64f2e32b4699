/**
 * A run as it happens: {@link ObservedTestee} wraps a testee so every answer
 * is compared the moment it arrives (for the progress line, the failures so
 * far and the JSON Lines stream), and {@link ProgressMeter} prints progress
 * on stderr: a line rewritten in place on a terminal, else a line every few
 * seconds (done / total, rate, failures so far, implementation) so CI logs
 * never look hung, and a final line per implementation either way.
 *
 * @module
 */
import { BAD } from "./report/common.ts";
import type { Hello, Request } from "../protocol/codec.ts";
import type { Outcome, Testee } from "../protocol/testee.ts";
import type { Status } from "./compare.ts";
import { conforms, type ImplReport, summaryOf } from "./runner.ts";

/** What an {@link ObservedTestee} reports. */
export interface Observer {
  /** The testee answered hello. */
  started?(hello: Hello): void;
  /** The testee's outcome for a request (before the runner sees it). */
  answered?(request: Request, outcome: Outcome): void;
}

/**
 * A testee that behaves exactly like the one it wraps and says when it
 * started (and, when asked, each outcome it gave). (How many runs it is about to get, and each result as it
 * arrives, come from the runner itself: `RunLimits.onSending` and
 * `RunLimits.onResult`.)
 */
export class ObservedTestee implements Testee {
  readonly #inner: Testee;
  readonly #observer: Observer;

  /** Wraps `inner`. */
  constructor(inner: Testee, observer: Observer) {
    this.#inner = inner;
    this.#observer = observer;
  }

  /** The wrapped testee's name. */
  get name(): string {
    return this.#inner.name;
  }

  /** The wrapped testee's best batch. */
  get batch(): number | undefined {
    return this.#inner.batch;
  }

  /** Starts the wrapped testee and reports its hello. */
  async start(): Promise<Hello> {
    const hello = await this.#inner.start();
    this.#observer.started?.(hello);
    return hello;
  }

  /** Runs the requests on the wrapped testee. */
  run(requests: readonly Request[], onOutcome: (index: number, o: Outcome) => void): Promise<void> {
    const answered = this.#observer.answered;
    if (!answered) return this.#inner.run(requests, onOutcome);
    return this.#inner.run(requests, (i, o) => {
      answered(requests[i]!, o);
      onOutcome(i, o);
    });
  }

  /** Stops the wrapped testee. */
  close(): Promise<void> {
    return this.#inner.close();
  }

  /** How the wrapped testee broke the rule for the end of its input, if it did. */
  get endError(): string | undefined {
    return this.#inner.endError;
  }
}

/** Options of a {@link ProgressMeter}. */
export interface MeterOptions {
  /** Writes text to the progress stream (stderr). */
  readonly write: (text: string) => void;
  /** The stream is a terminal: rewrite one line in place. */
  readonly tty: boolean;
  /** Least time between two progress lines when not a terminal. @default 5000 */
  readonly intervalMs?: number;
  /** The clock, in ms. @default performance.now */
  readonly now?: () => number;
}

const rate = (n: number, ms: number) => (ms > 0 ? Math.round((n * 1000) / ms) : 0);

/** Progress of one implementation at a time on stderr. */
export class ProgressMeter {
  readonly #o: MeterOptions;
  readonly #interval: number;
  #impl = "";
  #total = 0;
  #done = 0;
  #failing = 0;
  #expected = 0;
  #t0 = 0;
  #last = 0;
  #open = false;

  /** A meter writing through `opts.write`. */
  constructor(opts: MeterOptions) {
    this.#o = opts;
    this.#interval = opts.tty ? 100 : opts.intervalMs ?? 5000;
  }

  #now(): number {
    return (this.#o.now ?? (() => performance.now()))();
  }

  /** An implementation starts: `total` runs to compare. */
  begin(impl: string, total: number): void {
    this.#impl = impl;
    this.#total = total;
    this.#done = this.#failing = this.#expected = 0;
    this.#t0 = this.#last = this.#now();
    if (!this.#o.tty) this.#o.write(`conform: ${impl}: ${total} runs to compare\n`);
  }

  /** The line as it stands. */
  line(): string {
    const ms = this.#now() - this.#t0;
    const pct = this.#total ? Math.floor((this.#done * 100) / this.#total) : 100;
    return `conform: ${this.#impl} ${this.#done}/${this.#total} runs (${pct}%), ${
      rate(this.#done, ms)
    } runs/s, ${this.#failing} failing so far${
      this.#expected ? `, ${this.#expected} expected` : ""
    }`;
  }

  /** One result arrived, with its status after the expectation list. */
  add(status: Status): void {
    this.#done++;
    if (BAD.has(status)) this.#failing++;
    else if (status === "xfail") this.#expected++;
    // Look at the clock only every 64 results: it is the costly part.
    if ((this.#done & 63) !== 0 && this.#done !== this.#total) return;
    const now = this.#now();
    if (now - this.#last < this.#interval) return;
    this.#last = now;
    if (this.#o.tty) {
      this.#o.write(`\r\x1b[K${this.line()}`);
      this.#open = true;
    } else this.#o.write(`${this.line()}\n`);
  }

  /** An implementation ended: its final line, from its report. */
  end(rep: ImplReport): void {
    const clear = this.#open ? "\r\x1b[K" : "";
    this.#open = false;
    if (rep.setupError) {
      this.#o.write(`${clear}conform: ${rep.name}: setup error: ${rep.setupError}\n`);
      return;
    }
    const { runs, counts } = summaryOf(rep);
    let bad = 0;
    for (const s of BAD) bad += counts[s] ?? 0;
    const xfail = counts["xfail"] ?? 0;
    const compared = runs - (counts["skipped"] ?? 0);
    const extra = rep.stale.length + (rep.coverage?.gaps.length ?? 0);
    this.#o.write(
      `${clear}conform: ${rep.name}: ${
        conforms(rep) ? "CONFORMS" : "DOES NOT CONFORM"
      }, ${compared} runs compared in ${(rep.ms / 1000).toFixed(1)} s (${
        rate(compared, rep.ms)
      } runs/s), ${bad} failing${xfail ? `, ${xfail} expected failures` : ""}${
        extra ? `, ${extra} coverage gaps or stale expectations` : ""
      }\n`,
    );
  }
}
