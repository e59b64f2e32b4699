/**
 * Structure-aware fuzzing of every input the protocol carries. A fuzzed
 * restart case starts from the checkpoint image of a generated task and
 * applies one to four mutations that know the record structure (records
 * dropped, duplicated, reordered, truncated, spliced with another ABI's
 * image; header and payload fields set to boundary, nearby and random
 * values; bytes flipped, inserted and removed; any field, or a header's
 * fields together, set to the dictionary's meaningful values), and varies the restarting
 * side (kernel version, comm before the call, counter, flags, crid, file).
 * A fuzzed checkpoint case varies the task state, the environment and the
 * syscall arguments. Case `index` of a seed is the same on every machine and
 * does not depend on how many others are made.
 *
 * This module is one cohesive thing: the fuzzer (its mutations and the
 * environments it draws), kept together so a case's draws read in order.
 *
 * @module
 */
import { remade } from "./remade.ts";
import { abiNames, getAbi, registryGeneration } from "../reference/abi.ts";
import { concat, readUnsigned } from "../reference/bytes.ts";
import { checkpoint, TASK_DEAD } from "../reference/checkpoint.ts";
import { type AbiName, type Field, layoutOf, RECORD_TYPES } from "../reference/layout.ts";
import type { CheckpointEnv, RestartEnv } from "../reference/types.ts";
import { walkRecords } from "../reference/walk.ts";
import { flagsMax, taskStateFields } from "../reference/validate.ts";
import { byteStrings, dictionary } from "./dictionary.ts";
import { BOUNDARIES, genCheckpointEnv, genComm, genTaskState } from "./generate.ts";
import { fuzzFileBehaviour } from "./file_behaviours.ts";
import { withBytes } from "./image.ts";
import { Prng } from "./prng.ts";
import type { CheckpointCase, RestartCase } from "./types.ts";

/** The seed of case `index` of fuzz seed `seed` for an ABI and an operation. */
function rngFor(seed: number, index: number, abi: AbiName, op: string): Prng {
  let h = 0x811c9dc5;
  for (const ch of `${abi}/${op}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return new Prng((seed * 0x2545f491) ^ Math.imul(index + 1, 0x9e3779b1) ^ h);
}

/**
 * A value for an integer field of `size` bytes: a boundary, near the current
 * value, random, or (one time in four) a dictionary value of its width.
 */
function fieldValue(
  rng: Prng,
  abi: AbiName,
  size: number,
  current: bigint,
  signed: boolean,
): bigint {
  const bits = BigInt(size * 8);
  const mask = (1n << bits) - 1n;
  if (rng.int(4) === 0) return rng.pick(dictionary(abi, size * 8));
  const r = rng.int(8);
  let v: bigint;
  if (r < 3) v = rng.pick(BOUNDARIES);
  else if (r < 5) v = current + BigInt(rng.int(5) - 2);
  else if (r < 6) v = current ^ (1n << BigInt(rng.int(size * 8)));
  else if (r < 7) v = signed ? -1n : mask >> 1n;
  else v = rng.u64();
  return v & mask;
}

/** Mutations that know the record structure. Each returns the new image. */
const MUTATIONS: readonly ((rng: Prng, img: Uint8Array, abi: AbiName) => Uint8Array)[] = [
  // drop a record
  (rng, img, abi) => {
    const recs = [...walkRecords(abi, img)];
    if (!recs.length) return img;
    const r = rng.pick(recs);
    return concat([img.subarray(0, r.offset), img.subarray(r.payloadOffset + r.payloadBytes)]);
  },
  // duplicate a record
  (rng, img, abi) => {
    const recs = [...walkRecords(abi, img)];
    if (!recs.length) return img;
    const r = rng.pick(recs);
    const end = r.payloadOffset + r.payloadBytes;
    return concat([img.subarray(0, end), img.subarray(r.offset, end), img.subarray(end)]);
  },
  // swap two adjacent records
  (rng, img, abi) => {
    const recs = [...walkRecords(abi, img)];
    if (recs.length < 2) return img;
    const i = rng.int(recs.length - 1);
    const a = recs[i]!, b = recs[i + 1]!;
    const aEnd = a.payloadOffset + a.payloadBytes, bEnd = b.payloadOffset + b.payloadBytes;
    return concat([
      img.subarray(0, a.offset),
      img.subarray(b.offset, bEnd),
      img.subarray(a.offset, aEnd),
      img.subarray(bEnd),
    ]);
  },
  // truncate, at a record or field boundary or anywhere
  (rng, img, abi) => {
    const cuts = [...walkRecords(abi, img)].flatMap((r) => [r.offset, r.payloadOffset]);
    const at = rng.int(2) && cuts.length
      ? rng.pick(cuts) + rng.int(3) - 1
      : rng.int(img.length + 1);
    return img.slice(0, Math.max(0, Math.min(img.length, at)));
  },
  // splice with another ABI's image at a record boundary
  (rng, img, abi) => {
    const others = abiNames().filter((a) => a !== abi);
    if (!others.length) return img;
    const other = rng.pick(others);
    const foreign = baseImage(0, rng.int(BASES), other).image;
    const mine = [...walkRecords(abi, img)].map((r) => r.offset);
    const theirs = [...walkRecords(other, foreign)].map((r) => r.offset);
    const at = mine.length ? rng.pick(mine) : 0;
    const from = theirs.length ? rng.pick(theirs) : 0;
    return concat([img.subarray(0, at), foreign.subarray(from)]);
  },
  // a header field
  (rng, img, abi) => {
    const recs = [...walkRecords(abi, img)].filter((r) => r.headerBytes === layoutOf(abi).HDR.size);
    if (!recs.length) return img;
    const r = rng.pick(recs);
    const f = rng.pick(layoutOf(abi).HDR.fields);
    const values = f.name === "type"
      ? [...Object.values(RECORD_TYPES), 0, -1, rng.int(0x10000)].map((v) => BigInt(v))
      : f.name === "len"
      ? [r.len - 1, r.len + 1, 0, -1, 0x7fff, r.len ^ 0x100, rng.int(0x10000)].map(BigInt)
      : [0n, 1n, 0x7fffffffn, 0x80000000n, 0xfffffffen, rng.u64()];
    return withBytes(img, abi, r.offset + f.offset, f, rng.pick(values));
  },
  // a payload field, through the layout
  (rng, img, abi) => {
    const recs = [...walkRecords(abi, img)].filter((r) => r.layout && r.payloadBytes > 0);
    if (!recs.length) return img;
    const r = rng.pick(recs);
    const fields = r.layout!.fields.filter((f: Field) =>
      f.type !== "bytes" && f.offset + f.size <= r.payloadBytes
    );
    if (!fields.length) return img;
    const f = rng.pick(fields);
    const e = layoutOf(abi).abi.endian;
    let cur = 0n;
    for (let i = 0; i < f.size; i++) {
      const b = img[r.payloadOffset + f.offset + (e === "little" ? f.size - 1 - i : i)]!;
      cur = (cur << 8n) | BigInt(b);
    }
    const v = fieldValue(rng, abi, f.size, cur, f.type === "s16" || f.type === "s32");
    return withBytes(img, abi, r.payloadOffset + f.offset, f, v);
  },
  // flip random bits
  (rng, img) => {
    if (!img.length) return img;
    const out = img.slice();
    for (let n = 1 + rng.int(4); n > 0; n--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
    return out;
  },
  // insert or remove bytes
  (rng, img) => {
    const at = rng.int(img.length + 1);
    if (rng.int(2) && img.length) {
      const n = 1 + rng.int(Math.min(16, img.length - Math.min(at, img.length - 1)));
      return concat([img.subarray(0, at), img.subarray(Math.min(img.length, at + n))]);
    }
    return concat([img.subarray(0, at), rng.bytes(1 + rng.int(16)), img.subarray(at)]);
  },
  // a consistent but unusual comm length: task_comm_len, STRING len and name together
  (rng, img, abi) => {
    const page = getAbi(abi).pageSize;
    const recs = [...walkRecords(abi, img)];
    const task = recs.find((r) => r.name === "TASK" && r.payloadBytes === r.len);
    const str = recs.find((r) => r.name === "STRING");
    if (!task || !str) return img;
    const pick = () => rng.pick([0, 1, 15, 16, 17, 31, 32, page - 1, page, page + 1, rng.int(64)]);
    const tcl = pick();
    const len = Math.min(0x7fff, rng.int(3) ? tcl : pick());
    const name = rng.bytes(Math.max(0, len)).map((b) => (b % 94) + 33);
    if (len > 0 && rng.int(2)) name[rng.int(len)] = 0;
    const l = layoutOf(abi);
    const tf = l.TASK.byName["task_comm_len"]!;
    let out = withBytes(img, abi, task.payloadOffset + tf.offset, tf, BigInt(tcl));
    const strEnd = str.payloadOffset + str.payloadBytes;
    out = concat([out.subarray(0, str.payloadOffset), name, out.subarray(strEnd)]);
    return withBytes(
      out,
      abi,
      str.offset + l.HDR.byName["len"]!.offset,
      l.HDR.byName["len"]!,
      BigInt(len),
    );
  },
  // trailing bytes
  (rng, img) => concat([img, rng.bytes(1 + rng.int(32))]),
  // a field of any record, header or payload, bytes included, to a dictionary value
  (rng, img, abi) => {
    const hdr = layoutOf(abi).HDR;
    const spans: { f: Field; offset: number }[] = [];
    for (const r of walkRecords(abi, img)) {
      if (r.headerBytes === hdr.size) {
        for (const f of hdr.fields) spans.push({ f, offset: r.offset + f.offset });
      }
      for (const f of r.layout?.fields ?? []) {
        if (f.type !== "pad" && f.offset + f.size <= r.payloadBytes) {
          spans.push({ f, offset: r.payloadOffset + f.offset });
        }
      }
    }
    if (!spans.length) return img;
    const { f, offset } = rng.pick(spans);
    if (f.type === "bytes") {
      const out = img.slice();
      out.set(rng.pick(byteStrings(f.size))[1].subarray(0, img.length - offset), offset);
      return out;
    }
    return withBytes(img, abi, offset, f, rng.pick(dictionary(abi, f.size * 8)));
  },
  // a record's header fields together: each to a dictionary value or to another record's
  (rng, img, abi) => {
    const hdr = layoutOf(abi).HDR;
    const recs = [...walkRecords(abi, img)].filter((r) => r.headerBytes === hdr.size);
    if (!recs.length) return img;
    const r = rng.pick(recs);
    let out = img;
    for (const f of hdr.fields) {
      if (rng.int(3) === 0) continue;
      const other = rng.pick(recs);
      const v = rng.int(2)
        ? rng.pick(dictionary(abi, f.size * 8, true))
        : readUnsigned(img, other.offset + f.offset, f.size, layoutOf(abi).abi.endian);
      out = withBytes(out, abi, r.offset + f.offset, f, v);
    }
    return out;
  },
];

/** The restarting side of a fuzzed case. */
function fuzzRestartEnv(rng: Prng, abi: AbiName, kernel: RestartEnv["kernel"]): RestartEnv {
  const k = { ...kernel };
  if (rng.int(8) === 0) {
    const part = rng.pick(["major", "minor", "patch"] as const);
    k[part] = rng.int(2) ? (k[part] + 1) & 0xff : rng.int(256);
  }
  const r = rng.int(32);
  return {
    abi,
    kernel: k,
    comm: genComm(rng),
    counter: fuzzCounter(rng, abi),
    flags: fuzzFlags(rng, abi, r),
    crid: fuzzInt32(rng, abi, [0, 1, -1, 0x7fffffff, rng.int(1 << 16)]),
    file: r === 1 ? "bad-fd" : r === 2 ? "write-only" : r === 4 ? "no-read" : "ok",
  };
}

/** The global counter: a boundary, random, or a dictionary value below 0x7fffffff. */
function fuzzCounter(rng: Prng, abi: AbiName): number {
  if (rng.int(8) === 0) {
    return Number(rng.pick(dictionary(abi, 32, true).filter((v) => v <= 0x7ffffffen)));
  }
  return rng.pick([0, 1, rng.int(1 << 20), 0x7ffffffe]);
}

/** The flags argument: 0 mostly, else one bit of a long, or a dictionary value it can hold. */
function fuzzFlags(rng: Prng, abi: AbiName, r: number): bigint {
  if (r === 0) return 1n << BigInt(rng.int(getAbi(abi).longBytes * 8));
  if (r === 3) return rng.pick(dictionary(abi, 64, true).filter((v) => v <= flagsMax(abi)));
  return 0n;
}

/** A pid or crid: one of `usual`, or (one time in eight) a dictionary value as an int. */
function fuzzInt32(rng: Prng, abi: AbiName, usual: readonly number[]): number {
  if (rng.int(8) === 0) return Number(BigInt.asIntN(32, rng.pick(dictionary(abi, 32, true))));
  return rng.pick(usual);
}

/**
 * The environment with a fuzzed file behaviour (`io`) when its file is `ok`,
 * 1 time in 8, drawn from its own stream (the case's other draws do not move).
 */
function withIo<E extends RestartEnv | CheckpointEnv>(
  env: E,
  rng: Prng,
  size: number,
  op: "checkpoint" | "restart",
): E {
  if (env.file !== undefined && env.file !== "ok") return env;
  const io = fuzzFileBehaviour(rng, size, op);
  return io ? { ...env, io } : env;
}

/** How many distinct base images a fuzz seed mutates, per ABI. */
const BASES = 256;
const bases = new Map<string, { image: Uint8Array; kernel: RestartEnv["kernel"] }>();

/** Base image `k` of a seed and ABI: the checkpoint image of a generated task (cached). */
function baseImage(seed: number, k: number, abi: AbiName) {
  const key = `${seed}/${abi}/${k}/${registryGeneration()}`;
  let b = bases.get(key);
  if (!b) {
    const rng = rngFor(seed, k, abi, "base");
    const env = genCheckpointEnv(rng, abi);
    b = { image: checkpoint(genTaskState(rng, abi), env).image, kernel: env.kernel };
    if (bases.size > 16 * BASES) bases.clear();
    bases.set(key, b);
  }
  return b;
}

/** The id of fuzzed case `index` of `seed`: `<op>/<abi>/fuzz/s<seed>-<index>`. */
function fuzzCaseId(op: "restart" | "checkpoint", abi: AbiName, seed: number, index: number) {
  return `${op}/${abi}/fuzz/s${seed}-${String(index).padStart(6, "0")}`;
}

/** Fuzzed restart case `index` of `seed` for an ABI: `restart/<abi>/fuzz/s<seed>-<index>`. */
export function fuzzRestartCase(seed: number, index: number, abi: AbiName): RestartCase {
  const rng = rngFor(seed, index, abi, "restart");
  const base = baseImage(seed, rng.int(BASES), abi);
  const cenv = { kernel: base.kernel };
  let image = base.image;
  const steps: number[] = [];
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const m = rng.int(MUTATIONS.length);
    steps.push(m);
    image = MUTATIONS[m]!(rng, image, abi);
    if (image.length > 1 << 16) image = image.slice(0, 1 << 16);
  }
  return {
    id: fuzzCaseId("restart", abi, seed, index),
    op: "restart",
    abi,
    reason: `fuzzed image (mutations ${steps.join(",")})`,
    image,
    env: withIo(
      fuzzRestartEnv(rng, abi, cenv.kernel),
      rngFor(seed, index, abi, "restart-io"),
      image.length,
      "restart",
    ),
    origin: { kind: "fuzz", seed, index },
  };
}

/** Fuzzed checkpoint case `index` of `seed` for an ABI: `checkpoint/<abi>/fuzz/s<seed>-<index>`. */
export function fuzzCheckpointCase(seed: number, index: number, abi: AbiName): CheckpointCase {
  const rng = rngFor(seed, index, abi, "checkpoint");
  const state = genTaskState(rng, abi);
  if (rng.int(16) === 0) state.state = TASK_DEAD;
  const env = genCheckpointEnv(rng, abi);
  if (rng.int(16) === 0) {
    // a task state word at a dictionary value (every task state among them)
    const { f, dom } = rng.pick(taskStateFields(abi).slice(0, 4));
    const v = rng.pick(dictionary(abi, f.size * 8, true));
    if (dom.ok(v)) (state as unknown as Record<string, bigint>)[f.name] = v;
  }
  const r = rng.int(32);
  env.flags = fuzzFlags(rng, abi, r);
  env.file = r === 1 ? "bad-fd" : r === 2 ? "read-only" : r === 4 ? "no-write" : "ok";
  env.pid = fuzzInt32(rng, abi, [0, 1, -1, 0x7fffffff, -0x80000000, rng.int(1 << 22)]);
  return {
    id: fuzzCaseId("checkpoint", abi, seed, index),
    op: "checkpoint",
    abi,
    reason: "fuzzed task state, environment and arguments",
    state,
    env: withIo(env, rngFor(seed, index, abi, "checkpoint-io"), 512, "checkpoint"),
    origin: { kind: "fuzz", seed, index },
  };
}

/**
 * The fuzz batch of one ABI: `count` restart and `count` checkpoint cases
 * (indices `from`…), lazily: one at a time, and each made (its reason, state, image,
 * environment) when first read, so that the gate fuzzes while the testee
 * answers. The fields are own, enumerable getters: a spread or JSON copies
 * their values, the same each time.
 */
export function* fuzzCases(
  seed: number,
  count: number,
  abi: AbiName,
  from = 0,
): Generator<RestartCase | CheckpointCase> {
  for (let i = from; i < from + count; i++) {
    const origin = { kind: "fuzz" as const, seed, index: i };
    const mk = remade(() => fuzzCheckpointCase(seed, i, abi));
    yield {
      id: fuzzCaseId("checkpoint", abi, seed, i),
      op: "checkpoint",
      abi,
      get reason() {
        return mk().reason;
      },
      get state() {
        return mk().state;
      },
      get env() {
        return mk().env;
      },
      origin,
    };
    const mr = remade(() => fuzzRestartCase(seed, i, abi));
    yield {
      id: fuzzCaseId("restart", abi, seed, i),
      op: "restart",
      abi,
      get reason() {
        return mr().reason;
      },
      get image() {
        return mr().image;
      },
      get env() {
        return mr().env;
      },
      origin,
    };
  }
}
