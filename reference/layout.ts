/**
 * The seed's on-disk layouts as data: every record's payload as a table of
 * fields with offset, size and type, padding included, for each ABI.
 *
 * The tables are computed from two inputs: the C struct declarations of
 * `include/linux/ckpt_hdr.h` ({@link STRUCTS}) and each registered ABI's
 * alignment and byte-order rules (`abi.ts`). The encoder, the decoder, the
 * walker, the inspector, the diff and the documentation all read these
 * tables; no offset is written anywhere else.
 *
 * @module
 */
import { type Abi, type AbiName, abiNames, getAbi, registryGeneration } from "./abi.ts";

export type { Abi, AbiName, Endian } from "./abi.ts";

/** Scalar and array types a field can have in the image. */
export type FieldType = "s16" | "s32" | "u16" | "u32" | "u64" | "bytes" | "pad";

/**
 * The C type the kernel's value has before it is stored into the image field.
 * It decides which values a kernel of a given ABI can produce: on i386 a
 * `long` is 32 bits and is sign-extended into a `__u64` field, an
 * `unsigned long` is zero-extended.
 */
export type SourceType = "long" | "nsec" | "ulong" | "int" | "u16" | "u64" | "const" | "raw";

/** One member of a C struct declaration. */
export interface MemberDecl {
  /** Member name, as in the seed's header. */
  readonly name: string;
  /** The member's type in the image. */
  readonly type: Exclude<FieldType, "pad">;
  /** For `bytes`: the array length. */
  readonly count?: number;
  /** The C type of the value the kernel stores into it. */
  readonly source: SourceType;
  /** One line saying what the member holds. */
  readonly doc: string;
}

/** A C struct declaration from the seed's `ckpt_hdr.h`. */
export interface StructDecl {
  /** The C struct's name. */
  readonly cName: string;
  /** Members in declaration order. */
  readonly members: readonly MemberDecl[];
  /** `__attribute__((aligned(N)))` on the whole struct, or 0. */
  readonly alignAttr: number;
}

/** Names of the records the model reads and writes; `HDR` is the 8-byte header. */
export type RecordName = "HDR" | "HEAD" | "TASK" | "STRING" | "TAIL";

/** Record type codes (`enum` in `ckpt_hdr.h`).
 *
 * @example
 * ```ts
 * import { RECORD_TYPES } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(RECORD_TYPES.TAIL, 5001);
 * ```
 */
export const RECORD_TYPES: Readonly<{
  HEAD: 1;
  STRING: 2;
  TASK: 101;
  THREAD: 102;
  CPU: 103;
  MM: 201;
  VMA: 202;
  MM_CONTEXT: 203;
  TAIL: 5001;
}> = Object.freeze(
  {
    HEAD: 1,
    STRING: 2,
    TASK: 101,
    THREAD: 102,
    CPU: 103,
    MM: 201,
    VMA: 202,
    MM_CONTEXT: 203,
    TAIL: 5001,
  } as const,
);

/** `CHECKPOINT_MAGIC_HEAD` from `linux/magic.h`.
 *
 * @example
 * ```ts
 * import { MAGIC_HEAD } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(MAGIC_HEAD.toString(16), "feed0cc0a2d200");
 * ```
 */
export const MAGIC_HEAD = 0x00feed0cc0a2d200n;
/** `CHECKPOINT_MAGIC_TAIL` from `linux/magic.h`.
 *
 * @example
 * ```ts
 * import { MAGIC_TAIL } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(MAGIC_TAIL.toString(16), "2d2a0cc0deef00");
 * ```
 */
export const MAGIC_TAIL = 0x002d2a0cc0deef00n;
/** `CR_VERSION`, written to and required in `HEAD.rev`. */
export const CR_VERSION = 1;
/** `CR_CTX_CKPT`, the context flag checkpoint writes into `HEAD.flags`. */
export const CR_CTX_CKPT = 1n;
/** `TASK_COMM_LEN`: the size of `task_struct.comm`.
 *
 * @example
 * ```ts
 * import { TASK_COMM_LEN } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(TASK_COMM_LEN, 16);
 * ```
 */
export const TASK_COMM_LEN = 16;
/** `__NEW_UTS_LEN`: the bytes of each utsname string copied into HEAD. */
export const UTS_LEN = 64;

const uts = (name: string, doc: string): MemberDecl => ({
  name,
  type: "bytes",
  count: UTS_LEN,
  source: "raw",
  doc,
});
const ulong = (name: string, doc: string): MemberDecl => ({
  name,
  type: "u64",
  source: "ulong",
  doc,
});

/** The seed's struct declarations, one per record payload plus the header. */
export const STRUCTS: Readonly<Record<Exclude<RecordName, "STRING">, StructDecl>> = Object.freeze({
  HDR: {
    cName: "cr_hdr",
    alignAttr: 0,
    members: [
      { name: "type", type: "s16", source: "const", doc: "record type code" },
      { name: "len", type: "s16", source: "const", doc: "payload length in bytes" },
      { name: "parent", type: "u32", source: "const", doc: "parent object reference (0)" },
    ],
  },
  HEAD: {
    cName: "cr_hdr_head",
    alignAttr: 8,
    members: [
      { name: "magic", type: "u64", source: "const", doc: "CHECKPOINT_MAGIC_HEAD" },
      { name: "major", type: "u16", source: "u16", doc: "(LINUX_VERSION_CODE >> 16) & 0xff" },
      { name: "minor", type: "u16", source: "u16", doc: "(LINUX_VERSION_CODE >> 8) & 0xff" },
      { name: "patch", type: "u16", source: "u16", doc: "LINUX_VERSION_CODE & 0xff" },
      { name: "rev", type: "u16", source: "const", doc: "CR_VERSION (1)" },
      { name: "time", type: "u64", source: "long", doc: "seconds, do_gettimeofday tv_sec" },
      { name: "flags", type: "u64", source: "ulong", doc: "ctx->flags (CR_CTX_CKPT)" },
      uts("release", "utsname release, 64 raw bytes"),
      uts("version", "utsname version, 64 raw bytes"),
      uts("machine", "utsname machine, 64 raw bytes"),
    ],
  },
  TASK: {
    cName: "cr_hdr_task",
    alignAttr: 8,
    members: [
      { name: "state", type: "u64", source: "long", doc: "task state (signed long)" },
      { name: "exit_state", type: "u32", source: "int", doc: "exit_state" },
      { name: "exit_code", type: "u32", source: "int", doc: "exit_code" },
      { name: "exit_signal", type: "u32", source: "int", doc: "exit_signal" },
      ulong("utime", "user time (cputime_t)"),
      ulong("stime", "system time (cputime_t)"),
      ulong("utimescaled", "scaled user time"),
      ulong("stimescaled", "scaled system time"),
      ulong("gtime", "guest time"),
      ulong("prev_utime", "previous user time"),
      ulong("prev_stime", "previous system time"),
      ulong("nvcsw", "voluntary context switches"),
      ulong("nivcsw", "involuntary context switches"),
      { name: "start_time_sec", type: "u64", source: "long", doc: "start_time.tv_sec" },
      { name: "start_time_nsec", type: "u64", source: "nsec", doc: "start_time.tv_nsec" },
      { name: "real_start_time_sec", type: "u64", source: "long", doc: "real_start_time.tv_sec" },
      {
        name: "real_start_time_nsec",
        type: "u64",
        source: "nsec",
        doc: "real_start_time.tv_nsec",
      },
      ulong("min_flt", "minor page faults"),
      ulong("maj_flt", "major page faults"),
      {
        name: "task_comm_len",
        type: "s32",
        source: "const",
        doc: "TASK_COMM_LEN; restart allocates this many bytes for comm",
      },
    ],
  },
  TAIL: {
    cName: "cr_hdr_tail",
    alignAttr: 8,
    members: [{ name: "magic", type: "u64", source: "const", doc: "CHECKPOINT_MAGIC_TAIL" }],
  },
});

/** One field of a record layout: where it is and how to read it. */
export interface Field {
  /** The record it belongs to. */
  readonly record: RecordName;
  /** Member name, or `pad@N` for padding. */
  readonly name: string;
  /** Offset inside the payload (or inside the header for `HDR`). */
  readonly offset: number;
  /** Size in bytes. */
  readonly size: number;
  /** Image type. */
  readonly type: FieldType;
  /** C type of the kernel value that fills it (`raw` for padding). */
  readonly source: SourceType;
  /** One line saying what it holds. */
  readonly doc: string;
}

/** A record's computed layout for one ABI. */
export interface RecordLayout {
  /** Record name. */
  readonly name: RecordName;
  /** `sizeof` the struct on this ABI. */
  readonly size: number;
  /** All fields in offset order, padding included; they tile [0, size). */
  readonly fields: readonly Field[];
  /** Fields by member name (padding excluded). */
  readonly byName: Readonly<Record<string, Field>>;
}

/** Every computed layout of one ABI. */
export interface AbiLayout {
  /** The ABI these layouts are for. */
  readonly abi: Abi;
  /** The 8-byte record header. */
  readonly HDR: RecordLayout;
  /** HEAD payload. */
  readonly HEAD: RecordLayout;
  /** TASK payload. */
  readonly TASK: RecordLayout;
  /** TAIL payload. */
  readonly TAIL: RecordLayout;
}

function scalarSize(type: Exclude<FieldType, "pad" | "bytes">): number {
  return type === "u64" ? 8 : type === "u32" || type === "s32" ? 4 : 2;
}

function alignOf(abi: Abi, m: MemberDecl): number {
  if (m.type === "bytes") return 1;
  if (m.type === "u64") return abi.u64Align;
  return scalarSize(m.type);
}

/**
 * Computes a struct's layout under an ABI's C alignment rules: each member at
 * the next multiple of its alignment, the size rounded up to the largest of
 * the members' alignments and the struct's `aligned` attribute. Gaps become
 * `pad` fields so that the fields tile the whole struct.
 */
export function computeLayout(abi: Abi, name: RecordName, decl: StructDecl): RecordLayout {
  const fields: Field[] = [];
  const pad = (offset: number, size: number) =>
    fields.push({
      record: name,
      name: `pad@${offset}`,
      offset,
      size,
      type: "pad",
      source: "raw",
      doc: "padding: never written by checkpoint",
    });
  let offset = 0;
  let maxAlign = decl.alignAttr || 1;
  for (const m of decl.members) {
    const align = alignOf(abi, m);
    maxAlign = Math.max(maxAlign, align);
    const at = Math.ceil(offset / align) * align;
    if (at > offset) pad(offset, at - offset);
    const size = m.type === "bytes" ? m.count ?? 0 : scalarSize(m.type);
    fields.push({
      record: name,
      name: m.name,
      offset: at,
      size,
      type: m.type,
      source: m.source,
      doc: m.doc,
    });
    offset = at + size;
  }
  const size = Math.ceil(offset / maxAlign) * maxAlign;
  if (size > offset) pad(offset, size - offset);
  const byName: Record<string, Field> = {};
  for (const f of fields) if (f.type !== "pad") byName[f.name] = f;
  return Object.freeze({
    name,
    size,
    fields: Object.freeze(fields),
    byName: Object.freeze(byName),
  });
}

function layoutsFor(abi: Abi): AbiLayout {
  return Object.freeze({
    abi,
    HDR: computeLayout(abi, "HDR", STRUCTS.HDR),
    HEAD: computeLayout(abi, "HEAD", STRUCTS.HEAD),
    TASK: computeLayout(abi, "TASK", STRUCTS.TASK),
    TAIL: computeLayout(abi, "TAIL", STRUCTS.TAIL),
  });
}

const layoutCache = new Map<AbiName, AbiLayout>();
let cachedGeneration = -1;

/**
 * The computed layouts of a registered ABI (cached until the registry changes).
 *
 * @throws {InputError} when the ABI is not registered.
 *
 * @example
 * ```ts
 * import { layoutOf } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(layoutOf("x86_64").TASK.size, 152);
 * strictEqual(layoutOf("i386").TASK.byName["utime"]!.offset, 20);
 * ```
 */
export function layoutOf(abi: AbiName): AbiLayout {
  if (cachedGeneration !== registryGeneration()) {
    layoutCache.clear();
    cachedGeneration = registryGeneration();
  }
  let l = layoutCache.get(abi);
  if (!l) layoutCache.set(abi, l = layoutsFor(getAbi(abi)));
  return l;
}

/**
 * Another registered ABI whose TASK layout differs from `abi`'s (the first
 * such in registry order), for cases that feed one ABI's image to another;
 * `undefined` when there is none.
 */
export function foreignAbi(abi: AbiName): AbiName | undefined {
  const size = layoutOf(abi).TASK.size;
  return abiNames().find((a) => a !== abi && layoutOf(a).TASK.size !== size);
}

/** Looks up the field covering `offset` in a record layout (padding included). */
export function fieldAt(layout: RecordLayout, offset: number): Field | undefined {
  for (const f of layout.fields) {
    if (offset >= f.offset && offset < f.offset + f.size) return f;
  }
  return undefined;
}

/** Fetches a named field, failing loudly on a typo (a programming error, not bad input). */
export function field(layout: RecordLayout, name: string): Field {
  const f = layout.byName[name];
  if (!f) throw new Error(`no field ${layout.name}.${name}`);
  return f;
}

/** The member names of the TASK record that carry the task's state (all but task_comm_len). */
export const TASK_STATE_FIELDS: readonly string[] = Object.freeze(
  STRUCTS.TASK.members.filter((m) => m.name !== "task_comm_len").map((m) => m.name),
);

/**
 * Size in bytes of a whole checkpoint image for an ABI: HEAD, TASK, STRING of
 * `TASK_COMM_LEN` bytes and TAIL, each behind its header.
 *
 * @example
 * ```ts
 * import { imageSize } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(imageSize("x86_64"), 432);
 * strictEqual(imageSize("i386"), 424);
 * ```
 */
export function imageSize(abi: AbiName): number {
  const l = layoutOf(abi);
  return 4 * l.HDR.size + l.HEAD.size + l.TASK.size + TASK_COMM_LEN + l.TAIL.size;
}
