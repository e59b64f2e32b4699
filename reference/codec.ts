/**
 * Encoding and decoding of record payloads through the layout tables: the
 * one place that turns named values into bytes and back.
 *
 * @module
 */
import { readField, writeField } from "./bytes.ts";
import type { Endian, RecordLayout } from "./layout.ts";

/** A decoded field value: an integer, or raw bytes for arrays and padding. */
export type FieldValue = bigint | Uint8Array;

/**
 * Writes the named values into `buf` at `base` following the layout. Padding
 * and any field missing from `values` are left untouched: that is how the
 * seed's scratch buffer keeps earlier bytes in the padding.
 */
export function encodeInto(
  layout: RecordLayout,
  endian: Endian,
  values: Readonly<Record<string, FieldValue | undefined>>,
  buf: Uint8Array,
  base = 0,
): void {
  for (const f of layout.fields) {
    if (f.type === "pad") continue;
    const v = values[f.name];
    if (v === undefined) continue;
    if (f.type === "bytes") {
      // At most the field's size: a copy by hand, not through a view (a view is an allocation).
      const b = v as Uint8Array;
      const at = base + f.offset;
      for (let i = 0, n = Math.min(b.length, f.size); i < n; i++) buf[at + i] = b[i]!;
    } else {
      writeField(buf, f, endian, v as bigint, base);
    }
  }
}

/**
 * Decodes every field of a layout (padding included, as bytes) from `buf` at
 * `base`. The caller guarantees `base + layout.size <= buf.length`.
 */
export function decodeFrom(
  layout: RecordLayout,
  endian: Endian,
  buf: Uint8Array,
  base = 0,
): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const f of layout.fields) {
    out[f.name] = f.type === "bytes" || f.type === "pad"
      ? buf.slice(base + f.offset, base + f.offset + f.size)
      : readField(buf, f, endian, base);
  }
  return out;
}
