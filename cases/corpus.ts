/**
 * Corpus files: cases as JSON Lines, one case per line, so that a failure
 * the fuzzer found (shrunk) can be replayed (`deno task conform --replay
 * FILE`) and kept as a named regression case. Integers that can exceed 2^53
 * are decimal strings; bytes are hex.
 *
 * @module
 */
import { fromHex, toHex } from "../reference/bytes.ts";
import { InputError } from "../reference/errors.ts";
import { TASK_STATE_FIELDS } from "../reference/layout.ts";
import type { CheckpointEnv, Profile, RestartEnv, TaskState } from "../reference/types.ts";
import {
  validateCheckpointEnv,
  validateProfile,
  validateRestartEnv,
  validateTaskState,
} from "../reference/validate.ts";
import type { Case } from "./types.ts";

/** One case as one line of JSON. */
export function caseToLine(c: Case): string {
  const base = { id: c.id, op: c.op, abi: c.abi, reason: c.reason };
  if (c.op === "restart") {
    const e = c.env;
    return JSON.stringify({
      ...base,
      ...(c.profiles ? { profiles: c.profiles } : {}),
      image: toHex(c.image),
      env: {
        kernel: e.kernel,
        comm: toHex(e.comm),
        counter: e.counter ?? 0,
        flags: String(e.flags ?? 0n),
        crid: e.crid ?? 0,
        file: e.file ?? "ok",
        ...(e.io ? { io: e.io } : {}),
      },
    });
  }
  const e = c.env;
  const state: Record<string, string> = {};
  for (const f of TASK_STATE_FIELDS) state[f] = String(c.state[f as keyof TaskState]);
  state.comm = toHex(c.state.comm);
  return JSON.stringify({
    ...base,
    state,
    env: {
      kernel: e.kernel,
      uts: {
        release: toHex(e.uts.release),
        version: toHex(e.uts.version),
        machine: toHex(e.uts.machine),
      },
      time: String(e.time),
      counter: e.counter ?? 0,
      flags: String(e.flags ?? 0n),
      pid: e.pid ?? 0,
      file: e.file ?? "ok",
      ...(e.io ? { io: e.io } : {}),
    },
  });
}

type Json = Record<string, unknown>;

/**
 * Parses a corpus: blank lines and `#` comments are skipped; every other
 * line must be one valid case.
 *
 * @throws {InputError} naming the line and the field that is wrong.
 */
export function readCorpus(text: string): Case[] {
  const entries: [string, unknown][] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim() || line.startsWith("#")) return;
    const where = `corpus line ${i + 1}`;
    try {
      entries.push([where, JSON.parse(line)]);
    } catch (e) {
      throw new InputError(where, "one JSON object", (e as Error).message);
    }
  });
  return corpusCases(entries);
}

/**
 * Cases from already parsed corpus objects (a JSON array of them, say), each
 * with a label for error messages.
 *
 * @throws {InputError} naming the entry and the field that is wrong.
 */
export function corpusCases(entries: readonly (readonly [string, unknown])[]): Case[] {
  const out: Case[] = [];
  const ids = new Set<string>();
  entries.forEach(([where, value]) => {
    if (typeof value !== "object" || value === null) {
      throw new InputError(where, "one JSON object", typeof value);
    }
    const o = value as Json;
    const str = (v: unknown, name: string) => {
      if (typeof v !== "string") throw new InputError(`${where}: ${name}`, "a string", typeof v);
      return v;
    };
    const hex = (v: unknown, name: string) => {
      const b = fromHex(str(v, name));
      if (!b) throw new InputError(`${where}: ${name}`, "hex bytes", String(v).slice(0, 40));
      return b;
    };
    const big = (v: unknown, name: string) => {
      const s = str(v, name);
      if (!/^[0-9]+$/.test(s)) throw new InputError(`${where}: ${name}`, "a decimal integer", s);
      return BigInt(s);
    };
    const id = str(o.id, "id");
    if (ids.has(id)) throw new InputError(`${where}: id`, "a unique id", id);
    ids.add(id);
    const abi = str(o.abi, "abi");
    const env = (o.env ?? {}) as Json;
    const reason = typeof o.reason === "string" ? o.reason : "corpus case";
    try {
      if (o.op === "restart") {
        const renv: RestartEnv = {
          abi,
          kernel: env.kernel as RestartEnv["kernel"],
          comm: hex(env.comm, "env.comm"),
          counter: env.counter as number,
          flags: big(env.flags, "env.flags"),
          crid: env.crid as number,
          file: env.file as RestartEnv["file"],
          ...(env.io !== undefined ? { io: env.io as RestartEnv["io"] } : {}),
        };
        validateRestartEnv(renv);
        const profiles = o.profiles as Profile[] | undefined;
        for (const p of profiles ?? []) validateProfile(p);
        out.push({
          id,
          op: "restart",
          abi,
          reason,
          image: hex(o.image, "image"),
          env: renv,
          ...(profiles ? { profiles } : {}),
        });
      } else if (o.op === "checkpoint") {
        const s = (o.state ?? {}) as Json;
        const state = { comm: hex(s.comm, "state.comm") } as Record<string, unknown>;
        for (const f of TASK_STATE_FIELDS) state[f] = big(s[f], `state.${f}`);
        const uts = (env.uts ?? {}) as Json;
        const cenv: CheckpointEnv = {
          abi,
          kernel: env.kernel as CheckpointEnv["kernel"],
          uts: {
            release: hex(uts.release, "env.uts.release"),
            version: hex(uts.version, "env.uts.version"),
            machine: hex(uts.machine, "env.uts.machine"),
          },
          time: big(env.time, "env.time"),
          counter: env.counter as number,
          flags: big(env.flags, "env.flags"),
          pid: env.pid as number,
          file: env.file as CheckpointEnv["file"],
          ...(env.io !== undefined ? { io: env.io as CheckpointEnv["io"] } : {}),
        };
        validateCheckpointEnv(cenv);
        validateTaskState(state as unknown as TaskState, abi);
        out.push({
          id,
          op: "checkpoint",
          abi,
          reason,
          state: state as unknown as TaskState,
          env: cenv,
        });
      } else {
        throw new InputError(`${where}: op`, "checkpoint or restart", String(o.op));
      }
    } catch (e) {
      if (e instanceof InputError && !e.message.startsWith(where)) {
        throw new InputError(`${where}: ${e.field}`, e.expected, e.found);
      }
      throw e;
    }
  });
  return out;
}
