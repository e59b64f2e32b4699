/**
 * Big inputs: restart images from 64 KiB to `PROTOCOL.md`'s limit of 2 MiB
 * (lengths around 2^16 and 2^20, where a fixed buffer of an implementation
 * ends), made of a valid image and extra records after its TAIL, which the
 * seed never reads; one with the largest STRING restart accepts; and the
 * checkpoint with the largest comm and utsname values (every byte 0xff,
 * no NUL). Few cases (a few dozen runs), each one expensive.
 *
 * @module
 */
import { checkpoint } from "../reference/checkpoint.ts";
import { concat } from "../reference/bytes.ts";
import { type AbiName, layoutOf, TASK_COMM_LEN, UTS_LEN } from "../reference/layout.ts";
import { imagePlan } from "../reference/walk.ts";
import { fieldDomain } from "../reference/validate.ts";
import type { TaskState } from "../reference/types.ts";
import type { CatalogBase } from "./catalog.ts";
import { withBytes } from "./image.ts";
import type { Case } from "./types.ts";

/** The largest restart image `PROTOCOL.md` allows: 2 MiB. */
export const MAX_IMAGE = 1 << 21;

/** Image lengths tried: both sides of 2^16 and 2^20, and the limit itself. */
export const BIG_LENGTHS: readonly number[] = Object.freeze([
  (1 << 16) - 1,
  1 << 16,
  (1 << 16) + 1,
  (1 << 20) - 1,
  1 << 20,
  (1 << 20) + 1,
  MAX_IMAGE,
]);

/** `image` followed by copies of itself (records after TAIL), cut at `length` bytes. */
export function padded(image: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += image.length) {
    out.set(image.subarray(0, Math.min(image.length, length - at)), at);
  }
  return out;
}

/**
 * The default image with `task_comm_len` and the STRING's `len` both
 * PAGE_SIZE (the largest restart accepts), the name padded with 0xff.
 */
export function pageStringImage(abi: AbiName, image: Uint8Array): Uint8Array {
  const l = layoutOf(abi);
  const page = l.abi.pageSize;
  const plan = imagePlan(abi);
  const task = plan.records.find((r) => r.record === "TASK")!;
  const str = plan.records.find((r) => r.record === "STRING")!;
  const tcl = l.TASK.byName["task_comm_len"]!;
  const len = l.HDR.byName["len"]!;
  let head = withBytes(
    image.subarray(0, str.payloadOffset),
    abi,
    task.payloadOffset + tcl.offset,
    tcl,
    BigInt(page),
  );
  head = withBytes(head, abi, str.offset + len.offset, len, BigInt(page));
  const name = new Uint8Array(page).fill(0xff);
  name.set(image.subarray(str.payloadOffset, str.payloadOffset + TASK_COMM_LEN));
  return concat([head, name, image.subarray(str.payloadOffset + str.layout.size)]);
}

/** A lazily made image: big images are made when a run reads them, not when the suite is listed. */
function lazy(make: () => Uint8Array): () => Uint8Array {
  let img: Uint8Array | undefined;
  return () => img ??= make();
}

/** The big-image restart cases and the largest checkpoint input of one ABI. */
export function bigImageCases(b: CatalogBase): Case[] {
  const { abi } = b;
  const base = lazy(() => checkpoint(b.state, b.ckptEnv).image);
  const page = lazy(() => pageStringImage(abi, base()));
  const out: Case[] = [];
  const restartCase = (name: string, reason: string, make: () => Uint8Array): void => {
    const image = lazy(make);
    out.push({
      id: `restart/${abi}/big/${name}`,
      op: "restart",
      abi,
      reason,
      get image() {
        return image();
      },
      env: b.rstEnv,
    });
  };
  for (const n of BIG_LENGTHS) {
    restartCase(
      `trailing-${n}`,
      `a valid image and records after its TAIL, ${n} bytes in all: only the first are read`,
      () => padded(base(), n),
    );
  }
  for (const n of [(1 << 16) + 1, (1 << 20) + 1]) {
    restartCase(
      `page-string-trailing-${n}`,
      `task_comm_len and STRING len PAGE_SIZE, then records after TAIL, ${n} bytes in all`,
      () => padded(page(), n),
    );
  }
  const ones = (n: number) => new Uint8Array(n).fill(0xff);
  const state: Record<string, bigint | Uint8Array> = { comm: ones(TASK_COMM_LEN) };
  for (const f of layoutOf(abi).TASK.fields) {
    if (f.type === "pad" || f.name === "task_comm_len") continue;
    state[f.name] = fieldDomain(f, abi).max;
  }
  out.push({
    id: `checkpoint/${abi}/big/all-ff`,
    op: "checkpoint",
    abi,
    reason:
      "the largest request: comm and utsname all 0xff bytes (no NUL), every field at its maximum",
    state: state as unknown as TaskState,
    env: {
      ...b.ckptEnv,
      uts: { release: ones(UTS_LEN), version: ones(UTS_LEN), machine: ones(UTS_LEN) },
    },
  });
  return out;
}
