/**
 * The dictionary family: meaningful values (`dictionary.ts`) put into
 * every field of every record of a restart image, every task-state field
 * and every environment value and argument of both operations.
 *
 * - `dict`: every field restart checks (headers, HEAD's checked fields,
 *   `task_comm_len`, TAIL's magic) and TASK's `state` at each core
 *   dictionary value and at its own value's other forms (byte-swapped, cut,
 *   halves exchanged: `valueForms`) one at a time, and every field restart
 *   does not check (HEAD's `time`, TASK's but the state) together at each
 *   value of the full dictionary; the utsname strings and the STRING payload
 *   at each meaningful byte string; and on the checkpoint side the same for
 *   the task state (folded into each field's domain) and every environment
 *   value and argument of both operations.
 *
 * @module
 */
import { copyBytes, readField, readUnsigned } from "../reference/bytes.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { type Field, layoutOf, TASK_COMM_LEN } from "../reference/layout.ts";
import { RESTART_CHECKS } from "../reference/restart.ts";
import type { CheckpointEnv, RestartEnv, TaskState } from "../reference/types.ts";
import { fieldDomain, flagsMax, taskStateFields } from "../reference/validate.ts";
import { imagePlan } from "../reference/walk.ts";
import type { CatalogBase } from "./catalog.ts";
import {
  byteStrings,
  dictionary,
  domainDictionary,
  fieldDictionary,
  valueForms,
} from "./dictionary.ts";
import { withBytes } from "./image.ts";
import type { CheckpointCase, RestartCase } from "./types.ts";

/** `0x…` of a value, for ids. */
export const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** The TASK fields that hold the task's state words (one at a time in `dict`, together in `group`). */
export const STATE_WORDS: readonly string[] = ["state", "exit_state", "exit_code", "exit_signal"];

/** The payload fields restart checks, by record (from the check list). */
function checkedFields(rec: string): Set<string> {
  return new Set(
    RESTART_CHECKS.map((c) => c.id.split(".")).filter((p) =>
      p[0] === rec && p[1] !== "hdr" && p.length === 2
    ).map((p) => p[1]!),
  );
}

/** `v` folded into a field's domain as a kernel of the ABI would produce it (cut, then sign-extended), or undefined. */
export function fold(f: Field, abi: string, v: bigint): bigint | undefined {
  const dom = fieldDomain(f, abi);
  if (dom.ok(v)) return v;
  const low = BigInt.asUintN(32, v);
  if (dom.ok(low)) return low;
  const ext = BigInt.asUintN(64, BigInt.asIntN(32, low));
  return dom.ok(ext) ? ext : undefined;
}

/** Restart images with dictionary values in every field of every record. */
export function dictRestartCases(b: CatalogBase): RestartCase[] {
  const { abi } = b;
  const l = layoutOf(abi);
  const image = checkpoint(b.state, b.ckptEnv).image;
  const out: RestartCase[] = [];
  const add = (name: string, reason: string, img: Uint8Array, env: RestartEnv = b.rstEnv) =>
    out.push({ id: `restart/${abi}/dict/${name}`, op: "restart", abi, reason, image: img, env });
  const together: { rec: string; f: Field; at: number }[] = [];
  for (const rec of imagePlan(abi).records) {
    const r = rec.record;
    for (const f of l.HDR.fields) {
      const own = readUnsigned(image, rec.offset + f.offset, f.size, l.abi.endian);
      for (const v of new Set([...fieldDictionary(f, abi, true), ...valueForms(own, f.size * 8)])) {
        add(
          `${r}.hdr.${f.name}=${hex(v)}`,
          `${r} header ${f.name} := ${hex(v)}, a value with a meaning in the seed or Linux`,
          withBytes(image, abi, rec.offset + f.offset, f, v),
        );
      }
    }
    const checked = checkedFields(r);
    for (const f of rec.layout.fields) {
      if (f.type === "pad") continue;
      if (f.type === "bytes") {
        for (const [name, s] of byteStrings(f.size)) {
          const img = copyBytes(image);
          img.set(s, rec.payloadOffset + f.offset);
          add(`${r}.${f.name}=${name}`, `${r}.${f.name} := ${name} bytes`, img);
        }
        continue;
      }
      // The task's state alone (restart never reads it: a dead task's image must restart); the
      // other fields restart does not check go together below.
      if (!checked.has(f.name) && !(r === "TASK" && f.name === "state")) {
        together.push({ rec: r, f, at: rec.payloadOffset + f.offset });
        continue;
      }
      const at = rec.payloadOffset + f.offset;
      const own = readField(image, { ...f, offset: 0 }, l.abi.endian, at);
      for (const v of new Set([...fieldDictionary(f, abi, true), ...valueForms(own, f.size * 8)])) {
        add(
          `${r}.${f.name}=${hex(v)}`,
          `${r}.${f.name} := ${hex(v)}`,
          withBytes(image, abi, at, f, v),
        );
      }
    }
  }
  // The fields restart does not check (HEAD's time, TASK's but the state), all at once: each
  // value of the full dictionary in every one.
  const names = together.map(({ rec, f }) => `${rec}.${f.name}`).join(", ");
  for (const v of dictionary(abi, 64)) {
    let img = image;
    for (const { f, at } of together) img = withBytes(img, abi, at, f, v);
    add(`unchecked=${hex(v)}`, `every field restart does not check (${names}) := ${hex(v)}`, img);
  }
  return out;
}

/** The restarting side: kernel version (with HEAD's), comm, counter, flags and crid at dictionary values. */
export function dictRestartEnvCases(b: CatalogBase): RestartCase[] {
  const { abi } = b;
  const l = layoutOf(abi);
  const image = checkpoint(b.state, b.ckptEnv).image;
  const head = imagePlan(abi).records.find((r) => r.record === "HEAD")!;
  const out: RestartCase[] = [];
  const add = (name: string, reason: string, env: Partial<RestartEnv>, img = image) =>
    out.push({
      id: `restart/${abi}/dict/env.${name}`,
      op: "restart",
      abi,
      reason,
      image: img,
      env: { ...b.rstEnv, ...env },
    });
  const parts = ["major", "minor", "patch"] as const;
  for (const v of dictionary(abi, 8)) {
    // The whole version at one value (each part at every other value: the group family).
    let img = image;
    for (const p of parts) {
      img = withBytes(
        img,
        abi,
        head.payloadOffset + l.HEAD.byName[p]!.offset,
        l.HEAD.byName[p]!,
        v,
      );
    }
    const n = Number(v);
    add(
      `kernel=${n}.${n}.${n}`,
      `restarting kernel and HEAD both version ${n}.${n}.${n}: any version restarts its own image`,
      { kernel: { major: n, minor: n, patch: n } },
      img,
    );
  }
  for (const [name, comm] of byteStrings(TASK_COMM_LEN)) {
    add(`comm=${name}`, `comm before restart: ${name} bytes`, { comm });
  }
  addScalars(abi, (name, reason, env) => add(name, reason, env), "crid");
  return out;
}

/** Counter, flags and pid or crid at dictionary values (within each one's domain). */
function addScalars(
  abi: string,
  add: (name: string, reason: string, env: Partial<RestartEnv & CheckpointEnv>) => void,
  id: "pid" | "crid",
): void {
  const fmax = flagsMax(abi);
  for (const v of dictionary(abi, 64, true).filter((v) => v <= fmax)) {
    add(`flags=${hex(v)}`, `flags argument ${hex(v)}`, { flags: v });
  }
  for (const v of dictionary(abi, 32, true).filter((v) => v <= 0x7ffffffen)) {
    add(`counter=${v}`, `global counter ${v} before the call`, { counter: Number(v) });
  }
  for (const v of dictionary(abi, 32, true)) {
    const n = Number(BigInt.asIntN(32, v));
    add(`${id}=${n}`, `${id} argument ${n}`, { [id]: n });
  }
}

/** Checkpoint inputs at dictionary values: every task-state field, comm and every environment value. */
export function dictCheckpointCases(b: CatalogBase): CheckpointCase[] {
  const { abi } = b;
  const out: CheckpointCase[] = [];
  const add = (name: string, reason: string, state: TaskState, env: Partial<CheckpointEnv> = {}) =>
    out.push({
      id: `checkpoint/${abi}/dict/${name}`,
      op: "checkpoint",
      abi,
      reason,
      state,
      env: { ...b.ckptEnv, ...env },
    });
  const fields = taskStateFields(abi);
  for (const { f } of fields.filter(({ f }) => STATE_WORDS.includes(f.name))) {
    for (const v of domainDictionary(f, abi, true)) {
      add(`${f.name}=${hex(v)}`, `task ${f.name} := ${hex(v)}`, { ...b.state, [f.name]: v });
    }
  }
  const rest = fields.filter(({ f }) => !STATE_WORDS.includes(f.name));
  const seen = new Set<string>();
  for (const v of dictionary(abi, 64)) {
    const s: Record<string, unknown> = { ...b.state };
    for (const { f } of rest) s[f.name] = fold(f, abi, v) ?? b.state[f.name as keyof TaskState];
    const key = rest.map(({ f }) => String(s[f.name])).join(",");
    if (seen.has(key)) continue;
    seen.add(key);
    add(
      `counters=${hex(v)}`,
      `every task counter and time := ${hex(v)} (folded into each field's domain)`,
      s as unknown as TaskState,
    );
  }
  for (const [name, comm] of byteStrings(TASK_COMM_LEN)) {
    add(`comm=${name}`, `task comm: ${name} bytes`, { ...b.state, comm });
  }
  const time = layoutOf(abi).HEAD.byName["time"]!;
  for (const v of domainDictionary(time, abi, true)) {
    add(`env.time=${hex(v)}`, `checkpoint time ${hex(v)}`, b.state, { time: v });
  }
  for (const v of dictionary(abi, 8)) {
    const n = Number(v);
    add(`env.kernel=${n}.${n}.${n}`, `checkpointing kernel ${n}.${n}.${n}`, b.state, {
      kernel: { major: n, minor: n, patch: n },
    });
  }
  addScalars(abi, (name, reason, env) => add(`env.${name}`, reason, b.state, env), "pid");
  return out;
}
