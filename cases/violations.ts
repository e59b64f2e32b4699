/**
 * Violations derived from the reference's check list: for every check
 * restart makes (`RESTART_CHECKS`), an edit of a valid input that makes the
 * reference decide at exactly that check, found by trying candidate values
 * from the layout tables (the field's neighbours, its sign bit, its extremes,
 * the record's size ±1, truncation inside the record) and keeping the first
 * the reference confirms. From them, the check-order family: for every
 * ordered pair of checks, one input that violates both; the earlier must
 * decide. A new check or field adds its cases by itself.
 *
 * @module
 */
import { type AbiName, type Field, layoutOf, type RecordName } from "../reference/layout.ts";
import { restart, RESTART_CHECKS } from "../reference/restart.ts";
import type { RestartEnv } from "../reference/types.ts";
import { imagePlan, type PlannedRecord } from "../reference/walk.ts";
import { withBytes } from "./image.ts";
import type { RestartCase } from "./types.ts";

/** One edit of a restart input. */
export type Edit =
  | { readonly kind: "field"; readonly at: number; readonly field: Field; readonly value: bigint }
  | { readonly kind: "env"; readonly env: Partial<RestartEnv> }
  | { readonly kind: "truncate"; readonly at: number };

/** An edit that makes the reference decide at `check` when applied alone. */
export interface Violation {
  /** The check id it violates. */
  readonly check: string;
  /** The edit. */
  readonly edit: Edit;
  /** In words. */
  readonly what: string;
}

/** Applies edits to a valid input: field edits and environment first, truncation last. */
export function applyEdits(
  abi: AbiName,
  image: Uint8Array,
  env: RestartEnv,
  edits: readonly Edit[],
): { image: Uint8Array; env: RestartEnv } {
  let img = image;
  let e = env;
  let cut = Infinity;
  for (const d of edits) {
    if (d.kind === "field") img = withBytes(img, abi, d.at, d.field, d.value);
    else if (d.kind === "env") e = { ...e, ...d.env };
    else cut = Math.min(cut, d.at);
  }
  return { image: cut < img.length ? img.slice(0, cut) : img, env: e };
}

/** Byte range an edit touches (`[at, end)`), or undefined for an environment edit. */
function span(d: Edit): [number, number] | undefined {
  if (d.kind === "field") return [d.at, d.at + d.field.size];
  if (d.kind === "truncate") return [d.at, Infinity];
  return undefined;
}

/** True when two edits can be applied together without one undoing the other. */
export function compatible(a: Edit, b: Edit): boolean {
  if (a.kind === "env" && b.kind === "env") return Object.keys(a.env)[0] !== Object.keys(b.env)[0];
  const x = span(a), y = span(b);
  if (!x || !y) return true;
  return x[1] <= y[0] || y[1] <= x[0];
}

/** Values to try for an integer field: neighbours, sign bit, extremes, bit 0 flipped. */
function candidates(f: Field, current: bigint, extra: readonly bigint[]): bigint[] {
  const bits = BigInt(f.size * 8);
  const mask = (1n << bits) - 1n;
  return [
    ...extra,
    current ^ 1n,
    current + 1n,
    current - 1n,
    0n,
    mask,
    1n << (bits - 1n),
    mask >> 1n,
  ]
    .map((v) => v & mask);
}

function read(img: Uint8Array, at: number, f: Field, little: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < f.size; i++) v = (v << 8n) | BigInt(img[at + (little ? f.size - 1 - i : i)]!);
  return v;
}

/** Candidate edits for one check, in the order they are tried. */
function editsFor(check: string, abi: AbiName, image: Uint8Array): { edit: Edit; what: string }[] {
  const l = layoutOf(abi);
  const little = l.abi.endian === "little";
  if (check === "flags") return [{ edit: { kind: "env", env: { flags: 1n } }, what: "flags 1" }];
  if (check === "fd") return [{ edit: { kind: "env", env: { file: "bad-fd" } }, what: "bad fd" }];
  if (check === "read") {
    return [{ edit: { kind: "env", env: { file: "write-only" } }, what: "write-only fd" }];
  }
  const [rec, part, name] = check.split(".") as [RecordName, string, string?];
  const planned = imagePlan(abi).records.find((r: PlannedRecord) => r.record === rec);
  if (!planned) return [];
  const size = planned.layout.size;
  if (part === "hdr" && (name === "eof")) {
    return [l.HDR.size - 1, 1, 0].map((k) => ({
      edit: { kind: "truncate", at: planned.offset + k },
      what: `end of file ${k} bytes into the ${rec} header`,
    }));
  }
  if (part === "payload" && name === "eof") {
    return [size - 1, 1, 0].map((k) => ({
      edit: { kind: "truncate", at: planned.payloadOffset + k },
      what: `end of file ${k} bytes into the ${rec} payload`,
    }));
  }
  const [f, at, extra] = part === "hdr"
    ? [
      l.HDR.byName[name!]!,
      planned.offset + l.HDR.byName[name!]!.offset,
      name === "len" ? [BigInt(size + 1), -1n, BigInt(size - 1)] : [],
    ]
    : [
      planned.layout.byName[part]!,
      planned.payloadOffset + (planned.layout.byName[part]?.offset ?? 0),
      [BigInt(l.abi.pageSize + 1), 2n],
    ];
  if (!f) return [];
  const cur = read(image, at, f, little);
  return candidates(f, cur, extra as bigint[]).filter((v) => v !== cur).map((value) => ({
    edit: { kind: "field", at, field: f, value },
    what: `${rec}.${part === "hdr" ? `hdr.${name}` : part} 0x${value.toString(16)}`,
  }));
}

/**
 * For every check restart makes in any profile (except `ok`), and every
 * distinct way it can decide (each return value: a positive parent is
 * -EINVAL, a negative one is returned as is), the first candidate edit of
 * the valid input `(image, env)` that the reference decides at that check
 * with that value, in some profile. Checks no single edit reaches are left
 * out.
 */
export function violations(abi: AbiName, image: Uint8Array, env: RestartEnv): Violation[] {
  const out: Violation[] = [];
  for (const c of RESTART_CHECKS) {
    if (c.id === "ok") continue;
    const seen = new Set<number>();
    for (const { edit, what } of editsFor(c.id, abi, image)) {
      const input = applyEdits(abi, image, env, [edit]);
      for (const profile of c.profiles) {
        const o = restart(input.image, input.env, profile);
        if (o.decision.check !== c.id || !o.ret.defined || o.ret.value === 0) continue;
        if (seen.has(o.ret.value)) continue;
        seen.add(o.ret.value);
        out.push({ check: c.id, edit, what });
        break;
      }
    }
  }
  return out;
}

/**
 * The check-order family of one ABI: for every ordered pair of violations
 * (A's check before B's in the check list, or two ways of one check) that
 * can be applied together, one input violating both, run under every
 * profile, as `restart/<abi>/order/<A>~<n>+<B>~<m>` (`~n` numbers the ways a
 * check can decide). Under a profile where A's check exists, A decides.
 */
export function orderCases(abi: AbiName, image: Uint8Array, env: RestartEnv): RestartCase[] {
  const vs = violations(abi, image, env);
  const way = new Map<Violation, number>();
  for (const v of vs) way.set(v, vs.filter((w) => w.check === v.check).indexOf(v) + 1);
  const tag = (v: Violation) => `${v.check}~${way.get(v)}`;
  const out: RestartCase[] = [];
  for (let i = 0; i < vs.length; i++) {
    for (let j = i + 1; j < vs.length; j++) {
      const a = vs[i]!, b = vs[j]!;
      if (!compatible(a.edit, b.edit)) continue;
      const input = applyEdits(abi, image, env, [a.edit, b.edit]);
      out.push({
        id: `restart/${abi}/order/${tag(a)}+${tag(b)}`,
        op: "restart",
        abi,
        reason: `${a.what} and ${b.what}: ${a.check} comes first and must decide`,
        image: input.image,
        env: input.env,
      });
    }
  }
  return out;
}
