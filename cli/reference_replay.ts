/**
 * Judging a mutant of the reference against recorded answers instead of a
 * gate run: the independent implementations' answers to every run of the
 * gate (`conform --answers`) are read once, and a mutant whose suite keeps
 * every case's inputs (`changedRuns`) is killed when some recorded answer
 * fails one of the runs whose expectation it changes, with the gate's own
 * comparison (`harness/compare.ts`). Every other run's expectation is the
 * reference's, which every recorded answer passed (the unmutated gate
 * conforms), so this is the gate's verdict without running it.
 *
 * @module
 */
import { compare } from "../harness/compare.ts";
import { parseAnswerLine } from "../harness/answers.ts";
import type { CaseRun } from "../cases/types.ts";
import type { Outcome } from "../protocol/testee.ts";
import type { ChangedRun, Changes, SuiteGroup } from "./reference_differential.ts";

/** One recorded answer, as the judge keeps it. */
export interface Recorded {
  /** Who answered, and how it was run when not as by default (`seed-c-x86_64 (SEED_C_FILL=pattern)`). */
  readonly who: string;
  /** The outcome. */
  readonly outcome: Outcome;
}

/** Recorded answers by suite group and result id. */
export type Answers = Map<string, Recorded[]>;

const keyOf = (group: SuiteGroup, rid: string) => `${group}\u0000${rid}`;

/** The suite group of an implementation: a golden capture answers its own cases. */
export function groupOf(impl: string): SuiteGroup {
  return impl.startsWith("golden-") ? impl as SuiteGroup : "main";
}

/**
 * Adds the records of an `--answers` file's text to `into` (the reference's
 * own answers are left out: it is the oracle). `via` names how they were
 * made when the file does not say (a fill).
 */
export function addAnswers(into: Answers, text: string, via?: string): number {
  let n = 0;
  for (const line of text.split("\n")) {
    if (!line) continue;
    const r = parseAnswerLine(line);
    if (r.impl === "reference") continue;
    const how = r.via ?? via;
    const key = keyOf(groupOf(r.impl), r.rid);
    const list = into.get(key) ?? [];
    list.push({ who: how ? `${r.impl} (${how})` : r.impl, outcome: r.outcome });
    into.set(key, list);
    n++;
  }
  return n;
}

/** The verdict on a mutant from its changed runs: killed, survived, or not judged (left to the gate). */
export type ReplayVerdict =
  | { readonly verdict: "killed" | "survived"; readonly detail: string }
  | { readonly verdict: "gate"; readonly detail: string };

/**
 * Judges a mutant's changed runs, batch by batch as they come, against the
 * recorded answers: the first recorded answer the gate's comparison fails
 * kills the mutant; when none does and every changed run was seen, it
 * survives; a list cut short with no kill, or a suite whose inputs changed,
 * is left to the gate.
 */
export class ReplayJudge {
  readonly #answers: Answers;
  #answered = 0;
  #kill?: string;
  #threw?: string;

  /** A judge over `answers`. */
  constructor(answers: Answers) {
    this.#answers = answers;
  }

  /**
   * Judges a batch; true when it is judged (killed), or when comparing
   * threw (a result the mutant made that the comparison cannot read: the
   * gate is left to say what it makes of it).
   */
  add(batch: readonly ChangedRun[]): boolean {
    if (this.#kill || this.#threw) return true;
    try {
      return this.#add(batch);
    } catch (e) {
      this.#threw = `comparing its result threw: ${(e as Error).message}`;
      return true;
    }
  }

  #add(batch: readonly ChangedRun[]): boolean {
    for (const c of batch) {
      const recorded = this.#answers.get(keyOf(c.group, c.rid));
      if (!recorded) continue;
      // What compare reads of a run: its id, its case's ABI and (for a restart's context) image.
      const run = {
        rid: c.rid,
        case: { abi: c.abi, image: new Uint8Array(0) },
      } as unknown as CaseRun;
      for (const a of recorded) {
        this.#answered++;
        const r = compare(run, c.expected, a.outcome);
        if (r.status !== "fail") continue;
        const d = r.differences[0]!;
        this.#kill = `${a.who}: ${c.rid} ${d.record}.${d.field} expected ${d.expected}, ` +
          `recorded ${d.actual} (replayed)`;
        return true;
      }
    }
    return false;
  }

  /** The verdict, once the walk ended (`changes`: its summary; undefined when stopped at a kill). */
  verdict(changes: Changes | undefined): ReplayVerdict {
    if (this.#kill) return { verdict: "killed", detail: this.#kill };
    if (this.#threw) return { verdict: "gate", detail: this.#threw };
    if (!changes) throw new Error("the replay stopped without a kill");
    if (!changes.judged) return { verdict: "gate", detail: changes.why };
    if (changes.truncated) {
      return {
        verdict: "gate",
        detail: `${changes.changed}+ runs changed and no recorded answer fails them`,
      };
    }
    return {
      verdict: "survived",
      detail: `replayed: ${changes.changed} of ${changes.runs} runs changed, ` +
        `${this.#answered} recorded answers to them agree`,
    };
  }
}
