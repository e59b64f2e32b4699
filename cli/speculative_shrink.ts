/**
 * Shrinking against a testee that pays per batch, not per case (a live
 * kernel boots once per batch: seconds for one case or for thousands).
 * `shrinkCase` asks about one candidate at a time; here it is replayed with
 * known answers, and where an answer is unknown it goes on speculating (the
 * candidate is assumed to answer as the last one did) to collect up to a
 * window of unknown candidates, which are evaluated together in one batch.
 * Then it replays from the start. `shrinkCase` is deterministic in its
 * answers, so the result is exactly the sequential one; a wrong guess only
 * wastes the candidates collected after it.
 *
 * @module
 */
import { caseToLine } from "../cases/corpus.ts";
import { shrinkCase, type ShrunkCase } from "../cases/shrink.ts";
import type { Case } from "../cases/types.ts";

/** What {@link shrinkSpeculative} found, and how many batches it took. */
export interface SpeculativeShrink<C extends Case> extends ShrunkCase<C> {
  /** Batches evaluated (boots, for a live kernel). */
  readonly batches: number;
  /** Candidates evaluated in all. */
  readonly evaluated: number;
}

const SPECULATING = Symbol("speculating");

/**
 * `shrinkCase(start, fails)` with `fails` answered in batches: `evaluate`
 * gets distinct candidates (at most `window` at a time) and returns, for
 * each, whether it still fails. `onBatch` is told after each batch.
 */
export async function shrinkSpeculative<C extends Case>(
  start: C,
  evaluate: (candidates: readonly C[]) => Promise<boolean[]>,
  opts: {
    window?: number;
    maxTries?: number;
    onBatch?: (batches: number, evaluated: number, size: number) => void;
  } = {},
): Promise<SpeculativeShrink<C>> {
  const window = opts.window ?? 2048;
  const known = new Map<string, boolean>();
  let batches = 0, evaluated = 0;
  for (;;) {
    const pending = new Map<string, C>();
    let last = true;
    let res: ShrunkCase<C> | undefined;
    try {
      res = await shrinkCase(start, (c) => {
        const key = caseToLine(c);
        const v = known.get(key);
        if (v !== undefined) return Promise.resolve(last = v);
        pending.set(key, c);
        if (pending.size >= window) throw SPECULATING;
        return Promise.resolve(last);
      }, opts.maxTries);
    } catch (e) {
      if (e !== SPECULATING) throw e;
    }
    if (res && !pending.size) return { ...res, batches, evaluated };
    const cands = [...pending.values()];
    const answers = await evaluate(cands);
    if (answers.length !== cands.length) {
      throw new Error(
        `shrinkSpeculative: ${answers.length} answers for ${cands.length} candidates`,
      );
    }
    [...pending.keys()].forEach((k, i) => known.set(k, answers[i]!));
    batches++;
    evaluated += cands.length;
    opts.onBatch?.(batches, evaluated, cands.length);
  }
}
