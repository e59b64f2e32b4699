/**
 * The `partial` family: every field restart checks, header fields included,
 * written in part, its written bytes at values that mean something to its
 * check. The model must decide such a check exactly when every value the
 * never-written bytes allow decides it the same way; seed-c under the
 * contents that decide it (`fills:targeted`) shows where it does not.
 *
 * @module
 */
import { concat, readField } from "../reference/bytes.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { layoutOf } from "../reference/layout.ts";
import { imagePlan } from "../reference/walk.ts";
import type { CatalogBase } from "./catalog.ts";
import { checkedFields } from "./groups.ts";
import { withBytes } from "./image.ts";
import { hex } from "./meaning.ts";
import type { RestartCase } from "./types.ts";

/**
 * Checked fields written in part: each field restart checks (header fields
 * included) cut after each of its bytes, its written bytes set to values that
 * mean something to its check (as written, complemented, 0, 1, -1, the sign
 * bit, `PAGE_SIZE` and one past it, the record's size and one past it). A
 * payload field is cut by the record's `len` (the records after it intact),
 * with the previous record whole or cut to half (so the bytes not read are
 * stale, or never written); a header field by the end of the file. The model
 * must decide such a check exactly when every value the unwritten bytes allow
 * decides it the same way.
 */
export function partialFieldCases(b: CatalogBase): RestartCase[] {
  const { abi } = b;
  const l = layoutOf(abi);
  const e = l.abi.endian;
  const image = checkpoint(b.state, b.ckptEnv).image;
  const plan = imagePlan(abi).records;
  const lenF = l.HDR.byName["len"]!;
  const page = BigInt(l.abi.pageSize);
  const out: RestartCase[] = [];
  plan.forEach((r, i) => {
    const prev = plan[i - 1];
    const fields = [
      ...l.HDR.fields.filter((f) => ["type", "len", "parent"].includes(f.name))
        .map((f) => ({ f, at: r.offset + f.offset, hdr: true })),
      ...[...checkedFields(r.record)].map((n) => r.layout.byName[n]!)
        .map((f) => ({ f, at: r.payloadOffset + f.offset, hdr: false })),
    ];
    for (const { f, at, hdr } of fields) {
      const bits = BigInt(f.size * 8);
      const mask = (1n << bits) - 1n;
      const written = readField(image, f, e, at - f.offset);
      const values = [
        ...new Set([
          written,
          ~written & mask,
          0n,
          1n,
          mask,
          1n << (bits - 1n),
          page,
          page + 1n,
          BigInt(r.layout.size),
          BigInt(r.layout.size + 1),
        ].map((v) => v & mask)),
      ];
      // The bytes of the field that are read, in file order: the first k.
      // A payload field also cut before its first byte (all of it unwritten: one value will do).
      for (let k = hdr ? 1 : 0; k < f.size; k++) {
        for (const v of k ? values : values.slice(0, 1)) {
          const set = withBytes(image, abi, at, f, v);
          const tag = `${r.record.toLowerCase()}.${hdr ? "hdr." : ""}${f.name}`;
          if (hdr) {
            out.push({
              id: `restart/${abi}/partial/${tag}-${k}of${f.size}-${hex(v)}`,
              op: "restart",
              abi,
              reason: `${tag} := ${hex(v)}, the file ending after ${k} of its ${f.size} bytes`,
              image: set.slice(0, at + k),
              env: b.rstEnv,
            });
            continue;
          }
          const n = f.offset + k; // the record's len: its payload ends k bytes into the field
          for (const half of prev ? [false, true] : [false]) {
            let img = withBytes(set, abi, r.offset + lenF.offset, lenF, BigInt(n));
            img = concat([
              img.subarray(0, r.payloadOffset + n),
              img.subarray(r.payloadOffset + r.layout.size),
            ]);
            if (half && prev) {
              const m = prev.layout.size >> 1;
              img = concat([
                withBytes(img, abi, prev.offset + lenF.offset, lenF, BigInt(m)).subarray(
                  0,
                  prev.payloadOffset + m,
                ),
                img.subarray(prev.payloadOffset + prev.layout.size),
              ]);
            }
            out.push({
              id: `restart/${abi}/partial/${tag}-${k}of${f.size}-${hex(v)}${
                half ? `-${prev!.record.toLowerCase()}-half` : ""
              }`,
              op: "restart",
              abi,
              reason:
                `${tag} := ${hex(v)}, ${r.record} len ${n}: ${k} of its ${f.size} bytes read` +
                (half ? `, ${prev!.record} cut to half` : ""),
              image: img,
              env: b.rstEnv,
            });
            // And the file ending 3 bytes into the next record's header: a later read that gets
            // part of a header, so the position after it depends on the check too.
            const next = plan[i + 1];
            if (!half || !next) continue;
            const end = r.payloadOffset + n + 3 - (prev!.layout.size - (prev!.layout.size >> 1));
            out.push({
              id: `restart/${abi}/partial/${tag}-${k}of${f.size}-${hex(v)}-${
                prev!.record.toLowerCase()
              }-half-${next.record.toLowerCase()}-cut`,
              op: "restart",
              abi,
              reason: `${tag} := ${hex(v)}, ${k} of its ${f.size} bytes read, ${
                prev!.record
              } cut to half, the file ending 3 bytes into ${next.record}'s header`,
              image: img.slice(0, end),
              env: b.rstEnv,
            });
          }
        }
      }
    }
  });
  return out;
}
