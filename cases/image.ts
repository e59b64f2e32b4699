/**
 * Editing images through the layout tables and the walker: setting one
 * header or payload field of a record, inserting or removing bytes.
 *
 * @module
 */
import { copyBytes, newBytes, writeField } from "../reference/bytes.ts";
import { type AbiName, type Field, field, layoutOf } from "../reference/layout.ts";
import { type ImageRecord, payloadLayout, recordOffsets } from "../reference/walk.ts";

export { IMAGE_RECORDS, type ImageRecord, recordOffsets } from "../reference/walk.ts";

/** Payload size of a record as checkpoint writes it. */
export function payloadSize(abi: AbiName, rec: ImageRecord): number {
  return payloadLayout(abi, rec).size;
}

/** A copy of the image with a header field set. */
export function withHeader(
  img: Uint8Array,
  abi: AbiName,
  rec: ImageRecord,
  name: "type" | "len" | "parent",
  value: bigint,
): Uint8Array {
  const out = copyBytes(img);
  const l = layoutOf(abi);
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
  const out = copyBytes(img);
  const l = layoutOf(abi);
  writeField(out, field(l[rec], name), l.abi.endian, value, recordOffsets(abi)[rec] + l.HDR.size);
  return out;
}

/** A copy of the image with one field's bytes (a header or payload field of any record) at `at`. */
export function withBytes(
  img: Uint8Array,
  abi: AbiName,
  at: number,
  f: Field,
  value: bigint,
): Uint8Array {
  const out = copyBytes(img);
  const tmp = newBytes(f.size);
  writeField(tmp, { ...f, offset: 0 }, layoutOf(abi).abi.endian, value);
  for (let i = 0; i < f.size && at + i < out.length; i++) out[at + i] = tmp[i]!;
  return out;
}

/** A copy with `count` bytes removed (negative) or inserted as zeros (positive) at `at`. */
export function resize(img: Uint8Array, at: number, count: number): Uint8Array {
  if (count < 0) return Uint8Array.from([...img.subarray(0, at), ...img.subarray(at - count)]);
  return Uint8Array.from([...img.subarray(0, at), ...new Uint8Array(count), ...img.subarray(at)]);
}
