/**
 * Shrinking a failing case before anyone reads it: {@link shrink} greedily
 * resets each field of a generated task state and environment to a plain
 * value; {@link shrinkCase} shrinks any case (fewest image bytes first, then
 * simplest values), keeping each step after which the implementation still
 * fails.
 *
 * @module
 */
import { concat } from "../reference/bytes.ts";
import { TASK_COMM_LEN } from "../reference/layout.ts";
import {
  type CheckpointEnv,
  defaultCheckpointEnv,
  defaultRestartEnv,
  type RestartEnv,
  type TaskState,
} from "../reference/types.ts";
import type { Case, CheckpointCase, RestartCase } from "./types.ts";

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

/** What {@link shrinkCase} found. */
export interface ShrunkCase<C extends Case> {
  /** The smallest failing case found. */
  readonly minimal: C;
  /** Candidates tried. */
  readonly tries: number;
  /** What was removed or simplified, in words. */
  readonly steps: readonly string[];
}

/**
 * Shrinks any case toward a minimal one that still fails: for a restart,
 * fewest image bytes first (chunks removed, halving down to single bytes),
 * then simplest values (bytes zeroed, the environment reset to plain
 * values); for a checkpoint, every task field and environment value reset
 * in turn. `fails` runs the candidate on the implementation.
 */
export async function shrinkCase<C extends Case>(
  start: C,
  fails: (c: C) => Promise<boolean>,
  maxTries = 2000,
): Promise<ShrunkCase<C>> {
  let cur = start;
  let tries = 0;
  const steps: string[] = [];
  const attempt = async (next: C, what: string): Promise<boolean> => {
    if (tries >= maxTries) return false;
    tries++;
    if (!(await fails(next))) return false;
    cur = next;
    steps.push(what);
    return true;
  };
  if (cur.op === "restart") {
    const img = () => (cur as RestartCase).image;
    const withImage = (image: Uint8Array) => ({ ...cur, image }) as C;
    for (let chunk = Math.max(1, img().length >> 1); chunk >= 1; chunk >>= 1) {
      for (let at = 0; at < img().length;) {
        const i = img();
        const cut = concat([i.subarray(0, at), i.subarray(Math.min(i.length, at + chunk))]);
        if (!(await attempt(withImage(cut), `removed ${chunk} bytes at ${at}`))) at += chunk;
      }
    }
    for (let at = 0; at < img().length; at++) {
      if (img()[at] === 0) continue;
      const z = img().slice();
      z[at] = 0;
      await attempt(withImage(z), `zeroed byte ${at}`);
    }
    const plain = defaultRestartEnv(cur.abi);
    const env = () => (cur as RestartCase).env;
    const resets: [string, Partial<RestartEnv>][] = [
      ["flags", { flags: 0n }],
      ["io", { io: undefined }],
      ["file", { file: "ok" }],
      ["crid", { crid: 0 }],
      ["counter", { counter: 0 }],
      ["comm", { comm: plain.comm }],
    ];
    for (const [name, patch] of resets) {
      const next = { ...env(), ...patch };
      if (JSON.stringify(next, big) !== JSON.stringify(env(), big)) {
        await attempt({ ...cur, env: next } as C, `reset ${name}`);
      }
    }
    return { minimal: cur, tries, steps };
  }
  const c = cur as CheckpointCase;
  const shrunk = await shrink(
    { state: c.state, env: c.env },
    (cand) => fails({ ...cur, state: cand.state, env: cand.env } as C),
    maxTries,
  );
  const minimal = { ...cur, state: shrunk.minimal.state, env: shrunk.minimal.env } as C;
  const plainArgs: [string, Partial<CheckpointEnv>][] = [
    ["flags", { flags: 0n }],
    ["io", { io: undefined }],
    ["file", { file: "ok" }],
    ["pid", { pid: 0 }],
  ];
  cur = minimal;
  tries += shrunk.tries;
  for (const [name, patch] of plainArgs) {
    const e = (cur as CheckpointCase).env;
    const next = { ...e, ...patch };
    if (JSON.stringify(next, big) !== JSON.stringify(e, big)) {
      await attempt({ ...cur, env: next } as C, `reset ${name}`);
    }
  }
  return {
    minimal: cur,
    tries,
    steps: [...shrunk.essential.map((n) => `kept ${n}`), ...steps],
  };
}

const big = (_: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
