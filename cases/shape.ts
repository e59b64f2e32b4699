/**
 * Shape cases derived from any valid image: every truncation point, every
 * byte inverted, every
 * record shortened and lengthened by one byte (with and without moving the
 * bytes), trailing bytes after TAIL, and the other ABI's image.
 *
 * @module
 */
import { copyBytes } from "../reference/bytes.ts";
import { abiNames } from "../reference/abi.ts";
import { type AbiName, field, layoutOf, RECORD_TYPES } from "../reference/layout.ts";
import type { RestartEnv } from "../reference/types.ts";
import { imagePlan } from "../reference/walk.ts";
import { IMAGE_RECORDS, payloadSize, resize, withBytes, withHeader } from "./image.ts";
import type { RestartCase } from "./types.ts";

/**
 * Every prefix 0..N-1 of `image`, as `restart/<abi>/truncate/<tag>at-NNNN`;
 * with `comms`, prefix n restarts a task whose comm is `comms[n mod length]`
 * (a run that stops before the copy leaves it, or bytes of it, in place).
 */
export function truncations(
  abi: AbiName,
  image: Uint8Array,
  env: RestartEnv,
  tag = "",
  comms: readonly (readonly [string, Uint8Array])[] = [["", env.comm]],
): RestartCase[] {
  const out: RestartCase[] = [];
  for (let n = 0; n < image.length; n++) {
    const [name, comm] = comms[n % comms.length]!;
    out.push({
      id: `restart/${abi}/truncate/${tag}at-${String(n).padStart(4, "0")}`,
      op: "restart",
      abi,
      reason: `end of file after ${n} of ${image.length} bytes${
        name ? `, comm before: ${name}` : ""
      }`,
      image: copyBytes(image, 0, n),
      env: comm === env.comm ? env : { ...env, comm },
    });
  }
  return out;
}

/** Every byte of `image` inverted (xor 0xff), one at a time, as `restart/<abi>/flip/at-NNNN`. */
export function flips(abi: AbiName, image: Uint8Array, env: RestartEnv): RestartCase[] {
  const out: RestartCase[] = [];
  for (let n = 0; n < image.length; n++) {
    const img = copyBytes(image);
    img[n]! ^= 0xff;
    out.push({
      id: `restart/${abi}/flip/at-${String(n).padStart(4, "0")}`,
      op: "restart",
      abi,
      reason: `byte ${n} of ${image.length} inverted`,
      image: img,
      env,
    });
  }
  return out;
}

/** Header values swept in {@link sweeps}. */
export interface SweepValues {
  /** Lengths around every payload size of every registered ABI, and the s16 extremes. */
  readonly len: readonly number[];
  /** Parents around the sign bit. */
  readonly parent: readonly bigint[];
  /** Every record type code, 0 and -1. */
  readonly type: readonly number[];
}

/**
 * The header values {@link sweeps} sets, derived from the layout tables of
 * every registered ABI (so a new ABI or record size adds its own).
 */
export function sweepValues(): SweepValues {
  const sizes = [
    ...new Set(abiNames().flatMap((a) => IMAGE_RECORDS.map((r) => payloadSize(a, r)))),
  ].sort((x, y) => x - y);
  return {
    len: [-1, 0, 1, ...sizes.flatMap((s) => [s - 1, s, s + 1]), 0x7fff].filter((v, i, a) =>
      a.indexOf(v) === i
    ),
    parent: [1n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffean, 0xffffffffn],
    type: [0, ...Object.values(RECORD_TYPES), -1],
  };
}

/** Every record's header `len`, `parent` and `type` set to each {@link sweepValues} value. */
export function sweeps(abi: AbiName, image: Uint8Array, env: RestartEnv): RestartCase[] {
  const out: RestartCase[] = [];
  const add = (id: string, reason: string, img: Uint8Array) =>
    out.push({ id: `restart/${abi}/sweep/${id}`, op: "restart", abi, reason, image: img, env });
  const SWEEP = sweepValues();
  for (const rec of IMAGE_RECORDS) {
    const r = rec.toLowerCase();
    for (const v of SWEEP.len) {
      add(`${r}-len-${v}`, `${rec} len ${v}`, withHeader(image, abi, rec, "len", BigInt(v)));
    }
    for (const v of SWEEP.parent) {
      add(
        `${r}-parent-${v.toString(16)}`,
        `${rec} parent 0x${v.toString(16)}`,
        withHeader(image, abi, rec, "parent", v),
      );
    }
    for (const v of SWEEP.type) {
      add(`${r}-type-${v}`, `${rec} type ${v}`, withHeader(image, abi, rec, "type", BigInt(v)));
    }
  }
  return out;
}

/**
 * The header sweep ({@link sweepValues}) of every record after STRING, on an
 * image whose comm takes a never-written `kmalloc` byte (STRING one byte
 * short: `len` one less, its last byte removed). The fast path gives such a
 * run up, so the shadow path decides each of these records' checks with comm
 * partly undefined: a parent returned as the syscall's value, a bad `len` or
 * `type`, all defined. (In {@link sweeps} the image is whole and the fast path
 * answers them.)
 */
export function sweepsAfterShortString(
  abi: AbiName,
  image: Uint8Array,
  env: RestartEnv,
): RestartCase[] {
  const out: RestartCase[] = [];
  const records = imagePlan(abi).records;
  const s = records.find((r) => r.record === "STRING")!;
  const cut = s.payloadOffset + s.layout.size - 1;
  const short = withHeader(resize(image, cut, -1), abi, "STRING", "len", BigInt(s.layout.size - 1));
  const l = layoutOf(abi);
  const SWEEP = sweepValues();
  for (const { record: rec, offset } of records.filter((r) => r.offset > s.offset)) {
    const r = rec.toLowerCase();
    const set = (name: "type" | "len" | "parent", v: bigint) => {
      const f = field(l.HDR, name);
      return withBytes(short, abi, offset - 1 + f.offset, f, v);
    };
    const add = (id: string, reason: string, img: Uint8Array) =>
      out.push({
        id: `restart/${abi}/short-string/${id}`,
        op: "restart",
        abi,
        reason: `STRING one byte short (comm byte ${s.layout.size - 1} never written), ${reason}`,
        image: img,
        env,
      });
    for (const v of SWEEP.len) add(`${r}-len-${v}`, `${rec} len ${v}`, set("len", BigInt(v)));
    for (const v of SWEEP.parent) {
      add(`${r}-parent-${v.toString(16)}`, `${rec} parent 0x${v.toString(16)}`, set("parent", v));
    }
    for (const v of SWEEP.type) add(`${r}-type-${v}`, `${rec} type ${v}`, set("type", BigInt(v)));
  }
  return out;
}

/** Records shortened and lengthened by one, trailing bytes, and a foreign image. */
export function reshaped(
  abi: AbiName,
  image: Uint8Array,
  env: RestartEnv,
  foreign: Uint8Array | undefined,
): RestartCase[] {
  const out: RestartCase[] = [];
  const add = (id: string, reason: string, img: Uint8Array) =>
    out.push({ id: `restart/${abi}/shape/${id}`, op: "restart", abi, reason, image: img, env });
  for (const { record: rec, payloadOffset, layout: { size } } of imagePlan(abi).records) {
    const r = rec.toLowerCase();
    const end = payloadOffset + size;
    const len = (img: Uint8Array, v: number) => withHeader(img, abi, rec, "len", BigInt(v));
    add(
      `${r}-short-1`,
      `${rec} one byte shorter (len ${size - 1}, last payload byte removed)`,
      len(resize(image, end - 1, -1), size - 1),
    );
    add(
      `${r}-long-1`,
      `${rec} one byte longer (len ${size + 1}, a zero byte added)`,
      len(resize(image, end, 1), size + 1),
    );
    add(
      `${r}-len-minus-1`,
      `${rec} len ${size - 1} with the bytes left in place`,
      len(image, size - 1),
    );
    add(
      `${r}-len-plus-1`,
      `${rec} len ${size + 1} with the bytes left in place`,
      len(image, size + 1),
    );
    add(
      `${r}-len-0`,
      `${rec} len 0: the whole payload comes from what the buffer held`,
      len(image, 0),
    );
  }
  add("trailing-1", "one byte after TAIL: not read", Uint8Array.from([...image, 0xa5]));
  add(
    "trailing-page",
    "a page of bytes after TAIL: not read",
    Uint8Array.from([...image, ...new Uint8Array(layoutOf(abi).abi.pageSize).fill(0x5a)]),
  );
  add(
    "twice",
    "two images back to back: only the first is read",
    Uint8Array.from([...image, ...image]),
  );
  if (foreign) add("other-abi", "another ABI's image of the same task", foreign);
  return out;
}
