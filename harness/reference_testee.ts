/**
 * The reference model as a testee, in process: it declares every registered
 * ABI, both profiles and both operations, and answers from the model.
 *
 * @module
 */
import { abiNames } from "../reference/abi.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { restart } from "../reference/restart.ts";
import { PROFILES } from "../reference/types.ts";
import { FEATURES, type Hello, OPS, PROTOCOL_VERSION, type Request } from "../protocol/codec.ts";
import type { Outcome, Testee } from "../protocol/testee.ts";
import { expectedOfRequest } from "./compare.ts";

/** The reference model, in process. */
export class ReferenceTestee implements Testee {
  /** Bundled name. */
  readonly name: string;
  /** Creates it under a name. */
  constructor(name = "reference") {
    this.name = name;
  }
  /** The reference supports everything. */
  start(): Promise<Hello> {
    return Promise.resolve({
      protocol: PROTOCOL_VERSION,
      ops: OPS,
      name: this.name,
      abis: abiNames(),
      profiles: PROFILES,
      features: FEATURES,
    });
  }
  /** Answers from the model. */
  run(requests: readonly Request[], onOutcome: (index: number, o: Outcome) => void): Promise<void> {
    requests.forEach((r, i) => onOutcome(i, referenceAnswer(r)));
    return Promise.resolve();
  }
  /** Nothing to stop. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The reference's answer to a request (undefined values answered as 0). A
 * request made by the runner carries the result computed when its run was
 * made; it is not computed again.
 */
export function referenceAnswer(r: Request): Outcome {
  const known = expectedOfRequest(r);
  if (r.op === "checkpoint") {
    const c = known?.kind === "checkpoint" ? known.r : checkpoint(r.state, r.env);
    return {
      status: "answer",
      answer: { kind: "checkpoint", ret: c.ret, counter: c.counter, image: c.image },
    };
  }
  const o = known?.kind === "restart" ? known.o : restart(r.image, r.env, r.profile);
  return {
    status: "answer",
    answer: {
      kind: "restart",
      ret: o.ret.defined ? o.ret.value : 0,
      consumed: o.consumed.defined ? o.consumed.value : 0,
      counter: o.counter,
      comm: o.comm,
    },
  };
}
