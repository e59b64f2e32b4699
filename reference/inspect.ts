/**
 * Decodes any bytes, valid or not, into records and named fields with their
 * file offsets, stopping with a precise message at the first problem.
 *
 * @module
 */
import { abiNames } from "./abi.ts";
import { toHex } from "./bytes.ts";
import { decodeFrom, type FieldValue } from "./codec.ts";
import {
  type AbiName,
  type Field,
  field,
  layoutOf,
  type RecordLayout,
  type RecordName,
} from "./layout.ts";
import { InputError } from "./errors.ts";
import { type WalkedRecord, walkRecords } from "./walk.ts";

/** One decoded field at its absolute file offset. */
export interface InspectedField {
  /** The layout field. */
  readonly field: Field;
  /** Absolute file offset. */
  readonly offset: number;
  /** Decoded value (integer, or bytes for arrays and padding). */
  readonly value: FieldValue;
  /** The raw bytes, in file order. */
  readonly raw: Uint8Array;
}

/** One record as found in the file. */
export interface InspectedRecord {
  /** File offset of its header. */
  readonly offset: number;
  /** Record name from the type code, or `UNKNOWN`. */
  readonly name: RecordName | "UNKNOWN";
  /** Header fields. */
  readonly header: readonly InspectedField[];
  /** Payload fields fully present in the record (for STRING: one `bytes` pseudo-field). */
  readonly payload: readonly InspectedField[];
  /** Payload length from the header. */
  readonly len: number;
  /** The struct size restart expects for this record, when it has one. */
  readonly expectedLen?: number;
}

/** The whole decode. */
export interface Inspection {
  /** ABI used for the layouts. */
  readonly abi: AbiName;
  /** Records, in file order, up to the first problem. */
  readonly records: readonly InspectedRecord[];
  /** Number of bytes after the TAIL record, if one was found. */
  readonly trailing: number;
  /** The first problem, if any: where and what. */
  readonly problem?: { readonly offset: number; readonly message: string };
}

function fieldsOf(
  layout: RecordLayout,
  abi: AbiName,
  bytes: Uint8Array,
  base: number,
  avail: number,
): InspectedField[] {
  const values = decodeFrom(layout, layoutOf(abi).abi.endian, padTo(bytes, base, layout.size), 0);
  return layout.fields
    .filter((f) => f.offset + f.size <= avail)
    .map((f) => ({
      field: f,
      offset: base + f.offset,
      value: values[f.name]!,
      raw: bytes.slice(base + f.offset, base + f.offset + f.size),
    }));
}

function padTo(bytes: Uint8Array, base: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(bytes.subarray(base, Math.min(bytes.length, base + size)));
  return out;
}

/**
 * Guesses the ABI of an image from its second record: a TASK whose `len` is
 * one registered ABI's struct size. Falls back to the first registered ABI.
 *
 * @example
 * ```ts
 * import { checkpoint, defaultCheckpointEnv, defaultTaskState, guessAbi } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv("i386"));
 * strictEqual(guessAbi(image), "i386");
 * ```
 */
export function guessAbi(bytes: Uint8Array): AbiName {
  const names = abiNames();
  for (const abi of names) {
    const second = walkRecords(abi, bytes);
    second.next();
    const task = second.next();
    if (!task.done && task.value.name === "TASK" && task.value.len === layoutOf(abi).TASK.size) {
      return abi;
    }
  }
  return names[0]!;
}

/**
 * Decodes `bytes` as a sequence of records. Never throws for any bytes; the
 * first problem (end of file inside a record, a negative length, an unknown
 * type, a record longer than restart accepts) ends the decode and is
 * described with its offset.
 *
 * @example
 * ```ts
 * import { checkpoint, defaultCheckpointEnv, defaultTaskState, inspect } from "@crconform/crconform";
 * const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64"));
 * const ins = inspect(image);
 * console.log(ins.records.map((r) => r.name)); // [ "HEAD", "TASK", "STRING", "TAIL" ]
 * ```
 *
 * @throws {InputError} when `bytes` is not a Uint8Array or `abi` is unknown.
 */
export function inspect(bytes: Uint8Array, abi?: AbiName): Inspection {
  if (!(bytes instanceof Uint8Array)) throw new InputError("bytes", "a Uint8Array", typeof bytes);
  if (abi !== undefined && !abiNames().includes(abi)) {
    throw new InputError("abi", abiNames().join(" or "), String(abi));
  }
  const a = abi ?? guessAbi(bytes);
  const l = layoutOf(a);
  const records: InspectedRecord[] = [];
  const stop = (offset: number, message: string): Inspection => ({
    abi: a,
    records,
    trailing: 0,
    problem: { offset, message },
  });
  const lenAt = (r: WalkedRecord) => r.offset + field(l.HDR, "len").offset;
  for (const r of walkRecords(a, bytes)) {
    const header = fieldsOf(l.HDR, a, bytes, r.offset, r.headerBytes);
    if (r.headerBytes < l.HDR.size) {
      return stop(
        r.offset,
        `end of file inside a record header: ${r.headerBytes} of ${l.HDR.size} bytes`,
      );
    }
    const struct = r.name === "STRING" ? undefined : r.layout;
    const payload = struct
      ? fieldsOf(struct, a, bytes, r.payloadOffset, r.payloadBytes)
      : [rawPayload(r, bytes)];
    records.push({
      offset: r.offset,
      name: r.name,
      header,
      payload,
      len: r.len,
      expectedLen: struct?.size,
    });
    if (r.len < 0) return stop(lenAt(r), `negative record length ${r.len}`);
    if (r.name === "UNKNOWN") return stop(r.offset, `unknown record type ${r.type}`);
    if (struct && r.len > struct.size) {
      return stop(lenAt(r), `${r.name} len ${r.len} exceeds the ${struct.size}-byte struct`);
    }
    if (r.payloadBytes < r.len) {
      return stop(
        bytes.length,
        `end of file inside the ${r.name} payload: ${r.payloadBytes} of ${r.len} bytes`,
      );
    }
    if (r.name === "TAIL") {
      return { abi: a, records, trailing: bytes.length - r.payloadOffset - r.len };
    }
  }
  return records.length && records[records.length - 1]!.name === "TAIL"
    ? { abi: a, records, trailing: 0 }
    : stop(bytes.length, "end of file before a TAIL record");
}

function rawPayload(r: WalkedRecord, bytes: Uint8Array): InspectedField {
  const raw = bytes.slice(r.payloadOffset, r.payloadOffset + r.payloadBytes);
  return {
    field: {
      record: r.name === "UNKNOWN" ? "HDR" : r.name,
      name: r.name === "STRING" ? "bytes" : "payload",
      offset: 0,
      size: r.payloadBytes,
      type: "bytes",
      source: "raw",
      doc: "raw payload",
    },
    offset: r.payloadOffset,
    value: raw,
    raw,
  };
}

/** Formats a field value for a human: decimal and hex for integers, hex (and text) for bytes. */
export function formatValue(v: FieldValue): string {
  if (typeof v === "bigint") return v < 0n ? `${v}` : `${v} (0x${v.toString(16)})`;
  const printable = Array.from(v).every((b) => b === 0 || (b >= 0x20 && b < 0x7f));
  const text = printable
    ? ` "${new TextDecoder().decode(v).replace(/\0+$/, "").replace(/\0/g, "\\0")}"`
    : "";
  return `${v.length} bytes${text}`;
}

/** Renders an inspection as an annotated dump: offset, record, field, value, raw hex.
 *
 * @example
 * ```ts
 * import { checkpoint, defaultCheckpointEnv, defaultTaskState, formatInspection, inspect } from "@crconform/crconform";
 * import { match } from "node:assert/strict";
 * const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64"));
 * match(formatInspection(inspect(image)), /-- TASK @0xe8 len 152/);
 * ```
 */
export function formatInspection(ins: Inspection): string {
  const lines = [`abi ${ins.abi}`];
  const row = (f: InspectedField) => {
    const hex = toHex(f.raw);
    const shown = hex.length > 32 ? `${hex.slice(0, 32)}…` : hex;
    return `0x${f.offset.toString(16).padStart(4, "0")}  ${
      `${f.field.record}.${f.field.name}`.padEnd(28)
    } ${formatValue(f.value).padEnd(38)} ${shown}`;
  };
  for (const r of ins.records) {
    const exp = r.expectedLen !== undefined && r.expectedLen !== r.len
      ? ` (restart expects ${r.expectedLen})`
      : "";
    lines.push(`-- ${r.name} @0x${r.offset.toString(16)} len ${r.len}${exp}`);
    for (const f of r.header) lines.push(row(f));
    for (const f of r.payload) lines.push(row(f));
  }
  if (ins.trailing) {
    lines.push(`-- ${ins.trailing} trailing bytes after TAIL (restart does not read them)`);
  }
  if (ins.problem) lines.push(`!! @0x${ins.problem.offset.toString(16)}: ${ins.problem.message}`);
  return lines.join("\n");
}

/** A JSON-ready form of an inspection (bigints as decimal strings, bytes as hex).
 *
 * @example
 * ```ts
 * import { inspect, inspectionToJson } from "@crconform/crconform";
 * import { deepStrictEqual } from "node:assert/strict";
 * const json = inspectionToJson(inspect(new Uint8Array(3), "x86_64")) as { problem: unknown };
 * deepStrictEqual(json.problem, { offset: 0, message: "end of file inside a record header: 3 of 8 bytes" });
 * ```
 */
export function inspectionToJson(ins: Inspection): unknown {
  const f = (x: InspectedField) => ({
    field: `${x.field.record}.${x.field.name}`,
    offset: x.offset,
    size: x.field.size,
    type: x.field.type,
    value: typeof x.value === "bigint" ? x.value.toString() : toHex(x.value),
    raw: toHex(x.raw),
  });
  return {
    abi: ins.abi,
    records: ins.records.map((r) => ({
      name: r.name,
      offset: r.offset,
      len: r.len,
      expectedLen: r.expectedLen ?? null,
      header: r.header.map(f),
      payload: r.payload.map(f),
    })),
    trailing: ins.trailing,
    problem: ins.problem ?? null,
  };
}
