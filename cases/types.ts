/**
 * What a case is: a stable id, an ABI, an operation with its input, a
 * one-line reason, and its class per profile.
 *
 * @module
 */
import type { AbiName } from "../reference/layout.ts";
import type {
  CheckpointEnv,
  CheckpointResult,
  Profile,
  RestartEnv,
  RestartOutcome,
  TaskState,
} from "../reference/types.ts";

/**
 * `must-accept`: the reference succeeds; `must-reject`: it returns an error
 * (or a parent quirk value); `undefined-in-seed`: the seed's answer depends
 * on never-written memory, so only the defined parts are checked.
 */
export type CaseClass = "must-accept" | "must-reject" | "undefined-in-seed";

/** Fields every case has. */
interface CaseBase {
  /** Stable, readable id, e.g. `restart/x86_64/head/magic`. */
  readonly id: string;
  /** The ABI. */
  readonly abi: AbiName;
  /** One line: what the case changes and why it matters. */
  readonly reason: string;
  /**
   * For generated and fuzzed cases: which generator, its seed and the index
   * (for shrinking and re-running with `--seed S --cases N` or `--fuzz N`).
   */
  readonly origin?: {
    readonly kind?: "generated" | "fuzz";
    readonly seed: number;
    readonly index: number;
  };
}

/** A checkpoint case: task state and environment in, image out. */
export interface CheckpointCase extends CaseBase {
  /** Operation. */
  readonly op: "checkpoint";
  /** The task. */
  readonly state: TaskState;
  /** The environment. */
  readonly env: CheckpointEnv;
}

/** A restart case: image and environment in, outcome out; run under each profile. */
export interface RestartCase extends CaseBase {
  /** Operation. */
  readonly op: "restart";
  /** The file's content. */
  readonly image: Uint8Array;
  /** The environment. */
  readonly env: RestartEnv;
  /** Profiles the case runs under. @default both */
  readonly profiles?: readonly Profile[];
}

/** Any case. */
export type Case = CheckpointCase | RestartCase;

/** The reference's result for a run: computed once, when the run is made. */
export type Expected =
  | { readonly kind: "checkpoint"; readonly r: CheckpointResult }
  | { readonly kind: "restart"; readonly o: RestartOutcome };

/** One run of a case: a checkpoint case once, a restart case once per profile. */
export interface CaseRun {
  /** Result id: the case id, plus `@profile` for restart. */
  readonly rid: string;
  /** The case. */
  readonly case: Case;
  /** The profile (restart only). */
  readonly profile?: Profile;
  /** Its class, from the reference outcome under that profile. */
  readonly class: CaseClass;
  /** The reference's result, from which the class comes. */
  readonly expected: Expected;
  /**
   * Lets go of what can be computed again (the reference's result; its
   * class is kept), once the run has passed: memory for the runs to come.
   */
  release?(): void;
}
