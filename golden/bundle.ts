/**
 * The restart batch the capture init reads (`/cases.bin`, format in
 * `golden/recipe/BUNDLE.md`): encoding restart cases for one boot.
 *
 * @module
 */
import { concat, toHex } from "../reference/bytes.ts";
import { TASK_COMM_LEN } from "../reference/layout.ts";

const enc = new TextEncoder();

/** How the restart batch hands the image to `sys_restart`. */
export type BundleFdKind = "ok" | "bad-fd" | "write-only";

/** One restart case for the batch. */
export interface BundleCase {
  /** Unique id (UTF-8, at most 65535 bytes). */
  id: string;
  /**
   * The 16 comm bytes set with `prctl(PR_SET_NAME)` before the restart: at
   * most 15 non-NUL bytes, then zeros (all prctl can produce).
   */
  commBefore: Uint8Array;
  /** The image written to a fresh file and read from offset 0. */
  image: Uint8Array;
  /** `ok`: read-write fd; `bad-fd`: fd -1; `write-only`: O_WRONLY fd. @default "ok" */
  fd?: BundleFdKind;
  /** The syscall's flags argument (truncated to `unsigned long` on i386). @default 0n */
  flags?: bigint;
}

const BUNDLE_MAGIC = 0x4c444e42; // "BNDL" little-endian
/** Bytes of the bundle's header: magic, version, count. */
export const BUNDLE_HEADER_SIZE = 12;
/** Bytes of a case's fixed part: u16 id length, 16 comm bytes, u8 fd kind, u64 flags, u32 image length. */
const ENTRY_FIXED_SIZE = 2 + TASK_COMM_LEN + 1 + 8 + 4;

/** Bytes a case takes in the bundle, from the UTF-8 length of its id and the length of its image. */
export function bundleEntrySize(idBytes: number, imageLength: number): number {
  return ENTRY_FIXED_SIZE + idBytes + imageLength;
}
const BUNDLE_VERSION = 1;
const FD_KINDS: Record<BundleFdKind, number> = { "ok": 0, "bad-fd": 1, "write-only": 2 };

/** Checks that 16 comm bytes are something `prctl(PR_SET_NAME)` can produce. */
export function prctlCanSet(comm: Uint8Array): boolean {
  if (comm.length !== TASK_COMM_LEN || comm[15] !== 0) return false;
  let nul = false;
  for (const b of comm) {
    if (b === 0) nul = true;
    else if (nul) return false;
  }
  return true;
}

/**
 * Encodes restart cases as the batch bundle (`/cases.bin`, see
 * `golden/recipe/BUNDLE.md`): "BNDL", u32 version 1, u32 count, then per
 * case u16 id length, id, 16 comm bytes, u8 fd kind, u64 flags, u32 image
 * length, image; all little-endian.
 *
 * @throws {Error} on a comm prctl cannot set, a duplicate or oversize id.
 */
export function encodeBundle(cases: readonly BundleCase[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new DataView(new ArrayBuffer(BUNDLE_HEADER_SIZE));
  head.setUint32(0, BUNDLE_MAGIC, true);
  head.setUint32(4, BUNDLE_VERSION, true);
  head.setUint32(8, cases.length, true);
  parts.push(new Uint8Array(head.buffer));
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) throw new Error(`encodeBundle: duplicate id ${c.id}`);
    seen.add(c.id);
    const id = enc.encode(c.id);
    if (id.length > 0xffff) throw new Error(`encodeBundle: id too long: ${c.id.slice(0, 40)}…`);
    if (!prctlCanSet(c.commBefore)) {
      throw new Error(
        `encodeBundle: case ${c.id}: commBefore ${
          toHex(c.commBefore)
        } is not 16 bytes of at most 15 non-NUL bytes then zeros`,
      );
    }
    const fixed = new DataView(new ArrayBuffer(ENTRY_FIXED_SIZE));
    fixed.setUint16(0, id.length, true);
    const kind = FD_KINDS[c.fd ?? "ok"];
    if (kind === undefined) throw new Error(`encodeBundle: case ${c.id}: bad fd kind ${c.fd}`);
    fixed.setUint8(18, kind);
    fixed.setBigUint64(19, BigInt.asUintN(64, c.flags ?? 0n), true);
    fixed.setUint32(27, c.image.length, true);
    const f = new Uint8Array(fixed.buffer);
    f.set(c.commBefore, 2);
    parts.push(f.subarray(0, 2), id, f.subarray(2), c.image);
  }
  return concat(parts);
}
