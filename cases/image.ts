/**
 * Editing images through the layout tables: where each record sits in a
 * checkpoint image of an ABI, and how to set one header or payload field.
 *
 * @module
 */
import { writeField } from "../reference/bytes.ts";
import { type AbiName, field, LAYOUTS, TASK_COMM_LEN } from "../reference/layout.ts";

/** Records in image order. */
export const IMAGE_RECORDS = ["HEAD", "TASK", "STRING", "TAIL"] as const;
/** A record of a checkpoint image. */
export type ImageRecord = typeof IMAGE_RECORDS[number];

/** File offsets of each record's header in a checkpoint image, and the image's end. */
export function recordOffsets(abi: AbiName): Readonly<Record<ImageRecord | "END", number>> {
  const l = LAYOUTS[abi];
  const hdr = l.HDR.size;
  const HEAD = 0;
  const TASK = HEAD + hdr + l.HEAD.size;
  const STRING = TASK + hdr + l.TASK.size;
  const TAIL = STRING + hdr + TASK_COMM_LEN;
  return { HEAD, TASK, STRING, TAIL, END: TAIL + hdr + l.TAIL.size };
}

/** Payload size of a record as checkpoint writes it. */
export function payloadSize(abi: AbiName, rec: ImageRecord): number {
  return rec === "STRING" ? TASK_COMM_LEN : LAYOUTS[abi][rec].size;
}

/** A copy of the image with a header field set. */
export function withHeader(
  img: Uint8Array,
  abi: AbiName,
  rec: ImageRecord,
  name: "type" | "len" | "parent",
  value: bigint,
): Uint8Array {
  const out = img.slice();
  const l = LAYOUTS[abi];
  writeField(out, field(l.HDR, name), l.abi.endian, value, recordOffsets(abi)[rec]);
  return out;
}

/** A copy of the image with a payload field of HEAD, TASK or TAIL set. */
export function withField(
  img: Uint8Array,
  abi: AbiName,
  rec: Exclude<ImageRecord, "STRING">,
  name: string,
  value: bigint,
): Uint8Array {
  const out = img.slice();
  const l = LAYOUTS[abi];
  writeField(out, field(l[rec], name), l.abi.endian, value, recordOffsets(abi)[rec] + l.HDR.size);
  return out;
}

/** A copy with `count` bytes removed (negative) or inserted as zeros (positive) at `at`. */
export function resize(img: Uint8Array, at: number, count: number): Uint8Array {
  if (count < 0) return Uint8Array.from([...img.subarray(0, at), ...img.subarray(at - count)]);
  return Uint8Array.from([...img.subarray(0, at), ...new Uint8Array(count), ...img.subarray(at)]);
}
