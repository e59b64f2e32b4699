/**
 * The recorder behind `explainRestart`: a {@link RestartTraceSink} that
 * words each read and check of `restartShadow`, keeps where every byte of
 * the model's memory came from (an image offset, an earlier record's
 * payload, or never written), and says for an undecidable check which
 * contents of the unwritten bytes would decide it how (those contents as
 * data come from `explain_deciding.ts`).
 *
 * One cohesive thing: the recorder — the provenance of every byte and the
 * branch of every check, worded from the same state as the run goes.
 *
 * @module
 */
import { toHex, writeField } from "./bytes.ts";
import {
  CR_CTX_CKPT,
  CR_VERSION,
  type Field,
  layoutOf,
  MAGIC_HEAD,
  MAGIC_TAIL,
  RECORD_TYPES,
  type RecordName,
  TASK_COMM_LEN,
} from "./layout.ts";
import { Sym, type Tri } from "./shadow.ts";
import type { CheckedValue, ReadPart, RestartTraceSink } from "./trace.ts";
import type { Profile, RestartEnv, UndefinedSource, UnwrittenFill } from "./types.ts";
import {
  type ExplainStep,
  fillAtSpec,
  hex3,
  SEED_LINES,
  seedLineOf,
  type UnwrittenByte,
} from "./explain_steps.ts";
import { type Branch, decidingContents } from "./explain_deciding.ts";

/**
 * Where one byte of model memory came from: an image offset (read as part of
 * `rec`), never written, or never written but given a value by a what-if fill.
 */
type Origin =
  | { rec: RecordName; at: number }
  | { never: UndefinedSource }
  | { filled: UndefinedSource };

/** Origins of a block of never-written `source` memory, with the bytes `fill` names given values. */
function unwrittenOrigins(
  size: number,
  source: UndefinedSource,
  fill: ReadonlyMap<number, number> | undefined,
): Origin[] {
  return Array.from(
    { length: size },
    (_, i) => (fill?.has(i) ? { filled: source } : { never: source }),
  );
}

/** Runs of bytes with the same origin kind, worded. */
function describeOrigins(
  origins: readonly Origin[],
  from: number,
  size: number,
  current: RecordName,
  where: string,
): string[] {
  const out: string[] = [];
  let i = from;
  while (i < from + size) {
    const o = origins[i]!;
    let j = i + 1;
    while (j < from + size) {
      const p = origins[j]!;
      if ("never" in o) {
        if (!("never" in p) || p.never !== o.never) break;
      } else if ("filled" in o) {
        if (!("filled" in p) || p.filled !== o.filled) break;
      } else if (
        !("rec" in p) || p.rec !== o.rec || p.at !== o.at + (j - i)
      ) break;
      j++;
    }
    const span = j - i === 1 ? `byte ${i - from}` : `bytes ${i - from}..${j - 1 - from}`;
    const at = j - i === 1 ? hex3(i) : `${hex3(i)}..${hex3(j - 1)}`;
    if ("never" in o) {
      out.push(`${span}: never written (${o.never}: ${where} ${at})`);
    } else if ("filled" in o) {
      out.push(`${span}: never written, given contents by the fill (${o.filled}: ${where} ${at})`);
    } else {
      const img = `image ${hex3(o.at)}..${hex3(o.at + j - i - 1)}`;
      out.push(
        o.rec === current
          ? `${span}: ${img}`
          : `${span}: stale, left in the ${where} by ${o.rec}'s payload read (${img})`,
      );
    }
    i = j;
  }
  return out;
}

/** A symbolic value as text: decimal when defined, else its bytes with `??` for unknown ones. */
function symText(s: Sym): string {
  if (s.defined) {
    const n = s.number;
    return Math.abs(n) < 10 ? String(n) : `${n} (0x${s.value.toString(16)})`;
  }
  const bytes = s.bits / 8;
  let t = "0x";
  for (let b = bytes - 1; b >= 0; b--) {
    const sh = BigInt(b * 8);
    const k = (s.known >> sh) & 0xffn;
    t += k === 0xffn ? ((s.value >> sh) & 0xffn).toString(16).padStart(2, "0") : "??";
  }
  return `${t} (${bytes - countKnown(s)} of ${bytes} bytes never written)`;
}

function countKnown(s: Sym): number {
  let n = 0;
  for (let b = 0; b < s.bits / 8; b++) if (((s.known >> BigInt(b * 8)) & 0xffn) === 0xffn) n++;
  return n;
}

const valueText = (v: CheckedValue) => (v instanceof Sym ? symText(v) : String(v));

/** The record a check id belongs to (`syscall` for the argument checks). */
const recordOfId = (id: string): RecordName | "syscall" =>
  (/^(HEAD|TASK|STRING|TAIL)\./.exec(id)?.[1] as RecordName | undefined) ?? "syscall";

/** Records `restartShadow`'s steps with the provenance of every byte it reads. */
export class RestartRecorder implements RestartTraceSink {
  readonly steps: ExplainStep[] = [];
  readonly l;
  readonly hbuf: Origin[];
  hdr: Origin[] = [];
  kmalloc: Origin[] = [];
  /** Occurrences of each check id so far (a parent is tested twice). */
  readonly seen = new Map<string, number>();
  /** STRING's expected length: TASK's task_comm_len, once read. */
  tcl = 0;
  current: RecordName = "HEAD";
  /** Header reads so far: the current header's index in {@link UnwrittenFill.stack} is one less. */
  headers = 0;

  constructor(
    readonly env: RestartEnv,
    readonly profile: Profile,
    /** The what-if contents of never-written memory the run was given, if any. */
    readonly fill?: UnwrittenFill,
  ) {
    this.l = layoutOf(env.abi);
    const size = Math.max(this.l.HEAD.size, this.l.TASK.size, this.l.TAIL.size);
    this.hbuf = unwrittenOrigins(size, "page", fill?.page);
  }

  /** The never-written bytes of `buf` at `from`..`from + size - 1`, as a fill names them. */
  unwrittenIn(buf: readonly Origin[], from: number, size: number): UnwrittenByte[] {
    const out: UnwrittenByte[] = [];
    for (let i = from; i < from + size; i++) {
      const o = buf[i]!;
      if (!("never" in o)) continue;
      out.push(
        o.never === "stack"
          ? { memory: "stack", header: this.headers - 1, offset: i }
          : { memory: o.never, offset: i },
      );
    }
    return out;
  }

  /** The size `rec`'s payload must fit in (`n` of `cr_read_obj_type`). */
  n(rec: RecordName): number {
    return rec === "STRING" ? this.tcl : rec === "HDR" ? this.l.HDR.size : this.l[rec].size;
  }

  read(rec: RecordName, part: ReadPart, asked: number, got: number, from: number): void {
    this.current = rec;
    let into: Origin[];
    let where: string;
    if (part === "header") {
      const header = this.headers++;
      into = this.hdr = unwrittenOrigins(asked, "stack", this.fill?.stack?.[header]);
      where = "the header `struct cr_hdr h` on the stack";
    } else if (rec === "STRING") {
      into = this.kmalloc = unwrittenOrigins(this.tcl, "kmalloc", this.fill?.kmalloc);
      where = `the kmalloc'd buffer of task_comm_len ${this.tcl} bytes (not zeroed)`;
    } else {
      into = this.hbuf;
      where = "the scratch buffer (two pages, not zeroed; shared by HEAD, TASK and TAIL)";
    }
    for (let i = 0; i < got; i++) into[i] = { rec, at: from + i };
    const eof = got < asked
      ? `; end of file after ${got} bytes: the rest of ${where} keeps what it held`
      : "";
    this.steps.push({
      kind: "read",
      id: `read.${part}`,
      text: `read ${rec} ${part}: asked ${asked}, file gave ${got}, position ${hex3(from)} → ${
        hex3(from + got)
      } into ${where}${eof}`,
      source: SEED_LINES[got < asked ? "read.eof" : `read.${part}`],
    });
  }

  branch(id: string, occ: number): Branch {
    const rec = recordOfId(id);
    const k = this.env.kernel;
    const hardened = this.profile === "hardened";
    const EINVAL = "→ -EINVAL";
    const go = "→ continue";
    if (id === "flags") return { cond: "flags != 0", yes: EINVAL, no: go };
    if (id === "fd") return { cond: "fget(fd) fails", yes: "→ -EBADF", no: go };
    if (id === "read") {
      return { cond: "file not open for reading", yes: "first read → -EBADF", no: go };
    }
    if (id.endsWith(".hdr.eof")) {
      return { cond: `header got < ${this.l.HDR.size} bytes`, yes: "→ -EPIPE (H-EOF)", no: go };
    }
    if (id.endsWith(".payload.eof")) {
      return { cond: "payload got < len bytes", yes: "→ -EPIPE (H-EOF)", no: go };
    }
    if (id.endsWith(".hdr.len")) {
      const n = this.n(rec as RecordName);
      return occ === 1
        ? {
          cond: `len < 0 || len > ${n}`,
          yes: EINVAL,
          no: go,
          want: { range: [0n, BigInt(n)] },
        }
        : { cond: `len != ${n} (H-LEN)`, yes: EINVAL, no: go };
    }
    if (id.endsWith(".hdr.type")) {
      const t = RECORD_TYPES[rec as keyof typeof RECORD_TYPES];
      return { cond: `type != ${t} (CR_HDR_${rec})`, yes: EINVAL, no: go, want: { eq: BigInt(t) } };
    }
    if (id === "STRING.hdr.parent") {
      if (hardened) return { cond: "parent != 0 (H-PARENT)", yes: EINVAL, no: go };
      return occ === 1
        ? {
          cond: "parent == 0 (cr_read_string returned 0)",
          yes: "copy comm",
          no: "the parent travels up as cr_read_task_struct's value",
          want: { eq: 0n },
        }
        : {
          cond: "parent < 0 as an int",
          yes: "→ returned as the syscall's value",
          no: "positive: comm left alone, restart goes on",
          want: { sign: true },
        };
    }
    if (id.endsWith(".hdr.parent")) {
      return occ === 1
        ? {
          cond: "parent < 0 as an int",
          yes: hardened ? "→ -EINVAL (H-PARENT)" : "→ returned as the syscall's value",
          no: go,
          want: { sign: true },
        }
        : { cond: "parent != 0", yes: EINVAL, no: go, want: { eq: 0n } };
    }
    const eq = (name: string, v: bigint) => ({
      cond: `${name} != 0x${v.toString(16)}`,
      yes: EINVAL,
      no: go,
      want: { eq: v },
    });
    switch (id) {
      case "HEAD.magic":
        return eq("magic", MAGIC_HEAD);
      case "HEAD.rev":
        return eq("rev", BigInt(CR_VERSION));
      case "HEAD.major":
        return eq("major", BigInt(k.major));
      case "HEAD.minor":
        return eq("minor", BigInt(k.minor));
      case "HEAD.patch":
        return eq("patch", BigInt(k.patch));
      case "TAIL.magic":
        return eq("magic", MAGIC_TAIL);
      case "HEAD.flags":
        return {
          cond: `flags & ~CR_CTX_CKPT (0x${CR_CTX_CKPT.toString(16)})`,
          yes: EINVAL,
          no: go,
          want: { noBits: CR_CTX_CKPT },
        };
      case "TASK.task_comm_len": {
        const lo = hardened ? 1n : 0n;
        const hi = BigInt(this.l.abi.pageSize);
        return {
          cond: `task_comm_len < ${lo} || task_comm_len > PAGE_SIZE (${hi})`,
          yes: EINVAL,
          no: go,
          want: { range: [lo, hi] },
        };
      }
    }
    throw new Error(`explain: no branch text for check ${id}`);
  }

  check(id: string, offset: number, f: Field | undefined, value: CheckedValue, verdict: Tri): void {
    const occ = (this.seen.get(id) ?? 0) + 1;
    this.seen.set(id, occ);
    const rec = recordOfId(id);
    if (id === "TASK.task_comm_len" && value instanceof Sym && value.defined) {
      this.tcl = value.number;
    }
    const b = this.branch(id, occ);
    let bytes: string[] | undefined;
    let buf: Origin[] | undefined;
    let where = "";
    if (f && rec !== "syscall") {
      const inHeader = f.record === "HDR";
      buf = inHeader ? this.hdr : this.hbuf;
      where = inHeader ? "stack header" : "scratch buffer";
      bytes = describeOrigins(buf, f.offset, f.size, rec, where);
    }
    const name = f
      ? `${rec}.${f.record === "HDR" ? "hdr." : ""}${f.name}`
      : id === "flags"
      ? "flags"
      : id === "fd" || id === "read"
      ? "file"
      : "bytes read";
    const then = verdict === "unknown" ? "→ the outcome is undefined" : verdict ? b.yes : b.no;
    const text = `${id}: ${name} = ${valueText(value)}${f ? ` @${hex3(offset)}` : ""}; ${b.cond}? ${
      verdict === "unknown" ? "unknown" : verdict ? "yes" : "no"
    } ${then}`;
    const unwritten = f && buf ? this.unwrittenIn(buf, f.offset, f.size) : [];
    const deciding = verdict === "unknown" && value instanceof Sym && f && buf
      ? decidingContents(value, f, this.l.abi.endian, unwritten, b)
      : undefined;
    const unknown = verdict === "unknown" && value instanceof Sym && f && buf
      ? [
        ...this.whatWouldChange(value, f, buf, where, b),
        ...(deciding?.length
          ? [
            `seed-c --fill-at contents that decide it: ${
              deciding.map((d) => `${fillAtSpec(d.bytes)} ${d.then}`).join("; ")
            }`,
          ]
          : []),
      ]
      : undefined;
    this.steps.push({
      kind: "check",
      id,
      text,
      verdict,
      bytes,
      unknown,
      unwritten: unwritten.length ? unwritten : undefined,
      deciding,
      source: seedLineOf(
        id,
        "restart",
        id === "STRING.hdr.parent" && this.profile === "hardened" ? 1 : occ,
      ),
    });
  }

  /** Which never-written bytes an undecidable check depends on, and which contents decide it how. */
  whatWouldChange(s: Sym, f: Field, buf: readonly Origin[], where: string, b: Branch): string[] {
    const out: string[] = [];
    const endian = this.l.abi.endian;
    const unknownAt: number[] = [];
    for (let i = 0; i < f.size; i++) if ("never" in buf[f.offset + i]!) unknownAt.push(i);
    const src = unknownAt.length ? (buf[f.offset + unknownAt[0]!] as { never: string }).never : "?";
    out.push(
      `depends on ${unknownAt.length} never-written ${src} byte(s): ${where} ${
        unknownAt.map((i) => hex3(f.offset + i)).join(", ")
      } (byte ${unknownAt.join(", ")} of ${f.name})`,
    );
    const w = b.want;
    if (w && "eq" in w) {
      const bytes = new Uint8Array(f.size);
      writeField(bytes, f, endian, BigInt.asUintN(f.size * 8, w.eq), -f.offset);
      out.push(
        `only the contents ${
          unknownAt.map((i) => toHex(bytes.subarray(i, i + 1))).join(" ")
        } make it equal 0x${w.eq.toString(16)} (then: ${
          b.cond.includes("==") ? b.yes : b.no
        }); any other contents: ${b.cond.includes("==") ? b.no : b.yes}`,
      );
    } else if (w && "range" in w) {
      const [lo, hi] = w.range;
      const extra = f.name === "len"
        ? " (an accepted len also sets how many payload bytes are read)"
        : "";
      if (unknownAt.length === 1) {
        // One unknown byte: every content, grouped into runs with the same branch.
        const i = unknownAt[0]!;
        const sig = BigInt(8 * (endian === "little" ? i : f.size - 1 - i));
        const bits = f.size * 8;
        const runs: string[] = [];
        let start = 0;
        const inRange = (byte: number) => {
          const raw = (s.value & ~(0xffn << sig)) | (BigInt(byte) << sig);
          const v = s.signed ? BigInt.asIntN(bits, raw) : raw;
          return v >= lo && v <= hi;
        };
        for (let byte = 1; byte <= 256; byte++) {
          if (byte < 256 && inRange(byte) === inRange(start)) continue;
          const span = byte - 1 === start
            ? `0x${start.toString(16).padStart(2, "0")}`
            : `0x${start.toString(16).padStart(2, "0")}..0x${
              (byte - 1).toString(16).padStart(2, "0")
            }`;
          runs.push(`${span} ${inRange(start) ? b.no : b.yes}`);
          start = byte;
        }
        out.push(`contents of that byte: ${runs.join("; ")}${extra}`);
      } else {
        const r = s.range();
        out.push(
          `those bytes let the value be ${r.min}..${r.max}: ${lo}..${hi}: ${b.no}; anything else ${b.yes}${extra}`,
        );
      }
    } else if (w && "noBits" in w) {
      out.push(
        `all bits other than 0x${w.noBits.toString(16)} clear: ${b.no}; any of them set ${b.yes}`,
      );
    } else if (w && "sign" in w) {
      out.push(
        `the sign byte is never written: 0x80..0xff: ${b.yes}; 0x00..0x7f: ${b.no}`,
      );
    }
    return out;
  }

  comm(copied: number, nul: boolean): void {
    const bytes = describeOrigins(this.kmalloc, 0, copied, "STRING", "kmalloc buffer");
    this.steps.push({
      kind: "comm",
      id: "comm.copy",
      text:
        `comm zeroed, then min(task_comm_len, ${TASK_COMM_LEN}) = ${copied} bytes copied from the STRING buffer${
          nul ? "; byte 15 forced to 0 (H-NUL)" : "; no NUL forced"
        }`,
      bytes,
      unwritten: this.unwrittenIn(this.kmalloc, 0, copied),
      source: SEED_LINES["comm.copy"],
    });
  }
}
