/**
 * The `stale` family: short reads of records that reuse the scratch buffer,
 * with the stale bytes made meaningful, and the same over every earlier
 * record (STRING included) with a positive parent before the short one.
 *
 * @module
 */
import { concat, copyBytes } from "../reference/bytes.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { type Field, layoutOf } from "../reference/layout.ts";
import { imagePlan } from "../reference/walk.ts";
import type { CatalogBase } from "./catalog.ts";
import { checkedFields } from "./groups.ts";
import { withBytes } from "./image.ts";
import type { RestartCase } from "./types.ts";

/**
 * Short reads of records that reuse the scratch buffer, with the stale
 * bytes made meaningful: the previous record written there carries, where it
 * is not checked itself, either the short record's own valid bytes (`fill`:
 * the seed completes the record from them) or those bytes with the short
 * record's checked fields set to a rejected value (`reject`).
 */
export function staleCases(b: CatalogBase): RestartCase[] {
  const { abi } = b;
  const l = layoutOf(abi);
  const image = checkpoint(b.state, b.ckptEnv).image;
  const plan = imagePlan(abi).records;
  // Records read into the scratch buffer, in order (STRING goes to its own kmalloc buffer).
  const inHbuf = plan.filter((r) => r.record !== "STRING");
  const out: RestartCase[] = [];
  for (let k = 1; k < inHbuf.length; k++) {
    const prev = inHbuf[k - 1]!, cur = inHbuf[k]!;
    const size = cur.layout.size;
    const prevChecked = checkedFields(prev.record);
    const writable = (off: number) => {
      if (off >= prev.layout.size) return false;
      const f = prev.layout.fields.find((x) => off >= x.offset && off < x.offset + x.size);
      return !!f && !prevChecked.has(f.name);
    };
    const valid = image.subarray(cur.payloadOffset, cur.payloadOffset + size);
    const rejected = valid.slice();
    for (const name of checkedFields(cur.record)) {
      const f = cur.layout.byName[name]!;
      for (let i = f.offset; i < f.offset + f.size; i++) rejected[i] = ~valid[i]! & 0xff;
    }
    const shorts = [...new Set([0, ...cur.layout.fields.map((f: Field) => f.offset), size - 1])]
      .filter((n) => n < size);
    for (const n of shorts) {
      for (const [variant, src] of [["fill", valid], ["reject", rejected]] as const) {
        const seeded = image.slice();
        let written = 0;
        for (let off = n; off < size; off++) {
          if (writable(off)) {
            seeded[prev.payloadOffset + off] = src[off]!;
            written++;
          }
        }
        if (!written) continue;
        const rec = cur.record.toLowerCase();
        const lenF = l.HDR.byName["len"]!;
        const short = withBytes(
          concat([
            seeded.subarray(0, cur.payloadOffset + n),
            seeded.subarray(cur.payloadOffset + size),
          ]),
          abi,
          cur.offset + lenF.offset,
          lenF,
          BigInt(n),
        );
        out.push({
          id: `restart/${abi}/stale/${rec}-short-${n}-${variant}`,
          op: "restart",
          abi,
          reason:
            `${cur.record} len ${n}: its bytes [${n},${size}) are stale ${prev.record} bytes, set to ${
              variant === "fill" ? "a valid" : "a rejected"
            } ${cur.record}`,
          image: short,
          env: b.rstEnv,
        });
        out.push({
          id: `restart/${abi}/stale/${rec}-cut-${n}-${variant}`,
          op: "restart",
          abi,
          reason:
            `end of file ${n} bytes into ${cur.record}: the rest is stale ${prev.record} bytes (${variant})`,
          image: seeded.slice(0, cur.payloadOffset + n),
          env: b.rstEnv,
        });
      }
    }
  }
  out.push(...staleOverEveryRecord(b, image));
  return out;
}

/**
 * The same without the model's knowledge of which buffer each record is read
 * into: every earlier record (STRING included) is given the short record's
 * own well-formed payload from its first byte, and the record just before
 * the short one is also tried with parent 1 (restart may go on past a record
 * without using what it read). Where those bytes are what the short record
 * reads, its checks pass on them; where they are not, the checks read
 * something else: a model that reads a record into the wrong buffer, or
 * keeps the wrong one, answers otherwise.
 */
function staleOverEveryRecord(b: CatalogBase, image: Uint8Array): RestartCase[] {
  const { abi } = b;
  const l = layoutOf(abi);
  const plan = imagePlan(abi).records;
  const lenF = l.HDR.byName["len"]!;
  const parentF = l.HDR.byName["parent"]!;
  const out: RestartCase[] = [];
  for (let j = 1; j < plan.length; j++) {
    const r = plan[j]!, before = plan[j - 1]!;
    const payload = image.slice(r.payloadOffset, r.payloadOffset + r.layout.size);
    const shorts = [...new Set([0, r.layout.size >> 1, r.layout.size - 1])].filter((n) => n >= 0);
    for (let i = 0; i < j; i++) {
      const p = plan[i]!;
      const base = copyBytes(image);
      base.set(payload.subarray(0, Math.min(payload.length, p.layout.size)), p.payloadOffset);
      // The record before the short one also with a positive parent (restart may go on past it
      // without using what it read).
      const parents = [
        ["", base],
        ["-parent-1", withBytes(base, abi, before.offset + parentF.offset, parentF, 1n)],
      ] as const;
      for (const n of shorts) {
        for (const [tag, over] of parents) {
          const cut = concat([
            withBytes(over, abi, r.offset + lenF.offset, lenF, BigInt(n)).subarray(
              0,
              r.payloadOffset + n,
            ),
            over.subarray(r.payloadOffset + r.layout.size),
          ]);
          out.push({
            id:
              `restart/${abi}/stale/${r.record.toLowerCase()}-over-${p.record.toLowerCase()}-${n}${tag}`,
            op: "restart",
            abi,
            reason:
              `${p.record}'s payload holds ${r.record}'s, then ${r.record} is ${n} bytes long` +
              (tag ? `, ${before.record}'s parent 1` : ""),
            image: cut,
            env: b.rstEnv,
          });
        }
      }
    }
  }
  return out;
}
