/**
 * The one image walker: where each record and each field of an image is,
 * read from the layout tables. {@link imagePlan} gives the canonical
 * placement of a checkpoint image's records (what checkpoint writes);
 * {@link walkRecords} follows the `len` fields of any bytes (what restart
 * and the inspector read). The inspector, the diff, case editing and the
 * golden decoder all locate records and fields through this module.
 *
 * @module
 */
import {
  type AbiName,
  type Field,
  layoutOf,
  RECORD_TYPES,
  type RecordLayout,
  TASK_COMM_LEN,
} from "./layout.ts";
import { readField } from "./bytes.ts";

/** The records of a checkpoint image, in the order checkpoint writes them. */
export const IMAGE_RECORDS: readonly ["HEAD", "TASK", "STRING", "TAIL"] = Object.freeze(
  ["HEAD", "TASK", "STRING", "TAIL"] as const,
);
/** A record of a checkpoint image. */
export type ImageRecord = "HEAD" | "TASK" | "STRING" | "TAIL";

/** The record names by type code (the four the seed reads and writes). */
export const RECORD_NAMES: ReadonlyMap<number, ImageRecord> = new Map(
  IMAGE_RECORDS.map((r) => [RECORD_TYPES[r], r]),
);

const stringLayouts = new Map<number, RecordLayout>();

/** The STRING payload as a layout: one `comm` byte array of `len` bytes. */
export function stringLayout(len: number): RecordLayout {
  let l = stringLayouts.get(len);
  if (!l) {
    const comm: Field = {
      record: "STRING",
      name: "comm",
      offset: 0,
      size: len,
      type: "bytes",
      source: "raw",
      doc: "the task's comm, raw bytes",
    };
    l = Object.freeze({ name: "STRING", size: len, fields: [comm], byName: { comm } });
    stringLayouts.set(len, l);
  }
  return l;
}

/** The payload layout of a record as checkpoint writes it (STRING: `TASK_COMM_LEN` bytes). */
export function payloadLayout(abi: AbiName, rec: ImageRecord): RecordLayout {
  return rec === "STRING" ? stringLayout(TASK_COMM_LEN) : layoutOf(abi)[rec];
}

/** One record of a checkpoint image at its canonical place. */
export interface PlannedRecord {
  /** The record. */
  readonly record: ImageRecord;
  /** File offset of its header. */
  readonly offset: number;
  /** File offset of its payload. */
  readonly payloadOffset: number;
  /** Its payload layout. */
  readonly layout: RecordLayout;
}

const plans = new Map<string, { records: readonly PlannedRecord[]; end: number }>();

/** Where each record of a checkpoint image of `abi` sits, and the image's end.
 *
 * @example
 * ```ts
 * import { imagePlan } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(imagePlan("i386").end, 424);
 * ```
 */
export function imagePlan(abi: AbiName): { records: readonly PlannedRecord[]; end: number } {
  const l = layoutOf(abi);
  const key = `${abi}:${l.TASK.size}:${l.HEAD.size}`;
  let plan = plans.get(key);
  if (!plan) {
    const records: PlannedRecord[] = [];
    let at = 0;
    for (const record of IMAGE_RECORDS) {
      const layout = payloadLayout(abi, record);
      records.push({ record, offset: at, payloadOffset: at + l.HDR.size, layout });
      at += l.HDR.size + layout.size;
    }
    plans.set(key, plan = { records: Object.freeze(records), end: at });
  }
  return plan;
}

/** File offsets of each record's header in a checkpoint image of `abi`, and the image's end. */
export function recordOffsets(abi: AbiName): Readonly<Record<ImageRecord | "END", number>> {
  const plan = imagePlan(abi);
  const out = { END: plan.end } as Record<ImageRecord | "END", number>;
  for (const r of plan.records) out[r.record] = r.offset;
  return out;
}

/** A record as found in bytes by following the headers. */
export interface WalkedRecord {
  /** File offset of its header. */
  readonly offset: number;
  /** Header bytes present (less than the header size only at end of file). */
  readonly headerBytes: number;
  /** `type`, `len` and `parent` (0 where the header is cut short). */
  readonly type: number;
  /** Payload length from the header (signed). */
  readonly len: number;
  /** Parent reference from the header. */
  readonly parent: bigint;
  /** Record name from the type code, or `UNKNOWN`. */
  readonly name: ImageRecord | "UNKNOWN";
  /** The payload's layout: the struct for HEAD, TASK and TAIL, `len` bytes for STRING. */
  readonly layout: RecordLayout | undefined;
  /** File offset of its payload. */
  readonly payloadOffset: number;
  /** Payload bytes present in the file (at most `len`). */
  readonly payloadBytes: number;
}

/**
 * Walks `bytes` record by record, following each header's `len`. Yields
 * every record whose header starts inside the bytes (a cut-short header or
 * payload is reported through `headerBytes` and `payloadBytes`), and stops
 * after a TAIL, a negative length, or the end of the bytes. Never throws for
 * any bytes.
 *
 * @example
 * ```ts
 * import { checkpoint, defaultCheckpointEnv, defaultTaskState, walkRecords } from "@crconform/crconform";
 * import { deepStrictEqual } from "node:assert/strict";
 * const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64"));
 * deepStrictEqual([...walkRecords("x86_64", image)].map((r) => [r.name, r.offset]), [
 *   ["HEAD", 0],
 *   ["TASK", 232],
 *   ["STRING", 392],
 *   ["TAIL", 416],
 * ]);
 * ```
 */
export function* walkRecords(abi: AbiName, bytes: Uint8Array): Generator<WalkedRecord> {
  const l = layoutOf(abi);
  const H = l.HDR;
  const e = l.abi.endian;
  let pos = 0;
  while (pos < bytes.length) {
    const headerBytes = Math.min(H.size, bytes.length - pos);
    const hdr = new Uint8Array(H.size);
    hdr.set(bytes.subarray(pos, pos + headerBytes));
    const type = Number(readField(hdr, H.byName["type"]!, e));
    const len = Number(readField(hdr, H.byName["len"]!, e));
    const parent = readField(hdr, H.byName["parent"]!, e);
    const name = headerBytes === H.size ? RECORD_NAMES.get(type) ?? "UNKNOWN" : "UNKNOWN";
    const layout = name === "UNKNOWN"
      ? undefined
      : name === "STRING"
      ? stringLayout(Math.max(0, len))
      : l[name];
    const payloadOffset = pos + H.size;
    const payloadBytes = Math.max(0, Math.min(len, bytes.length - payloadOffset));
    yield {
      offset: pos,
      headerBytes,
      type,
      len,
      parent,
      name,
      layout,
      payloadOffset,
      payloadBytes,
    };
    if (headerBytes < H.size || len < 0 || name === "TAIL") return;
    pos = payloadOffset + len;
  }
}

/** One byte range of an image named by record and field. */
export interface FieldSpan {
  /** Record name. */
  readonly record: string;
  /** Field name (`hdr.len`, `exit_code`, `pad@20`, `comm`). */
  readonly field: string;
  /** File offset where the field starts. */
  readonly start: number;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * Per byte of `bytes`: the record and field it belongs to (header fields as
 * `hdr.NAME`, payload fields by name, padding as `pad@N`), following the
 * headers. Bytes past the last record are not covered.
 */
export function fieldSpans(abi: AbiName, bytes: Uint8Array): FieldSpan[] {
  const H = layoutOf(abi).HDR;
  const spans: FieldSpan[] = [];
  for (const r of walkRecords(abi, bytes)) {
    const rec = r.name;
    for (const f of H.fields) {
      spans.push({ record: rec, field: `hdr.${f.name}`, start: r.offset + f.offset, size: f.size });
    }
    const fields = r.layout?.fields ??
      [{ name: "payload", offset: 0, size: Math.max(0, r.len) }];
    for (const f of fields) {
      spans.push({ record: rec, field: f.name, start: r.payloadOffset + f.offset, size: f.size });
    }
    // A payload longer than the struct: the rest is raw.
    const covered = r.layout?.size ?? Math.max(0, r.len);
    if (r.len > covered) {
      spans.push({
        record: rec,
        field: "extra",
        start: r.payloadOffset + covered,
        size: r.len - covered,
      });
    }
  }
  return spans;
}
