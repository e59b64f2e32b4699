/**
 * The restart model's concrete path: the same state machine as
 * `restart.ts`, on plain bytes and numbers, for runs in which every byte a
 * check reads was written (by the image, or by an earlier record of the same
 * run). Most runs are such runs: well-formed images, and most rejected ones.
 *
 * It tracks what was written as high-water marks (every read into a buffer
 * starts at its offset 0): the scratch buffer, the header on the stack and
 * the STRING's `kmalloc` buffer. The moment a check would read a byte past a
 * mark (a never-written byte, whose value the seed does not define), it gives
 * up and returns `undefined`; the shadow path then decides the whole run
 * again, with per-byte definedness. When it does answer, the outcome is the
 * shadow path's, field for field (`cases/restart_paths_test.ts` compares the
 * two over the default suite and fuzzed images, both ABIs, both profiles).
 *
 * Field offsets and sizes come from the layout tables of the ABI; the types
 * it reads are the seed's declarations, checked against the tables at load.
 *
 * One cohesive thing: the same state machine as `restart.ts`, check for
 * check in the same order, so the two can be read side by side.
 *
 * @module
 */
import { copyBytes, newBytes } from "./bytes.ts";
import { ERRNO } from "./errors.ts";
import { ioDecision, ioErrorAt, ioFails } from "./file_io.ts";
import {
  type AbiLayout,
  CR_CTX_CKPT,
  CR_VERSION,
  type Field,
  field,
  layoutOf,
  MAGIC_HEAD,
  MAGIC_TAIL,
  RECORD_TYPES,
  type RecordName,
  STRUCTS,
  TASK_COMM_LEN,
} from "./layout.ts";
import type { Decision, Maybe, Profile, RestartEnv, RestartOutcome } from "./types.ts";

/** A field as this path reads it: where, how wide, and the mask of its width (at most 32 bits). */
interface Slot {
  readonly f: Field;
  readonly offset: number;
  readonly size: number;
  readonly mask: number;
}

/** Per ABI: the slots restart reads, and the buffer sizes. */
interface Plan {
  readonly little: boolean;
  readonly page: number;
  readonly hdrSize: number;
  readonly headSize: number;
  readonly taskSize: number;
  readonly tailSize: number;
  readonly hType: Slot;
  readonly hLen: Slot;
  readonly hParent: Slot;
  /** HEAD's checked fields in the seed's order: magic, rev, major, minor, patch. */
  readonly headChecks: readonly Slot[];
  readonly headFlags: Slot;
  readonly taskCommLen: Slot;
  readonly tailMagic: Slot;
  /** The constants compared, as [high, low] 32-bit halves over their field's width. */
  readonly magicHead: readonly [number, number];
  readonly magicTail: readonly [number, number];
  /** `~CR_CTX_CKPT` over the flags field's width. */
  readonly flagsMask: readonly [number, number];
}

/** Every comm byte defined, and no source: shared by every concrete outcome (read only). */
const ALL_DEFINED: readonly boolean[] = Object.freeze(Array(TASK_COMM_LEN).fill(true));
const NO_SOURCE: readonly undefined[] = Object.freeze(Array(TASK_COMM_LEN).fill(undefined));

const plans = new WeakMap<AbiLayout, Plan>();

/**
 * The field types this path reads, by record and name: the seed's struct
 * declarations fix them for every ABI (an ABI changes offsets, sizes of
 * padding and byte order, never these). Checked against the tables once.
 */
const READS = {
  "HDR.type": "s16",
  "HDR.len": "s16",
  "HDR.parent": "u32",
  "HEAD.magic": "u64",
  "HEAD.rev": "u16",
  "HEAD.major": "u16",
  "HEAD.minor": "u16",
  "HEAD.patch": "u16",
  "HEAD.flags": "u64",
  "TASK.task_comm_len": "s32",
  "TAIL.magic": "u64",
} as const;
const declared = Object.entries(STRUCTS).flatMap(([rec, d]) =>
  d.members.map((m) => [`${rec}.${m.name}`, m.type] as const)
);
const changed = Object.entries(READS).filter(([k, t]) =>
  !declared.some(([n, u]) => n === k && u === t)
);
if (changed.length) throw new Error(`restart_concrete: field types changed: ${changed.join("; ")}`);

function slotOf(f: Field): Slot {
  const size = f.size;
  return { f, offset: f.offset, size, mask: size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1 };
}

/** The plan of an ABI's layout (made once per layout). */
function planOf(l: AbiLayout): Plan {
  let p = plans.get(l);
  if (p) return p;
  const s = (rec: "HDR" | "HEAD" | "TASK" | "TAIL", name: string) => slotOf(field(l[rec], name));
  const headChecks = ["magic", "rev", "major", "minor", "patch"].map((n) => s("HEAD", n));
  p = {
    little: l.abi.endian === "little",
    page: l.abi.pageSize,
    hdrSize: l.HDR.size,
    headSize: l.HEAD.size,
    taskSize: l.TASK.size,
    tailSize: l.TAIL.size,
    hType: s("HDR", "type"),
    hLen: s("HDR", "len"),
    hParent: s("HDR", "parent"),
    headChecks,
    headFlags: s("HEAD", "flags"),
    taskCommLen: s("TASK", "task_comm_len"),
    tailMagic: s("TAIL", "magic"),
    magicHead: halves(MAGIC_HEAD),
    magicTail: halves(MAGIC_TAIL),
    flagsMask: halves(~CR_CTX_CKPT),
  };
  plans.set(l, p);
  return p;
}

/** Thrown when a read loop ends in the file's error (`env.io.errorAfter`). */
const IO_FAILED = new Error("the file failed");

/** Thrown when a check would read a never-written byte: the shadow path decides. */
const GIVE_UP = Symbol("give up");

/**
 * The scratch buffer's layers: each record read into it wrote its payload
 * from offset 0, so byte `o` is the newest payload's that reached past `o`
 * (payload `i` starts at image offset `LAYER_START[i]` and has
 * `LAYER_GOT[i]` bytes). Reused from run to run: restart is synchronous.
 */
const LAYER_START = new Int32Array(8);
const LAYER_GOT = new Int32Array(8);

const defined = <T>(value: T): Maybe<T> => ({ defined: true, value });

/** A 64-bit constant as two unsigned 32-bit halves (high, low): how its u64 field is read. */
function halves(c: bigint): [hi: number, lo: number] {
  const u = BigInt.asUintN(64, c);
  return [Number(u >> 32n), Number(u & 0xffffffffn)];
}

class Concrete {
  pos = 0;
  /** Payloads read into the scratch buffer so far (see {@link LAYER_START}). */
  layers = 0;
  /** The current record's header: where it starts in the image, and how many bytes were read. */
  hdrStart = 0;
  hdrGot = 0;
  /** The STRING payload in the `kmalloc` buffer: where it starts in the image, and its bytes. */
  kStart = 0;
  kGot = 0;
  /** The comm bytes now (always all defined on this path). */
  comm: Uint8Array;
  /** Whether {@link comm} is this run's own array (else the caller's, copied into the outcome). */
  ownComm = false;
  readonly counter: number;
  readonly hardened: boolean;
  /** Where the file fails (Infinity: never). */
  readonly errorAt: number;
  /** A field's raw value from the last read: the low 32 bits, and the high 32 of an 8-byte one. */
  lo = 0;
  hi = 0;

  constructor(
    readonly p: Plan,
    readonly image: Uint8Array,
    readonly env: RestartEnv,
    profile: Profile,
  ) {
    this.hardened = profile === "hardened";
    this.comm = env.comm;
    this.counter = (env.counter ?? 0) + 1;
    this.errorAt = ioErrorAt(env.io);
  }

  outcome(ret: number, d: Decision): RestartOutcome {
    return {
      ret: defined(ret),
      consumed: defined(this.pos),
      comm: this.ownComm ? this.comm : copyBytes(this.comm),
      commDefined: ALL_DEFINED,
      commSource: NO_SOURCE,
      counter: this.counter,
      decision: d,
    };
  }

  fail(
    errno: number,
    record: RecordName,
    check: string,
    offset: number,
    detail: string,
    f?: Field,
  ) {
    return this.outcome(-errno, { record, check, offset, detail, field: f });
  }

  /** Reads field `s` from the image bytes at `at` (its first byte) into {@link lo}/{@link hi}. */
  load(at: number, s: Slot): void {
    const image = this.image, size = s.size, little = this.p.little;
    let hi = 0, lo = 0;
    for (let i = 0; i < size; i++) {
      const sig = size - 1 - i; // significance of this byte: 0 is the least
      const b = image[at + (little ? sig : i)]!;
      if (sig >= 4) hi = hi * 256 + b;
      else lo = lo * 256 + b;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** Reads a header field of the current record; gives up when a byte of it was never read. */
  getHdr(s: Slot): void {
    if (s.offset + s.size > this.hdrGot) throw GIVE_UP;
    this.load(this.hdrStart + s.offset, s);
  }

  /** Byte `o` of the scratch buffer: the newest payload's that reached it; gives up when none did. */
  scratchByte(o: number): number {
    for (let i = this.layers - 1; i >= 0; i--) {
      if (o < LAYER_GOT[i]!) return this.image[LAYER_START[i]! + o]!;
    }
    throw GIVE_UP;
  }

  /** Reads a field of the scratch buffer (stale bytes of earlier records included). */
  getScratch(s: Slot): void {
    const top = this.layers - 1;
    const end = s.offset + s.size;
    if (top >= 0 && end <= LAYER_GOT[top]!) return this.load(LAYER_START[top]! + s.offset, s);
    let hi = 0, lo = 0;
    for (let i = 0; i < s.size; i++) {
      const sig = s.size - 1 - i;
      const b = this.scratchByte(s.offset + (this.p.little ? sig : i));
      if (sig >= 4) hi = hi * 256 + b;
      else lo = lo * 256 + b;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** The last field read (an `s16` or `s32`) as a signed number. */
  signed(s: Slot): number {
    const shift = 32 - s.size * 8;
    return (this.lo << shift) >> shift;
  }

  /** The last field's raw bits as a bigint (for messages). */
  raw(s: Slot): bigint {
    return s.size === 8 ? (BigInt(this.hi) << 32n) | BigInt(this.lo) : BigInt(this.lo);
  }

  /** `cr_kread` of up to `count` bytes: how many there are before end of file (the position moves). */
  read(count: number): number {
    // A file that fails at byte N: the loop that reaches N returns its error (file_io.ts).
    if (ioFails(this.pos, count, this.image.length, this.errorAt)) {
      this.pos = this.errorAt;
      throw IO_FAILED;
    }
    const got = Math.min(count, this.image.length - this.pos);
    this.pos += got;
    return got;
  }

  /**
   * `cr_read_obj_type` into the scratch buffer (`kmalloc`: into the STRING's
   * buffer): the parent as an `int`, or an outcome when a check rejects the
   * record.
   */
  readObj(rec: RecordName, kmalloc: boolean, n: number, type: number): number | RestartOutcome {
    const p = this.p;
    const start = this.hdrStart = this.pos;
    const got = this.hdrGot = this.read(p.hdrSize);
    if (this.hardened && got < p.hdrSize) {
      return this.fail(
        ERRNO.EPIPE,
        rec,
        `${rec}.hdr.eof`,
        this.pos,
        `end of file after ${got} of ${p.hdrSize} header bytes`,
      );
    }
    this.getHdr(p.hLen);
    const len = this.signed(p.hLen);
    const lenAt = start + p.hLen.offset;
    if (len < 0 || len > n) {
      return this.fail(
        ERRNO.EINVAL,
        rec,
        `${rec}.hdr.len`,
        lenAt,
        `len ${len} not in 0..${n}`,
        p.hLen.f,
      );
    }
    if (this.hardened && len !== n) {
      return this.fail(ERRNO.EINVAL, rec, `${rec}.hdr.len`, lenAt, `len ${len} != ${n}`, p.hLen.f);
    }
    const from = this.pos;
    const gotPayload = this.read(len);
    if (kmalloc) {
      this.kStart = from;
      this.kGot = gotPayload;
    } else {
      LAYER_START[this.layers] = from;
      LAYER_GOT[this.layers++] = gotPayload;
    }
    if (this.hardened && gotPayload < len) {
      return this.fail(
        ERRNO.EPIPE,
        rec,
        `${rec}.payload.eof`,
        this.pos,
        `end of file after ${gotPayload} of ${len} payload bytes`,
      );
    }
    this.getHdr(p.hType);
    const t = this.signed(p.hType);
    if (t !== type) {
      return this.fail(
        ERRNO.EINVAL,
        rec,
        `${rec}.hdr.type`,
        start + p.hType.offset,
        `type ${t} != ${type}`,
        p.hType.f,
      );
    }
    this.getHdr(p.hParent);
    // `return h.parent` as an int: the low 32 bits, signed.
    return this.lo | 0;
  }

  /** The seed's quirk: a parent ≥ 0x80000000 is the syscall's return value. */
  returnParent(rec: RecordName, parent: number, at: number): RestartOutcome {
    return this.outcome(parent, {
      record: rec,
      check: `${rec}.hdr.parent`,
      offset: at,
      detail: "parent >= 0x80000000 returned as the syscall's value",
      field: this.p.hParent.f,
    });
  }

  /** HEAD, TASK and TAIL's parent: negative → returned as is (seed); non-zero → -EINVAL. */
  parentZero(rec: RecordName, parent: number, start: number): RestartOutcome | undefined {
    const f = this.p.hParent.f;
    const at = start + f.offset;
    if (parent < 0) {
      if (this.hardened) {
        return this.fail(
          ERRNO.EINVAL,
          rec,
          `${rec}.hdr.parent`,
          at,
          `parent 0x${(parent >>> 0).toString(16)} != 0`,
          f,
        );
      }
      return this.returnParent(rec, parent, at);
    }
    if (parent !== 0) {
      return this.fail(ERRNO.EINVAL, rec, `${rec}.hdr.parent`, at, `parent ${parent} != 0`, f);
    }
    return undefined;
  }

  head(): RestartOutcome | undefined {
    const p = this.p;
    const start = this.pos;
    const parent = this.readObj("HEAD", false, p.headSize, RECORD_TYPES.HEAD);
    if (typeof parent !== "number") return parent;
    const bad = this.parentZero("HEAD", parent, start);
    if (bad) return bad;
    const k = this.env.kernel;
    // Every field is read first: a never-written one anywhere leaves the verdict to the shadow path.
    let first = -1;
    const checks = p.headChecks;
    for (let i = 0; i < checks.length; i++) {
      const s = checks[i]!;
      this.getScratch(s);
      if (first >= 0) continue;
      if (i === 0) {
        if (this.hi !== p.magicHead[0] || this.lo !== p.magicHead[1]) first = i;
      } else {
        // rev and the version parts: numbers, compared over the field's width.
        const c = i === 1 ? CR_VERSION : i === 2 ? k.major : i === 3 ? k.minor : k.patch;
        if (this.hi !== 0 || this.lo !== ((c & s.mask) >>> 0)) first = i;
      }
    }
    const base = start + p.hdrSize;
    if (first >= 0) {
      const s = p.headChecks[first]!;
      this.getScratch(s);
      return this.fail(
        ERRNO.EINVAL,
        "HEAD",
        `HEAD.${s.f.name}`,
        base + s.offset,
        `${s.f.name} 0x${this.raw(s).toString(16)} does not match`,
        s.f,
      );
    }
    const fl = p.headFlags;
    this.getScratch(fl);
    // `flags & ~CR_CTX_CKPT`, over the field's width.
    if (((this.hi & p.flagsMask[0]) | (this.lo & p.flagsMask[1])) !== 0) {
      return this.fail(
        ERRNO.EINVAL,
        "HEAD",
        "HEAD.flags",
        base + fl.offset,
        `flags 0x${this.raw(fl).toString(16)} has bits other than CR_CTX_CKPT`,
        fl.f,
      );
    }
    return undefined;
  }

  task(): RestartOutcome | undefined {
    const p = this.p;
    const start = this.pos;
    const parent = this.readObj("TASK", false, p.taskSize, RECORD_TYPES.TASK);
    if (typeof parent !== "number") return parent;
    const bad = this.parentZero("TASK", parent, start);
    if (bad) return bad;
    const lo = this.hardened ? 1 : 0;
    const c = p.taskCommLen;
    this.getScratch(c);
    const tcl = this.signed(c);
    if (tcl < lo || tcl > p.page) {
      return this.fail(
        ERRNO.EINVAL,
        "TASK",
        "TASK.task_comm_len",
        start + p.hdrSize + c.offset,
        `task_comm_len ${tcl} not in ${lo}..${p.page}`,
        c.f,
      );
    }
    const sStart = this.pos;
    const sp = this.readObj("STRING", true, tcl, RECORD_TYPES.STRING);
    if (typeof sp !== "number") return sp;
    const f = p.hParent.f;
    const at = sStart + f.offset;
    if (sp !== 0) {
      if (this.hardened) {
        return this.fail(ERRNO.EINVAL, "STRING", "STRING.hdr.parent", at, `parent ${sp} != 0`, f);
      }
      if (sp < 0) return this.returnParent("STRING", sp, at);
      return undefined; // a positive parent: comm is left alone and restart goes on
    }
    const n = Math.min(tcl, TASK_COMM_LEN);
    if (n > this.kGot) throw GIVE_UP; // comm would take never-written kmalloc bytes
    const comm = newBytes(TASK_COMM_LEN);
    for (let i = 0; i < n; i++) comm[i] = this.image[this.kStart + i]!;
    if (this.hardened) comm[TASK_COMM_LEN - 1] = 0;
    this.comm = comm;
    this.ownComm = true;
    return undefined;
  }

  tail(): RestartOutcome | undefined {
    const p = this.p;
    const start = this.pos;
    const parent = this.readObj("TAIL", false, p.tailSize, RECORD_TYPES.TAIL);
    if (typeof parent !== "number") return parent;
    const bad = this.parentZero("TAIL", parent, start);
    if (bad) return bad;
    const m = p.tailMagic;
    this.getScratch(m);
    if (this.hi !== p.magicTail[0] || this.lo !== p.magicTail[1]) {
      return this.fail(
        ERRNO.EINVAL,
        "TAIL",
        "TAIL.magic",
        start + p.hdrSize + m.offset,
        `magic 0x${this.raw(m).toString(16)} != 0x${MAGIC_TAIL.toString(16)}`,
        m.f,
      );
    }
    return undefined;
  }

  run(): RestartOutcome {
    return this.head() ?? this.task() ?? this.tail() ??
      this.outcome(0, {
        record: "TAIL",
        check: "ok",
        offset: this.pos,
        detail: "restart succeeded",
      });
  }
}

/**
 * The outcome of `sys_restart` on a run where every byte the checks read is
 * defined, or `undefined` when it is not such a run (a check would read
 * never-written memory) or when the arguments are rejected before any read
 * (those few the shadow path answers). The caller has validated
 * `env` and `profile`.
 */
export function restartConcrete(
  image: Uint8Array,
  env: RestartEnv,
  profile: Profile,
): RestartOutcome | undefined {
  if ((env.flags ?? 0n) !== 0n || (env.file !== undefined && env.file !== "ok")) return undefined;
  const p = planOf(layoutOf(env.abi));
  const run = new Concrete(p, image, env, profile);
  try {
    return run.run();
  } catch (e) {
    if (e === IO_FAILED) {
      const errno = env.io!.errorAfter!.errno;
      return run.outcome(-errno, ioDecision("read", run.pos, errno));
    }
    if (e !== GIVE_UP) throw e;
    return undefined;
  }
}
