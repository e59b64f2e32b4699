/**
 * What an implementation's results add up to, counted one result at a time:
 * per status, per class and status, and the fingerprint of their result
 * ids. A run that streams its suite keeps these instead of every passed
 * result, and its report is judged and shown from them.
 *
 * @module
 */
import type { CaseClass } from "../cases/types.ts";
import type { CaseResult, Status } from "./compare.ts";
import { FingerprintHash, STATUSES, suiteFingerprint } from "./report/common.ts";

/** What a list of results adds up to. */
export interface Summary {
  /** How many results (every status). */
  readonly runs: number;
  /** Results per status, every status present (0 when none). */
  readonly counts: Readonly<Record<string, number>>;
  /**
   * Results per class and status (the statuses a class had). Runs not done
   * are counted under `not run`: their class would cost the reference's
   * result of every run left when a run is stopped.
   */
  readonly byClass: ReadonlyMap<CaseClass | "not run", ReadonlyMap<Status, number>>;
  /** `suiteFingerprint` of the results' ids, in order. */
  readonly fingerprint: string;
}

/** Counts results as they come (in run order, for the fingerprint). */
export class Tally {
  #runs = 0;
  readonly #counts: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  readonly #byClass = new Map<CaseClass | "not run", Map<Status, number>>();
  readonly #hash: FingerprintHash | undefined;

  /** A tally; `fingerprint: false` leaves the ids to whoever holds the results. */
  constructor(opts: { fingerprint?: boolean } = {}) {
    this.#hash = opts.fingerprint === false ? undefined : new FingerprintHash();
  }

  /** Counts one result, with its final status (after the expectation list). */
  add(r: CaseResult): void {
    this.#runs++;
    this.#counts[r.status] = (this.#counts[r.status] ?? 0) + 1;
    const cls = (r.status as string) === "not-run" ? "not run" : r.run.class;
    let m = this.#byClass.get(cls);
    if (!m) this.#byClass.set(cls, m = new Map());
    m.set(r.status, (m.get(r.status) ?? 0) + 1);
    this.#hash?.add(r.rid);
  }

  /**
   * What was counted (the tally is finished: add nothing after); without a
   * fingerprint of its own, `fingerprint` comes from `rids` when first read.
   */
  summary(rids?: () => Iterable<string>): Summary {
    const hash = this.#hash;
    let fingerprint = hash?.digest();
    return {
      runs: this.#runs,
      counts: this.#counts,
      byClass: this.#byClass,
      get fingerprint() {
        return fingerprint ??= suiteFingerprint(rids ? rids() : []);
      },
    };
  }
}

/** What a list of results adds up to (counted once per list; it must not change after). */
export function summarize(results: readonly CaseResult[]): Summary {
  let s = summaries.get(results);
  if (!s) {
    const t = new Tally({ fingerprint: false });
    for (const r of results) t.add(r);
    s = t.summary(function* () {
      for (const r of results) yield r.rid;
    });
    summaries.set(results, s);
  }
  return s;
}

/** The summaries of lists already counted. */
const summaries = new WeakMap<readonly CaseResult[], Summary>();
