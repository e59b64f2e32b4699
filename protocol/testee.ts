/**
 * The contract between the harness and an implementation: a {@link Testee}
 * takes a batch of requests and reports one {@link Outcome} per request (an
 * answer, or what went wrong). Every implementation — the reference in
 * process, external programs, the golden captures, the live kernels —
 * implements it; the runner only sees this interface.
 *
 * @module
 */
import { CrconformError } from "../reference/errors.ts";
import type { Answer, Hello, Request } from "./codec.ts";

/** What became of one request. */
export type Outcome =
  | { readonly status: "answer"; readonly answer: Answer & { kind: "checkpoint" | "restart" } }
  | { readonly status: "unsupported"; readonly detail: string }
  | { readonly status: "error" | "crash" | "timeout" | "protocol"; readonly detail: string };

/** An outcome that is not an answer. */
export type Failure = Exclude<Outcome, { status: "answer" }>;

/** An implementation the harness can run. */
export interface Testee {
  /** The name given on the command line (or the bundled name). */
  readonly name: string;
  /** Starts it and performs the handshake. @throws {SetupError} */
  start(): Promise<Hello>;
  /** Runs requests in order, reporting each outcome by index. */
  run(requests: readonly Request[], onOutcome: (index: number, o: Outcome) => void): Promise<void>;
  /**
   * How many requests it is best given in one {@link run} (a live kernel
   * boots once per run): a streamed suite comes in runs of at least this many.
   */
  readonly batch?: number;
  /** Stops it; no process is left behind. */
  close(): Promise<void>;
  /**
   * After a {@link close} at the end of its runs: how it broke `PROTOCOL.md`'s
   * rule for the end of its input (a persistent testee exits 0), or undefined.
   */
  readonly endError?: string;
}

/** A testee that cannot be started or speaks another protocol version: the run cannot proceed. */
export class SetupError extends CrconformError {
  /** The error\'s class name. */
  override readonly name: string = "SetupError";
}

/** The outcome a parsed answer stands for (unsupported and error answers are not answers). */
export function answerOutcome(a: Answer): Outcome {
  if (a.kind === "unsupported") return { status: "unsupported", detail: a.reason };
  if (a.kind === "error") return { status: "error", detail: a.message };
  return { status: "answer", answer: a };
}
