/**
 * A first triage of the oracle's surviving mutants, from evidence: each
 * survivor's differential against the reference on inputs the gate never
 * sent (`reference_differential.ts`, seed 2) sorts it into a gap (a compared
 * value differs, or the mutant throws: an independent implementation could
 * tell them apart, so a cross-check is missing), a definedness-only change
 * (it calls more undefined: the safe direction) or no difference at all. The
 * proposals are written for a reader to check and merge into
 * `reference/mutation_triage.json`: an entry made this way says so
 * (`evidence: "differential"`) and is counted apart from the entries with a
 * reason written by hand.
 *
 * @module
 */
import type { Differential } from "./reference_differential.ts";
import type { Mutant } from "./reference_mutator.ts";

/** What classifying reads of a survivor's run (a `MutantRun` of `reference_mutants.ts`). */
export interface SurvivorRun {
  /** The mutant. */
  readonly mutant: Pick<Mutant, "file" | "lineText" | "op">;
  /** What its run said (the replay's count of changed runs, the coverage pass's function). */
  readonly detail: string;
}

/** A proposed triage entry (a `TriageEntry` of `reference_mutants.ts`). */
export interface ProposedEntry {
  /** `equivalent` or `definedness`. */
  readonly class: "equivalent" | "definedness";
  /** What the evidence showed. */
  readonly reason: string;
  /** The mutated line, trimmed. */
  readonly line: string;
  /** The operator. */
  readonly op: string;
  /** For `definedness`: the test that must fail under the mutant. */
  readonly test?: string;
  /** Always `differential`: no reason written by hand. */
  readonly evidence: "differential";
}

/** The test that every value the reference calls undefined is shown to vary by seed-c. */
export const TIGHTNESS_TEST = "cli/fills_tightness_test.ts";

/** What the evidence says of one survivor. */
export type Proposal =
  | { readonly kind: "gap"; readonly first: string }
  | { readonly kind: "entry"; readonly entry: ProposedEntry };

/**
 * The proposal for a survivor `r` whose differential (on the default suite
 * and `fuzz` fuzzed cases per ABI of seed 2) is `d`.
 */
export function classify(r: SurvivorRun, d: Differential, fuzz: number): Proposal {
  if (d.threw > 0 || d.observable > 0) {
    const what = d.threw ? `throws on ${d.threw}` : `differs on ${d.observable}`;
    return { kind: "gap", first: `${what} of ${d.runs} runs; first: ${d.first ?? "?"}` };
  }
  const base = {
    line: r.mutant.lineText.trim(),
    op: r.mutant.op,
    evidence: "differential" as const,
  };
  const tried = `${d.runs} runs (the default suite and ${fuzz} fuzzed cases per ABI of seed 2)`;
  const where = /never executed by the gate \(([^)]*)\)/.exec(r.detail)?.[1];
  const gate = /replayed: (\d+) of (\d+) runs changed/.exec(r.detail);
  const onGate = gate
    ? gate[1] === "0"
      ? `; no run of the gate's suite changes either`
      : `; ${gate[1]} of the gate's ${gate[2]} runs change, every recorded answer agrees`
    : "";
  if (d.moreUndefined > 0) {
    // Undefined is tight: a value called undefined that no never-written contents make seed-c
    // vary fails the tightness test (`--verify-tests` runs it under the mutant).
    const test = { test: TIGHTNESS_TEST };
    return {
      kind: "entry",
      entry: {
        ...base,
        ...test,
        class: "definedness",
        reason:
          `by differential only: it calls undefined ${d.moreUndefined} values the reference ` +
          `defines and changes no defined value in ${tried}${onGate}`,
      },
    };
  }
  return {
    kind: "entry",
    entry: {
      ...base,
      class: "equivalent",
      reason: `by differential only: no compared value differs in ${tried}` +
        (d.metadata ? `; only which check decided differs, on ${d.metadata}` : "") +
        (where ? `; never executed by the gate (${where})` : onGate),
    },
  };
}
