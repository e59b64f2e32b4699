/**
 * The group family: related fields edited together, to dictionary values
 * and to each other's, over pairwise covering arrays (`pairwise` in
 * `dictionary.ts`): the version triple of HEAD and of the restarting
 * kernel, each record's header `{type, len, parent}` with every record type
 * and size and errno-valued parents, `task_comm_len` with STRING's `len`, a
 * record's header with its neighbour's, every record's `len` together (each
 * cut short before, inside or after a field restart checks, its payload
 * resized, its checked fields as written or complemented), the records that
 * share the scratch buffer cut together with every STRING `len`, the task's
 * state words (in the image
 * restart reads and in the task checkpoint writes), the three utsname
 * strings and the checkpointing kernel's version triple.
 *
 * @module
 */
import { getAbi } from "../reference/abi.ts";
import { concat, copyBytes } from "../reference/bytes.ts";
import { checkpoint, TASK_STATES } from "../reference/checkpoint.ts";
import { RESTART_CHECKS } from "../reference/restart.ts";
import { layoutOf, RECORD_TYPES, TASK_COMM_LEN, UTS_LEN } from "../reference/layout.ts";
import type {
  CheckpointEnv,
  KernelVersion,
  RestartEnv,
  TaskState,
  Uts,
} from "../reference/types.ts";
import { taskStateFields } from "../reference/validate.ts";
import { imagePlan, type PlannedRecord } from "../reference/walk.ts";
import type { CatalogBase } from "./catalog.ts";
import { byteStrings, meanings, pairwise } from "./dictionary.ts";
import { withBytes } from "./image.ts";
import { fold, hex, STATE_WORDS } from "./meaning.ts";
import type { CheckpointCase, RestartCase } from "./types.ts";

/** The payload fields restart checks, by record (from the check list). */
export function checkedFields(rec: string): Set<string> {
  return new Set(
    RESTART_CHECKS.map((c) => c.id.split(".")).filter((p) =>
      p[0] === rec && p[1] !== "hdr" && p.length === 2
    )
      .map((p) => p[1]!),
  );
}

/** The values a record header's fields are tried at together: every record's type and size, errno parents. */
function headerValues(
  abi: string,
  rec: PlannedRecord,
): Record<"type" | "len" | "parent", bigint[]> {
  const l = layoutOf(abi);
  const types = Object.values(RECORD_TYPES).map(BigInt);
  const sizes = [
    ...new Set([
      ...imagePlan(abi).records.map((r) => BigInt(r.layout.size)),
      BigInt(l.HDR.size),
      BigInt(rec.layout.size + 1),
      BigInt(rec.layout.size - 1),
      0n,
      0xffffn,
      BigInt(getAbi(abi).pageSize),
    ]),
  ];
  const byName = new Map(meanings(abi).map((m) => [m.name, m.value]));
  const parents = [
    0n,
    ...types.filter((t) => t < 200n || t === BigInt(RECORD_TYPES.TAIL)),
    ...["-EINVAL", "-EPIPE", "-ERESTARTSYS", "-MAX_ERRNO", "-MAX_ERRNO-1"]
      .map((n) => BigInt.asUintN(32, byName.get(n)!)),
    0x80000000n,
  ];
  return { type: [...types, 0n, 0xffffn], len: sizes, parent: parents };
}

/** Related restart fields edited together, over pairwise covering arrays. */
export function groupRestartCases(b: CatalogBase): RestartCase[] {
  const { abi } = b;
  const l = layoutOf(abi);
  const image = checkpoint(b.state, b.ckptEnv).image;
  const plan = imagePlan(abi).records;
  const out: RestartCase[] = [];
  const add = (name: string, reason: string, img: Uint8Array, env: RestartEnv = b.rstEnv) =>
    out.push({ id: `restart/${abi}/group/${name}`, op: "restart", abi, reason, image: img, env });
  // The version triple of HEAD and of the restarting kernel.
  const head = plan.find((r) => r.record === "HEAD")!;
  const k = b.rstEnv.kernel;
  const own = [k.major, k.minor, k.patch].map(BigInt);
  const headV = [
    ...new Set([...own, 0n, 1n, 0xffn, 0x100n, ...own.map((v) => v | 0x100n), 0xffffn]),
  ];
  const envV = [...new Set([...own, 0n, 1n, 0xffn])];
  const parts = ["major", "minor", "patch"] as const;
  for (
    const row of pairwise([
      headV.length,
      headV.length,
      headV.length,
      envV.length,
      envV.length,
      envV.length,
    ])
  ) {
    let img = image;
    parts.forEach((p, i) => {
      const f = l.HEAD.byName[p]!;
      img = withBytes(img, abi, head.payloadOffset + f.offset, f, headV[row[i]!]!);
    });
    const kernel = Object.fromEntries(
      parts.map((p, i) => [p, Number(envV[row[3 + i]!]!)]),
    ) as unknown as KernelVersion;
    const hv = parts.map((_, i) => headV[row[i]!]!).join(".");
    const kv = parts.map((p) => kernel[p]).join(".");
    add(`version/head-${hv}-kernel-${kv}`, `HEAD version ${hv} on a ${kv} kernel`, img, {
      ...b.rstEnv,
      kernel,
    });
  }
  // Each record's header {type, len, parent}, to every record's type and size.
  for (const rec of plan) {
    const v = headerValues(abi, rec);
    const names = ["type", "len", "parent"] as const;
    for (const row of pairwise(names.map((n) => v[n].length))) {
      let img = image;
      const vals = names.map((n, i) => v[n][row[i]!]!);
      names.forEach((n, i) => {
        const f = l.HDR.byName[n]!;
        img = withBytes(img, abi, rec.offset + f.offset, f, vals[i]!);
      });
      const tag = vals.map(hex).join("-");
      add(`${rec.record}.hdr/${tag}`, `${rec.record} header type, len, parent := ${tag}`, img);
    }
  }
  // A record's header and its neighbour's: copied, and swapped.
  for (let i = 0; i + 1 < plan.length; i++) {
    const a = plan[i]!, c = plan[i + 1]!;
    const ha = image.slice(a.offset, a.offset + l.HDR.size);
    const hc = image.slice(c.offset, c.offset + l.HDR.size);
    for (
      const [name, x, y] of [["a-as-b", hc, hc], ["b-as-a", ha, ha], ["swapped", hc, ha]] as const
    ) {
      const img = copyBytes(image);
      img.set(x, a.offset);
      img.set(y, c.offset);
      add(
        `neighbours/${a.record}-${c.record}-${name}`,
        `${a.record} and ${c.record} headers ${name}`,
        img,
      );
    }
  }
  // task_comm_len with STRING's len (the payload resized to len when it can be).
  const task = plan.find((r) => r.record === "TASK")!;
  const str = plan.find((r) => r.record === "STRING")!;
  const tcl = l.TASK.byName["task_comm_len"]!;
  const lenF = l.HDR.byName["len"]!;
  const lens = [
    ...new Set([
      ...plan.map((r) => BigInt(r.layout.size)),
      0n,
      1n,
      BigInt(TASK_COMM_LEN - 1),
      BigInt(UTS_LEN),
      BigInt(getAbi(abi).pageSize),
      0xffffn,
    ]),
  ];
  const tcls = [
    ...lens.filter((v) => v !== 0xffffn),
    BigInt(getAbi(abi).pageSize + 1),
    0xffffffffn,
    0x80000000n,
    0x10000000n,
  ];
  for (const t of tcls) {
    for (const n of lens) {
      let img = withBytes(image, abi, task.payloadOffset + tcl.offset, tcl, t);
      img = withBytes(img, abi, str.offset + lenF.offset, lenF, n);
      const size = Number(BigInt.asIntN(16, n));
      if (size >= 0) {
        const name = Uint8Array.from(
          { length: size },
          (_, i) => (i < size - 1 ? 0x61 + (i % 26) : 0),
        );
        img = concat([
          img.subarray(0, str.payloadOffset),
          name,
          img.subarray(str.payloadOffset + str.layout.size),
        ]);
      }
      add(
        `commlen/tcl-${hex(t)}-len-${hex(n)}`,
        `task_comm_len ${hex(t)} with STRING len ${hex(n)}`,
        img,
      );
      // The same with the file ending after len's first byte (the rest of len is the stack's).
      add(
        `commlen/tcl-${hex(t)}-len-${hex(n)}-cut`,
        `task_comm_len ${hex(t)} with STRING len ${hex(n)}, the file ending after len's first byte`,
        img.slice(0, str.offset + lenF.offset + 1),
      );
    }
  }
  // Every record's len together: each record whole or cut short before, inside or after a field
  // restart checks (its payload resized, the records after it intact), and each record's checked
  // fields as written or complemented (rejected), so a short record meets another short one and
  // a rejected value read in part.
  const checkedOf = plan.map((r) => [...checkedFields(r.record)].map((n) => r.layout.byName[n]!));
  const cuts = plan.map((r, i) => {
    const edges = checkedOf[i]!.flatMap((
      f,
    ) => [f.offset, f.offset + (f.size >> 1), f.offset + f.size]);
    return [...new Set([r.layout.size, 0, ...edges, r.layout.size >> 1, r.layout.size - 1])];
  });
  const rejected = plan.map((r, i) => {
    const p = image.slice(r.payloadOffset, r.payloadOffset + r.layout.size);
    for (const f of checkedOf[i]!) {
      for (let k = f.offset; k < f.offset + f.size; k++) p[k] = ~p[k]! & 0xff;
    }
    return p;
  });
  const factors = plan.flatMap((_, i) => [cuts[i]!.length, checkedOf[i]!.length ? 2 : 1]);
  for (const row of pairwise(factors)) {
    const ns = plan.map((_, i) => cuts[i]![row[2 * i]!]!);
    const bad = plan.map((_, i) => row[2 * i + 1] === 1);
    if (ns.every((n, i) => n === plan[i]!.layout.size)) continue;
    const img = concat(plan.flatMap((r, i) => [
      withBytes(image.subarray(r.offset, r.payloadOffset), abi, lenF.offset, lenF, BigInt(ns[i]!)),
      (bad[i] ? rejected[i]! : image.subarray(r.payloadOffset)).subarray(0, ns[i]!),
    ]));
    const tag = plan.map((r, i) => `${r.record}-${ns[i]}${bad[i] ? "x" : ""}`).join("-");
    add(
      `lens/${tag}`,
      `record lens ${tag} (x: its checked fields complemented), payloads cut to them`,
      img,
    );
  }
  // The records that share the scratch buffer (every one but STRING) cut together at each
  // point above, so the buffer is never written past it and a checked field is read from
  // never-written memory, each with STRING's len (its payload resized) at every value above.
  const shared = plan.filter((r) => r.record !== "STRING");
  const together = [...new Set(shared.flatMap((r) => cuts[plan.indexOf(r)]!))].sort((a, b) =>
    a - b
  );
  const strLens = [...new Set([...lens, BigInt(TASK_COMM_LEN + 1)])].filter((n) => n <= 0x7fffn);
  const lenEnd = lenF.offset + lenF.size;
  for (const c of together) {
    for (const n of strLens) {
      let strAt = 0;
      const parts = plan.flatMap((r) => {
        const hdr = image.subarray(r.offset, r.payloadOffset);
        if (r.record === "STRING") {
          strAt = plan.slice(0, plan.indexOf(r)).reduce(
            (at, p) => at + (p.payloadOffset - p.offset) + Math.min(c, p.layout.size),
            0,
          );
          const name = Uint8Array.from({ length: Number(n) }, (_, i) => 0x61 + (i % 26));
          return [withBytes(hdr, abi, lenF.offset, lenF, n), name];
        }
        const k = Math.min(c, r.layout.size);
        return [
          withBytes(hdr, abi, lenF.offset, lenF, BigInt(k)),
          image.subarray(r.payloadOffset, r.payloadOffset + k),
        ];
      });
      const img = concat(parts);
      const what = `${
        shared.map((r) => r.record).join(", ")
      } cut to ${c} bytes (the scratch buffer never written past), STRING len ${n}`;
      add(`scratch/cut-${c}-len-${n}`, what, img);
      // The file also ends inside STRING's header, just past its len.
      add(
        `scratch/cut-${c}-len-${n}-eof`,
        `${what}; the file ends just past STRING's len`,
        img.slice(0, strAt + lenEnd),
      );
    }
  }
  // The task's state words together, in the image restart reads.
  const words = STATE_WORDS.map((n) => l.TASK.byName[n]!);
  const wordV = stateWordValues(abi);
  for (const row of pairwise(words.map(() => wordV.length))) {
    let img = image;
    words.forEach((f, i) =>
      img = withBytes(img, abi, task.payloadOffset + f.offset, f, wordV[row[i]!]!)
    );
    const tag = row.map((j) => hex(wordV[j]!)).join("-");
    add(`state-words/${tag}`, `TASK ${STATE_WORDS.join(", ")} := ${tag}`, img);
  }
  return out;
}

/**
 * Values of the task's state words (13, a prime, for a small covering array):
 * the task states up to `TASK_KILLABLE`, the usual exit signal, -1 and the
 * 32-bit sign bit.
 */
function stateWordValues(abi: string): bigint[] {
  const named = new Map(meanings(abi).map((m) => [m.name, m.value]));
  return [
    ...Object.values(TASK_STATES).filter((v) => v <= TASK_STATES["TASK_KILLABLE"]!),
    named.get("SIGCHLD")!,
    BigInt.asUintN(64, -1n),
    0x80000000n,
  ];
}

/** Related checkpoint inputs edited together: utsname strings, the kernel version triple, the task's state words. */
export function groupCheckpointCases(b: CatalogBase): CheckpointCase[] {
  const { abi } = b;
  const out: CheckpointCase[] = [];
  const add = (name: string, reason: string, state: TaskState, env: Partial<CheckpointEnv> = {}) =>
    out.push({
      id: `checkpoint/${abi}/group/${name}`,
      op: "checkpoint",
      abi,
      reason,
      state,
      env: { ...b.ckptEnv, ...env },
    });
  const strs = byteStrings(UTS_LEN);
  const parts = ["release", "version", "machine"] as const;
  for (const row of pairwise([strs.length, strs.length, strs.length])) {
    const uts = Object.fromEntries(parts.map((p, i) => [p, strs[row[i]!]![1]])) as unknown as Uts;
    const tag = row.map((j) => strs[j]![0]).join("-");
    add(`uts/${tag}`, `utsname release, version, machine := ${tag}`, b.state, { uts });
  }
  const kv = [
    ...new Set([
      b.ckptEnv.kernel.major,
      b.ckptEnv.kernel.minor,
      b.ckptEnv.kernel.patch,
      0,
      1,
      0xff,
      0x80,
      0x7f,
    ]),
  ];
  const kparts = ["major", "minor", "patch"] as const;
  for (const row of pairwise([kv.length, kv.length, kv.length])) {
    const kernel = Object.fromEntries(
      kparts.map((p, i) => [p, kv[row[i]!]!]),
    ) as unknown as KernelVersion;
    const tag = kparts.map((p) => kernel[p]).join(".");
    add(`kernel/${tag}`, `checkpointing kernel ${tag}`, b.state, { kernel });
  }
  const fields = taskStateFields(abi).filter(({ f }) => STATE_WORDS.includes(f.name));
  const wordV = stateWordValues(abi);
  for (const row of pairwise(fields.map(() => wordV.length))) {
    const s: Record<string, unknown> = { ...b.state };
    fields.forEach(({ f }, i) => s[f.name] = fold(f, abi, wordV[row[i]!]!) ?? 0n);
    const tag = fields.map(({ f }) => hex(s[f.name] as bigint)).join("-");
    add(
      `state-words/${tag}`,
      `task ${STATE_WORDS.join(", ")} := ${tag}`,
      s as unknown as TaskState,
    );
  }
  return out;
}
