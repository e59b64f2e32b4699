/**
 * Shrinking a failing generated case: greedily resets each field of the task
 * state and environment to a plain value, keeping every reset after which
 * the implementation still fails, until no reset is kept.
 *
 * @module
 */
import { TASK_COMM_LEN } from "../reference/layout.ts";
import { type CheckpointEnv, defaultCheckpointEnv, type TaskState } from "../reference/types.ts";

/** A state and environment pair being shrunk. */
export interface Candidate {
  /** The task. */
  readonly state: TaskState;
  /** Its checkpoint environment. */
  readonly env: CheckpointEnv;
}

/** What shrinking found. */
export interface Shrunk {
  /** The smallest failing candidate found. */
  readonly minimal: Candidate;
  /** Fields that could not be reset without the failure going away. */
  readonly essential: readonly string[];
  /** Candidates tried. */
  readonly tries: number;
}

/**
 * Shrinks `start` under `fails` (true when the implementation still fails on
 * the candidate), trying at most `maxTries` candidates.
 */
export async function shrink(
  start: Candidate,
  fails: (c: Candidate) => Promise<boolean>,
  maxTries = 200,
): Promise<Shrunk> {
  const plain = defaultCheckpointEnv(start.env.abi);
  let cur = start;
  let tries = 0;
  const resets: { name: string; apply(c: Candidate): Candidate | undefined }[] = [];
  for (const k of Object.keys(start.state) as (keyof TaskState)[]) {
    if (k === "comm") continue;
    resets.push({
      name: `TASK.${k}`,
      apply: (c) => c.state[k] === 0n ? undefined : { ...c, state: { ...c.state, [k]: 0n } },
    });
  }
  resets.push({
    name: "comm",
    apply: (c) =>
      c.state.comm.every((b) => b === 0)
        ? undefined
        : { ...c, state: { ...c.state, comm: new Uint8Array(TASK_COMM_LEN) } },
  });
  for (const part of ["release", "version", "machine"] as const) {
    resets.push({
      name: `uts.${part}`,
      apply: (c) =>
        c.env.uts[part].every((b, i) => b === plain.uts[part][i])
          ? undefined
          : { ...c, env: { ...c.env, uts: { ...c.env.uts, [part]: plain.uts[part] } } },
    });
  }
  resets.push({
    name: "time",
    apply: (c) => c.env.time === 0n ? undefined : { ...c, env: { ...c.env, time: 0n } },
  });
  resets.push({
    name: "counter",
    apply: (c) => !c.env.counter ? undefined : { ...c, env: { ...c.env, counter: 0 } },
  });
  resets.push({
    name: "kernel",
    apply: (c) =>
      JSON.stringify(c.env.kernel) === JSON.stringify(plain.kernel)
        ? undefined
        : { ...c, env: { ...c.env, kernel: plain.kernel } },
  });
  const essential = new Set<string>();
  for (let changed = true; changed && tries < maxTries;) {
    changed = false;
    for (const r of resets) {
      const next = r.apply(cur);
      if (!next || tries >= maxTries) continue;
      tries++;
      if (await fails(next)) {
        cur = next;
        changed = true;
        essential.delete(r.name);
      } else essential.add(r.name);
    }
  }
  return {
    minimal: cur,
    essential: [...essential].filter((n) => resets.find((r) => r.name === n)!.apply(cur)),
    tries,
  };
}
