/**
 * The systematic case families, each derived from the layout tables, the
 * ABI registry and the reference's check list rather than picked by hand:
 *
 * - `order`: every ordered pair of violations of the check list (`violations.ts`);
 * - `args`: every bit of `flags` (as wide as the ABI's `long`), boundary
 *   pids, crids and counters, each with every file kind, for both operations;
 * - `lengths`: `task_comm_len` × STRING `len` × name length over the
 *   boundaries 0, 1, 15, 16, 17, 31, 32, PAGE_SIZE-1, PAGE_SIZE, PAGE_SIZE+1
 *   and beyond;
 * - `stale`: every short read of a record that reuses the scratch buffer, in
 *   variants whose earlier record carries meaningful bytes exactly where the
 *   short read takes its stale bytes (an implementation that zeroes or
 *   reallocates the buffer answers differently), and the same over every
 *   earlier record, STRING included, with a positive parent before the short one;
 * - `value`: every task field at its width's boundaries and sign edges, the
 *   state word around `TASK_DEAD` in every width, and `bits`: every bit of
 *   every header field and every checked payload field flipped;
 * - `partial`: every checked field (header fields too) written in part, its
 *   written bytes at values that mean something to its check;
 * - `short-string`: the header sweep of every record after STRING on an
 *   image whose comm takes a never-written byte (`shape.ts`), so the shadow
 *   path decides those checks with comm partly undefined.
 * - `comm-before`: every truncation point again, each restarting a task
 *   whose comm is one of the dictionary's byte strings in turn (control and
 *   high bytes, no NUL, ...), since a run that stops before the copy leaves
 *   comm, or the bytes the copy cannot reach, as they were.
 *
 * @module
 */
import { getAbi } from "../reference/abi.ts";
import { concat, copyBytes } from "../reference/bytes.ts";
import { checkpoint, TASK_DEAD } from "../reference/checkpoint.ts";
import { type Field, layoutOf, TASK_COMM_LEN } from "../reference/layout.ts";
import type { CheckpointEnv, RestartEnv, TaskState } from "../reference/types.ts";
import { fieldDomain, NSEC_PER_SEC } from "../reference/validate.ts";
import { imagePlan, type PlannedRecord } from "../reference/walk.ts";
import type { CatalogBase } from "./catalog.ts";
import { byteStrings } from "./dictionary.ts";
import { withBytes } from "./image.ts";
import { checkedFields, groupCheckpointCases, groupRestartCases } from "./groups.ts";
import { partialFieldCases } from "./partial.ts";
import { staleCases } from "./stale.ts";
import { dictCheckpointCases, dictRestartCases, dictRestartEnvCases, hex } from "./meaning.ts";
import { orderCases } from "./violations.ts";
import { sweepsAfterShortString, truncations } from "./shape.ts";
import type { Case, CheckpointCase, RestartCase } from "./types.ts";

/** Syscall arguments: flag bits, pids, crids and counters, each with every file kind. */
export function argsCases(b: CatalogBase): Case[] {
  const { abi } = b;
  const longBits = getAbi(abi).longBytes * 8;
  const image = checkpoint(b.state, b.ckptEnv).image;
  const flags: [string, bigint][] = [
    ...Array.from(
      { length: longBits },
      (_, k) => [`flags-bit${k}`, 1n << BigInt(k)] as [string, bigint],
    ),
    ["flags-all", (1n << BigInt(longBits)) - 1n],
  ];
  const ints = [0, 1, -1, 0x7fffffff, -0x80000000];
  const counters = [0, 1, 0x7ffffffe];
  const out: Case[] = [];
  for (const file of ["ok", "bad-fd", "read-only", "no-write"] as const) {
    const add = (name: string, env: Partial<CheckpointEnv>) =>
      out.push({
        id: `checkpoint/${abi}/args/${name}-${file}`,
        op: "checkpoint",
        abi,
        reason: `sys_checkpoint with ${name} on a ${file} file`,
        state: b.state,
        env: { ...b.ckptEnv, file, ...env },
      });
    for (const [name, v] of flags) add(name, { flags: v });
    for (const pid of ints) add(`pid-${pid}`, { pid });
    for (const counter of counters) add(`counter-${counter}`, { counter });
  }
  for (const file of ["ok", "bad-fd", "write-only", "no-read"] as const) {
    const add = (name: string, env: Partial<RestartEnv>) =>
      out.push({
        id: `restart/${abi}/args/${name}-${file}`,
        op: "restart",
        abi,
        reason: `sys_restart with ${name} on a ${file} file`,
        image,
        env: { ...b.rstEnv, file, ...env },
      });
    for (const [name, v] of flags) add(name, { flags: v });
    for (const crid of ints) add(`crid-${crid}`, { crid });
    for (const counter of counters) add(`counter-${counter}`, { counter });
  }
  return out;
}

/** A STRING payload of `len` bytes: `name` printable bytes, a NUL, then non-zero filler. */
function stringPayload(len: number, name: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    out[i] = i < name ? 0x61 + (i % 26) : i === name ? 0 : 0xa0 + (i % 32);
  }
  return out;
}

/** `task_comm_len` × STRING `len` × name length over the boundaries. */
export function lengthCases(b: CatalogBase): RestartCase[] {
  const { abi } = b;
  const l = layoutOf(abi);
  const page = l.abi.pageSize;
  const bounds = [0, 1, 15, 16, 17, 31, 32, page - 1, page, page + 1];
  const image = checkpoint(b.state, b.ckptEnv).image;
  const plan = imagePlan(abi);
  const task = plan.records.find((r) => r.record === "TASK")!;
  const str = plan.records.find((r) => r.record === "STRING")!;
  const tcl = l.TASK.byName["task_comm_len"]!;
  const lenF = l.HDR.byName["len"]!;
  const before = withBytes(
    image.subarray(0, str.payloadOffset),
    abi,
    task.payloadOffset + tcl.offset,
    tcl,
    0n,
  );
  const after = image.subarray(str.payloadOffset + str.layout.size);
  const out: RestartCase[] = [];
  for (const t of [-1, ...bounds, 0x7fffffff]) {
    for (const len of [...bounds, 0x7fff].filter((v) => v <= 0x7fff)) {
      for (
        const name of [...new Set([0, 1, 15, 16, 17, len - 1, len])].filter((n) =>
          n >= 0 && n <= len
        )
      ) {
        let img = withBytes(before, abi, task.payloadOffset + tcl.offset, tcl, BigInt(t));
        img = withBytes(img, abi, str.offset + lenF.offset, lenF, BigInt(len));
        out.push({
          id: `restart/${abi}/lengths/tcl-${t}-len-${len}-name-${name}`,
          op: "restart",
          abi,
          reason: `task_comm_len ${t}, STRING len ${len}, a ${name}-byte name then NUL and filler`,
          image: concat([img, stringPayload(len, name), after]),
          env: b.rstEnv,
        });
        // The same copy decided where a later value is not: the file ends in TAIL's parent, so
        // the run's end depends on never-written bytes (the model's shadow path).
        if (name === len) out.push(tailCut(t, len, img));
      }
    }
  }
  // Names a few hundred bytes long (longer than any small copy, shorter than a page), so cut.
  for (const len of [255, 256, 257, 300, 511, 512, 513]) {
    for (const t of [len, page]) {
      let img = withBytes(before, abi, task.payloadOffset + tcl.offset, tcl, BigInt(t));
      img = withBytes(img, abi, str.offset + lenF.offset, lenF, BigInt(len));
      out.push(tailCut(t, len, img));
    }
  }
  return out;

  function tailCut(t: number, len: number, img: Uint8Array): RestartCase {
    return {
      id: `restart/${abi}/lengths/tcl-${t}-len-${len}-name-${len}-tail-cut`,
      op: "restart",
      abi,
      reason: `task_comm_len ${t}, STRING len ${len}, the file ending in TAIL's parent`,
      image: concat([img, stringPayload(len, len), after.subarray(0, 5)]),
      env: b.rstEnv,
    };
  }
}

/** Boundary and sign-edge values of a field of `size` bytes. */
function edges(size: number): bigint[] {
  const out = new Set<bigint>([0n, 1n]);
  for (const bits of [8n, 16n, 32n, 64n].filter((b) => b <= BigInt(size * 8))) {
    out.add((1n << (bits - 1n)) - 1n).add(1n << (bits - 1n)).add((1n << bits) - 1n);
  }
  // A 32-bit negative sign-extended to 64 bits.
  if (size === 8) out.add((1n << 64n) - (1n << 31n)).add((1n << 64n) - 1n - 0xffn);
  // The largest normalised tv_nsec.
  out.add(NSEC_PER_SEC - 1n);
  return [...out];
}

/** Every task field at its boundaries and sign edges, and the state word around `TASK_DEAD`. */
export function valueCases(b: CatalogBase): CheckpointCase[] {
  const { abi } = b;
  const out: CheckpointCase[] = [];
  const add = (name: string, reason: string, state: TaskState, env = b.ckptEnv) =>
    out.push({ id: `checkpoint/${abi}/value/${name}`, op: "checkpoint", abi, reason, state, env });
  for (const f of layoutOf(abi).TASK.fields) {
    if (f.type === "pad" || f.name === "task_comm_len") continue;
    const dom = fieldDomain(f, abi);
    for (const v of edges(f.size).filter((v) => dom.ok(v))) {
      add(`${f.name}-${hex(v)}`, `${f.name} = ${hex(v)}`, { ...b.state, [f.name]: v });
    }
  }
  const stateDom = fieldDomain(layoutOf(abi).TASK.byName["state"]!, abi);
  const near = [
    TASK_DEAD - 1n,
    TASK_DEAD + 1n,
    ...[8n, 16n, 31n, 32n, 63n].map((k) => TASK_DEAD | (1n << k)),
  ];
  for (const v of near.map((v) => BigInt.asUintN(64, v)).filter((v) => stateDom.ok(v))) {
    add(`state-near-dead-${hex(v)}`, `state ${hex(v)}: not TASK_DEAD in a full-width compare`, {
      ...b.state,
      state: v,
    });
  }
  const timeDom = fieldDomain(layoutOf(abi).HEAD.byName["time"]!, abi);
  for (const v of edges(8).filter((v) => timeDom.ok(v))) {
    add(`time-${hex(v)}`, `HEAD.time = ${hex(v)}`, b.state, { ...b.ckptEnv, time: v });
  }
  for (const k of [0, 255]) {
    add(`kernel-${k}`, `kernel version bytes all ${k}`, b.state, {
      ...b.ckptEnv,
      kernel: { major: k, minor: k, patch: k },
    });
  }
  const comm = new Uint8Array(TASK_COMM_LEN).fill(0xff);
  add("comm-all-ff", "comm of 16 bytes 0xff, no NUL", { ...b.state, comm });
  return out;
}

/** Every bit of every header field and of every checked payload field flipped, one at a time. */
export function bitCases(b: CatalogBase): RestartCase[] {
  const { abi } = b;
  const l = layoutOf(abi);
  const image = checkpoint(b.state, b.ckptEnv).image;
  const out: RestartCase[] = [];
  const flip = (rec: PlannedRecord, label: string, f: Field, at: number) => {
    for (let bit = 0; bit < f.size * 8; bit++) {
      const img = copyBytes(image);
      const byte = l.abi.endian === "little" ? bit >> 3 : f.size - 1 - (bit >> 3);
      img[at + byte]! ^= 1 << (bit & 7);
      out.push({
        id: `restart/${abi}/bits/${rec.record.toLowerCase()}-${label}-bit${bit}`,
        op: "restart",
        abi,
        reason: `${rec.record}.${label} with bit ${bit} flipped`,
        image: img,
        env: b.rstEnv,
      });
    }
  };
  for (const rec of imagePlan(abi).records) {
    for (const f of l.HDR.fields) flip(rec, `hdr.${f.name}`, f, rec.offset + f.offset);
    for (const name of checkedFields(rec.record)) {
      const f = rec.layout.byName[name]!;
      flip(rec, name, f, rec.payloadOffset + f.offset);
    }
  }
  return out;
}

/** The cases with ids not seen before (a value two edits reach the same way is kept once). */
function unique(cases: Case[]): Case[] {
  const seen = new Set<string>();
  return cases.filter((c) => !seen.has(c.id) && (seen.add(c.id), true));
}

/** Every systematic family for one ABI (the check-order family in each profile). */
export function familyCases(b: CatalogBase): Case[] {
  const image = checkpoint(b.state, b.ckptEnv).image;
  return [
    ...orderCases(b.abi, image, b.rstEnv),
    ...argsCases(b),
    ...lengthCases(b),
    ...staleCases(b),
    ...partialFieldCases(b),
    ...valueCases(b),
    ...bitCases(b),
    ...sweepsAfterShortString(b.abi, image, b.rstEnv),
    // Every cut again, restarting a task whose comm is of every kind of bytes: a run that stops
    // before the copy leaves comm, or the bytes the copy cannot reach, as they were.
    ...truncations(b.abi, image, b.rstEnv, "comm-before/", byteStrings(TASK_COMM_LEN)),
    ...unique([
      ...dictRestartCases(b),
      ...dictRestartEnvCases(b),
      ...dictCheckpointCases(b),
      ...groupRestartCases(b),
      ...groupCheckpointCases(b),
    ]),
  ];
}
