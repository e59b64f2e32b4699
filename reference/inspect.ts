/**
 * Decodes any bytes, valid or not, into records and named fields with their
 * file offsets, stopping with a precise message at the first problem.
 *
 * @module
 */
import { toHex } from "./bytes.ts";
import { decodeFrom, type FieldValue } from "./codec.ts";
import {
  ABI_NAMES,
  type AbiName,
  type Field,
  field,
  LAYOUTS,
  RECORD_TYPES,
  type RecordLayout,
  type RecordName,
} from "./layout.ts";
import { InputError } from "./errors.ts";

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

const NAMES = new Map<number, RecordName>([
  [RECORD_TYPES.HEAD, "HEAD"],
  [RECORD_TYPES.TASK, "TASK"],
  [RECORD_TYPES.STRING, "STRING"],
  [RECORD_TYPES.TAIL, "TAIL"],
]);

function fieldsOf(
  layout: RecordLayout,
  abi: AbiName,
  bytes: Uint8Array,
  base: number,
  avail: number,
): InspectedField[] {
  const values = decodeFrom(layout, LAYOUTS[abi].abi.endian, padTo(bytes, base, layout.size), 0);
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
 * one ABI's struct size. Falls back to x86_64.
 */
export function guessAbi(bytes: Uint8Array): AbiName {
  const hdr = LAYOUTS.x86_64.HDR;
  const at = hdr.size + LAYOUTS.x86_64.HEAD.size;
  if (bytes.length >= at + hdr.size) {
    const len = bytes[at + field(hdr, "len").offset]! |
      (bytes[at + field(hdr, "len").offset + 1]! << 8);
    for (const abi of ABI_NAMES) if (LAYOUTS[abi].TASK.size === len) return abi;
  }
  return "x86_64";
}

/**
 * Decodes `bytes` as a sequence of records. Never throws for any bytes; the
 * first problem (end of file inside a record, a negative length, an unknown
 * type, a record longer than restart accepts) ends the decode and is
 * described with its offset.
 *
 * @example
 * ```ts
 * import { checkpoint, defaultCheckpointEnv, defaultTaskState, inspect } from "./mod.ts";
 * const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64"));
 * const ins = inspect(image);
 * console.log(ins.records.map((r) => r.name)); // [ "HEAD", "TASK", "STRING", "TAIL" ]
 * ```
 *
 * @throws {InputError} when `bytes` is not a Uint8Array or `abi` is unknown.
 */
export function inspect(bytes: Uint8Array, abi?: AbiName): Inspection {
  if (!(bytes instanceof Uint8Array)) throw new InputError("bytes", "a Uint8Array", typeof bytes);
  if (abi !== undefined && !ABI_NAMES.includes(abi)) {
    throw new InputError("abi", ABI_NAMES.join(" or "), String(abi));
  }
  const a = abi ?? guessAbi(bytes);
  const l = LAYOUTS[a];
  const records: InspectedRecord[] = [];
  let pos = 0;
  const stop = (offset: number, message: string): Inspection => ({
    abi: a,
    records,
    trailing: 0,
    problem: { offset, message },
  });
  while (pos < bytes.length) {
    const header = fieldsOf(l.HDR, a, bytes, pos, bytes.length - pos);
    if (bytes.length - pos < l.HDR.size) {
      return stop(
        pos,
        `end of file inside a record header: ${bytes.length - pos} of ${l.HDR.size} bytes`,
      );
    }
    const hv = decodeFrom(l.HDR, l.abi.endian, bytes, pos);
    const type = Number(hv["type"]);
    const len = Number(hv["len"]);
    const name = NAMES.get(type) ?? "UNKNOWN";
    const layout = name === "HEAD" || name === "TASK" || name === "TAIL" ? l[name] : undefined;
    const base = pos + l.HDR.size;
    const avail = Math.max(0, Math.min(len, bytes.length - base));
    const payload = layout ? fieldsOf(layout, a, bytes, base, avail) : [{
      field: {
        record: name === "UNKNOWN" ? "HDR" : name,
        name: name === "STRING" ? "bytes" : "payload",
        offset: 0,
        size: avail,
        type: "bytes",
        source: "raw",
        doc: "raw payload",
      } as Field,
      offset: base,
      value: bytes.slice(base, base + avail),
      raw: bytes.slice(base, base + avail),
    }];
    const rec: InspectedRecord = {
      offset: pos,
      name,
      header,
      payload,
      len,
      expectedLen: layout?.size,
    };
    records.push(rec);
    if (len < 0) return stop(pos + field(l.HDR, "len").offset, `negative record length ${len}`);
    if (name === "UNKNOWN") return stop(pos, `unknown record type ${type}`);
    if (layout && len > layout.size) {
      return stop(
        pos + field(l.HDR, "len").offset,
        `${name} len ${len} exceeds the ${layout.size}-byte struct`,
      );
    }
    if (bytes.length - base < len) {
      return stop(
        bytes.length,
        `end of file inside the ${name} payload: ${bytes.length - base} of ${len} bytes`,
      );
    }
    pos = base + len;
    if (name === "TAIL") return { abi: a, records, trailing: bytes.length - pos };
  }
  return records.length && records[records.length - 1]!.name === "TAIL"
    ? { abi: a, records, trailing: 0 }
    : stop(pos, "end of file before a TAIL record");
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

/** Renders an inspection as an annotated dump: offset, record, field, value, raw hex. */
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

/** A JSON-ready form of an inspection (bigints as decimal strings, bytes as hex). */
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
