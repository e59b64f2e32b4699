/**
 * `sys_restart` as the seed implements it (profile `seed`), and as a careful
 * implementation must (profile `hardened`), with per-byte definedness.
 *
 * ## The seed, step by step
 * 1. `flags != 0` → -EINVAL; a bad fd → -EBADF; otherwise the global counter
 *    is incremented (`crid` is ignored); a file not open for reading makes
 *    the first read fail with -EBADF.
 * 2. Each record is read by `cr_read_obj_type(buf, n, type)`: the 8-byte
 *    header into a stack variable, `len < 0 || len > n` → -EINVAL, `len`
 *    payload bytes into `buf`, `type` mismatch → -EINVAL, else the `parent`
 *    is returned as an `int` — so a parent ≥ 0x80000000 comes back negative
 *    and is returned by the syscall as if it were an error code.
 * 3. HEAD (n 224, into the scratch buffer): parent 0; magic, rev, major,
 *    minor, patch; `flags & ~1`.
 * 4. TASK (n = struct size, into the scratch buffer): parent 0;
 *    `task_comm_len` in 0..PAGE_SIZE; then STRING (n = task_comm_len) into an
 *    unzeroed `kmalloc` buffer; when it returns 0, comm is zeroed and
 *    `min(task_comm_len, 16)` bytes copied (no NUL forced). A positive STRING
 *    parent leaves comm alone and restart goes on.
 * 5. TAIL (n 8, into the scratch buffer): parent 0, magic. Bytes after it
 *    are not read. Success returns 0.
 *
 * Reads stop at end of file and report success, leaving the rest of the
 * destination as it was: a short record or a truncated image takes its
 * missing bytes from the scratch buffer (earlier records: defined; never
 * written: undefined), the stack (header) or `kmalloc` memory (STRING).
 *
 * ## The hardened profile: rules and errors
 * Checks run in the seed's order; these are added or changed:
 * - `H-EOF` — end of file inside a header or a payload → **-EPIPE** (32)
 *   (checks `<REC>.hdr.eof`, `<REC>.payload.eof`).
 * - `H-LEN` — a record's `len` must equal the size restart expects: HEAD 224,
 *   TASK the ABI's struct size, TAIL 8, STRING `task_comm_len` → **-EINVAL**
 *   (check `<REC>.hdr.len`), before any payload byte is read.
 * - `H-PARENT` — every parent, STRING's included, must be 0 → **-EINVAL**;
 *   a parent is never returned as the syscall's value (check `<REC>.hdr.parent`).
 * - `H-COMMLEN` — `task_comm_len` must be 1..PAGE_SIZE (room for the NUL)
 *   → **-EINVAL** (check `TASK.task_comm_len`).
 * - `H-NUL` — comm is NUL-terminated: byte 15 is forced to 0 after the copy.
 *
 * Under these rules every outcome is defined. Bytes after TAIL are still not
 * read, as in the seed.
 *
 * One cohesive thing: the restart state machine, record by record, with its
 * check list; splitting it would separate each check from its order.
 *
 * @module
 */
import { copyBytes, readField } from "./bytes.ts";
import { ioDecision, ioErrorAt, ioFails } from "./file_io.ts";
import { ERRNO, InputError } from "./errors.ts";
import {
  CR_CTX_CKPT,
  CR_VERSION,
  type Field,
  field,
  layoutOf,
  MAGIC_HEAD,
  MAGIC_TAIL,
  RECORD_TYPES,
  type RecordLayout,
  type RecordName,
  TASK_COMM_LEN,
} from "./layout.ts";
import { restartConcrete } from "./restart_concrete.ts";
import { anyOf, ShadowMem, type Sym, type Tri } from "./shadow.ts";
import type { RestartTraceSink } from "./trace.ts";
import type {
  Decision,
  Maybe,
  Profile,
  RestartEnv,
  RestartOutcome,
  UndefinedSource,
  UnwrittenFill,
} from "./types.ts";
import { validateProfile, validateRestartEnv } from "./validate.ts";

/** A check a restart decision can name, and the profiles in which it exists. */
export interface RestartCheck {
  /** The id used in {@link Decision.check}. */
  readonly id: string;
  /** Profiles where the check runs. */
  readonly profiles: readonly Profile[];
}

const BOTH: readonly Profile[] = ["seed", "hardened"];
const HARDENED: readonly Profile[] = ["hardened"];

/** Every check restart makes, in the order it makes them (`ok` is success).
 *
 * @example
 * ```ts
 * import { RESTART_CHECKS } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(RESTART_CHECKS[0]!.id, "flags");
 * strictEqual(RESTART_CHECKS.at(-1)!.id, "ok");
 * ```
 */
export const RESTART_CHECKS: readonly RestartCheck[] = Object.freeze([
  { id: "flags", profiles: BOTH },
  { id: "fd", profiles: BOTH },
  { id: "read", profiles: BOTH },
  ...(["HEAD", "TASK", "STRING", "TAIL"] as const).flatMap((rec) => [
    { id: `${rec}.hdr.eof`, profiles: HARDENED },
    { id: `${rec}.hdr.len`, profiles: BOTH },
    { id: `${rec}.payload.eof`, profiles: HARDENED },
    { id: `${rec}.hdr.type`, profiles: BOTH },
    { id: `${rec}.hdr.parent`, profiles: BOTH },
    ...(rec === "HEAD"
      ? ["magic", "rev", "major", "minor", "patch", "flags"].map((f) => ({
        id: `HEAD.${f}`,
        profiles: BOTH,
      }))
      : rec === "TASK"
      ? [{ id: "TASK.task_comm_len", profiles: BOTH }]
      : rec === "TAIL"
      ? [{ id: "TAIL.magic", profiles: BOTH }]
      : []),
  ]),
  { id: "ok", profiles: BOTH },
]);

/** Sixteen zero bytes: comm cleared before the copy. */
const ZERO_COMM = new Uint8Array(TASK_COMM_LEN);
/** An undecidable task_comm_len is followed down each value that passes, up to this many. */
const MAX_WAYS = 64;

/** The values `lo`..`hi` (non-negative, up to 2^31) whose bits under the symbol's known mask are its own, in order. */
function* allowedIn(s: Sym, lo: number, hi: number): Generator<number> {
  const k = Number(s.known), v = Number(s.value & s.known);
  for (let t = lo; t <= hi; t++) if (((t & k) >>> 0) === v) yield t;
}

/** The header check ids of each record, made once (they are named on every check). */
const HDR_IDS: Readonly<Record<RecordName, Readonly<Record<string, string>>>> = Object.fromEntries(
  (["HDR", "HEAD", "TASK", "STRING", "TAIL"] as const).map((rec) => [rec, {
    eof: `${rec}.hdr.eof`,
    len: `${rec}.hdr.len`,
    payloadEof: `${rec}.payload.eof`,
    type: `${rec}.hdr.type`,
    parent: `${rec}.hdr.parent`,
  }]),
) as unknown as Record<RecordName, Record<string, string>>;

/**
 * Scratch memory reused from run to run (restart is synchronous, so one set
 * serves every call): allocating typed arrays per run dominated its cost.
 */
const scratch = new Map<string, ShadowMem>();

/** A pooled block of `size` never-written bytes from `source`, of at least `size` capacity. */
function pooled(slot: string, size: number, source: UndefinedSource): ShadowMem {
  let m = scratch.get(slot);
  if (!m || m.val.length < size) scratch.set(slot, m = new ShadowMem(size, source));
  return m.reset(source, size);
}

/** An outcome reached: thrown through the run and caught at the top. */
class Done {
  constructor(readonly outcome: RestartOutcome) {}
}

const defined = <T>(value: T): Maybe<T> => ({ defined: true, value });

class Run {
  readonly l;
  /** The header's fields, looked up once. */
  readonly hLen: Field;
  readonly hType: Field;
  readonly hParent: Field;
  readonly endian;
  readonly hardened: boolean;
  pos = 0;
  /** The scratch buffer: only its first max-record-size bytes are ever touched. */
  readonly hbuf: ShadowMem;
  comm: ShadowMem;
  /** Set once comm can no longer change. */
  commFinal = false;
  /** The current record's header (stack). */
  hdr: ShadowMem | undefined;
  /** Set once the TASK payload has been read into the scratch buffer. */
  taskPayloadRead = false;
  /** Set once no further read can happen. */
  readsDone = false;
  readonly counter: number;
  /** Header reads so far (the index of the next one's stack header in {@link UnwrittenFill.stack}). */
  headers = 0;

  constructor(
    readonly image: Uint8Array,
    readonly env: RestartEnv,
    profile: Profile,
    /** Told each read, check and comm copy (explain); absent on every other run. */
    readonly trace?: RestartTraceSink,
    /** Contents of never-written memory for a what-if run; absent on every other run. */
    readonly fill?: UnwrittenFill,
  ) {
    this.l = layoutOf(env.abi);
    this.endian = this.l.abi.endian;
    this.hLen = field(this.l.HDR, "len");
    this.hType = field(this.l.HDR, "type");
    this.hParent = field(this.l.HDR, "parent");
    this.hardened = profile === "hardened";
    this.hbuf = pooled(
      "hbuf",
      Math.max(this.l.HEAD.size, this.l.TASK.size, this.l.TAIL.size),
      "page",
    ).fillIn(fill?.page);
    this.comm = pooled("comm-before", TASK_COMM_LEN, "stack");
    this.comm.write(0, env.comm);
    this.counter = (env.counter ?? 0) + 1;
  }

  finish(ret: Maybe<number>, d: Decision, consumed: Maybe<number> = defined(this.pos)): never {
    const commDefined: boolean[] = [];
    const commSource: (UndefinedSource | undefined)[] = [];
    for (let i = 0; i < TASK_COMM_LEN; i++) {
      commSource.push(this.comm.sourceAt(i));
      commDefined.push(this.comm.undef[i] === 0);
    }
    throw new Done({
      ret,
      consumed,
      comm: copyBytes(this.comm.val),
      commDefined,
      commSource,
      counter: this.counter,
      decision: d,
    });
  }

  fail(
    errno: number,
    record: RecordName,
    check: string,
    offset: number,
    detail: string,
    f?: Field,
  ): never {
    this.finish(defined(-errno), { record, check, offset, detail, field: f });
  }

  /**
   * A check whose answer depends on undefined bytes: say what is still known.
   * `pass`, for a check whose failing way is -EINVAL at once and whose other
   * way goes on the same whatever the field holds among the values that take
   * it, is such a value: the run is then followed down that way too (the same
   * run with those bytes given), and what both ways agree on is defined.
   */
  stuck(
    record: RecordName,
    check: string,
    offset: number,
    source: UndefinedSource,
    f?: Field,
    pass?: bigint | readonly bigint[],
  ): never {
    const why = `${check} reads ${source} bytes never written`;
    // At end of file, or where the file fails, no later read can move the position.
    const atEof = this.pos === this.image.length || this.pos === ioErrorAt(this.env.io);
    if (pass !== undefined && f && !this.hardened) {
      this.bothWays(record, check, offset, source, f, pass);
    }
    const consumed: Maybe<number> = atEof || this.readsDone
      ? defined(this.pos)
      : { defined: false, source, why };
    if (!this.commFinal) this.comm = this.commAfterStuck(source, atEof);
    this.finish(
      { defined: false, source, why },
      { record, check, offset, detail: why, field: f },
      consumed,
    );
  }

  /**
   * comm when the run stops undecided before comm is final. Only the STRING
   * copy can still change it: comm zeroed, then `n = min(task_comm_len, 16)`
   * bytes copied in. So a byte at or past the largest `n` any continuation can
   * have, and already zero, stays zero (defined); where no continuation can
   * copy at all, comm stays as it is. `task_comm_len` is what the scratch
   * buffer holds once the TASK payload is read: known now if it has been, or if
   * no more file bytes can come (that read then gets none); else anything.
   */
  commAfterStuck(source: UndefinedSource, atEof: boolean): ShadowMem {
    const before = this.comm;
    const comm = pooled("comm-undefined", TASK_COMM_LEN, source);
    let maxN = TASK_COMM_LEN;
    if (this.taskPayloadRead || atEof) {
      // The largest copy over every task_comm_len the known bits allow and the check accepts
      // (exactly: an interval over the unknown bytes would let 0x????0000 reach 16).
      const s = this.hbuf.sym(field(this.l.TASK, "task_comm_len"), this.endian);
      maxN = -1;
      for (const t of allowedIn(s, 0, this.l.abi.pageSize)) {
        maxN = Math.min(t, TASK_COMM_LEN);
        if (maxN === TASK_COMM_LEN) break;
      }
      if (maxN < 0) return before; // the check fails on every path: no copy
    }
    for (let i = maxN; i < TASK_COMM_LEN; i++) {
      if (before.undef[i] === 0 && before.val[i] === 0) comm.undef[i] = 0;
    }
    return comm;
  }

  /**
   * The outcome of a check whose run goes on differently with the field's
   * never-written bytes: the failing way (-EINVAL now: the position and comm
   * as they are), unless the check passes whatever they hold (`failing`
   * false), and the passing ways (the run again with those bytes holding each
   * value of `pass`). Values every way gives alike are defined; the others
   * undefined from `source`.
   */
  bothWays(
    record: RecordName,
    check: string,
    offset: number,
    source: UndefinedSource,
    f: Field,
    pass: bigint | readonly bigint[],
    failing = true,
  ): never {
    const why = `${check} reads ${source} bytes never written`;
    const inHeader = f.record === "HDR";
    const mem = inHeader ? this.hdr! : this.hbuf;
    const fill = this.fill ?? {};
    // The failing way's values, copied before the other ways' runs reuse the scratch memory.
    const failPos = this.pos;
    const failComm = copyBytes(this.comm.val);
    const failSrc = Array.from(failComm, (_, i) => this.comm.sourceAt(i));
    const headers = this.headers;
    // The field's never-written bytes, found before any way's run reuses the scratch memory.
    const unknown: number[] = [];
    for (let i = 0; i < f.size; i++) if (mem.undef[f.offset + i] !== 0) unknown.push(i);
    const outcomes = (typeof pass === "bigint" ? [pass] : pass).map((value) => {
      const given = new Map<number, number>();
      for (const i of unknown) {
        const sig = this.endian === "little" ? i : f.size - 1 - i;
        given.set(f.offset + i, Number((value >> BigInt(8 * sig)) & 0xffn));
      }
      const stack = [...(fill.stack ?? [])];
      let page = fill.page;
      if (inHeader) stack[headers - 1] = new Map([...(stack[headers - 1] ?? []), ...given]);
      else page = new Map([...(page ?? []), ...given]);
      return restartShadow(this.image, this.env, "seed", undefined, { ...fill, stack, page });
    });
    // Each way's answers; the failing way's comm is as it is now, each byte with its own source.
    const ways = outcomes.map((o) => ({
      ret: o.ret,
      consumed: o.consumed,
      comm: o.comm,
      src: o.commSource,
    }));
    if (failing) {
      ways.unshift({
        ret: defined(-ERRNO.EINVAL),
        consumed: defined(failPos),
        comm: failComm,
        src: failSrc,
      });
    }
    const first = ways[0]!;
    const agree = (a: Maybe<number>, b: Maybe<number>) =>
      a.defined && b.defined && a.value === b.value;
    const ret: Maybe<number> = ways.every((o) => agree(o.ret, first.ret))
      ? first.ret
      : { defined: false, source, why };
    const consumed: Maybe<number> = ways.every((o) => agree(o.consumed, first.consumed))
      ? first.consumed
      : { defined: false, source, why };
    // A byte the first way leaves undefined keeps its source; one every way defines alike is defined.
    const comm = pooled("comm-undefined", TASK_COMM_LEN, source);
    for (let i = 0; i < TASK_COMM_LEN; i++) {
      const v = first.comm[i]!, own = first.src[i];
      comm.val[i] = v;
      if (own !== undefined) comm.markUndefined(i, own);
      else if (ways.every((o) => o.src[i] === undefined && o.comm[i] === v)) comm.undef[i] = 0;
      else comm.val[i] = 0;
    }
    this.comm = comm;
    this.pos = consumed.defined ? consumed.value : failPos;
    this.finish(ret, {
      record,
      check,
      offset,
      detail: ret.defined ? `${why}; returns ${ret.value} whichever way it goes` : why,
      field: f,
    }, consumed);
  }

  /** Decides a branch: true/false, or stops the run as undefined (`pass`: see {@link stuck}). */
  decide(
    t: Tri,
    sym: Sym,
    record: RecordName,
    check: string,
    offset: number,
    f?: Field,
    pass?: bigint | readonly bigint[],
  ): boolean {
    this.trace?.check(check, offset, f, sym, t);
    if (t === "unknown") this.stuck(record, check, offset, sym.source ?? "stack", f, pass);
    return t;
  }

  /** `cr_kread`: copies up to `count` bytes; returns how many it got (EOF stops early). */
  read(dst: ShadowMem, count: number): number {
    // A file that fails at byte N: the loop that reaches N returns its error (file_io.ts).
    const errorAt = ioErrorAt(this.env.io);
    if (ioFails(this.pos, count, this.image.length, errorAt)) {
      this.pos = errorAt;
      const errno = this.env.io!.errorAfter!.errno;
      this.finish(defined(-errno), ioDecision("read", errorAt, errno));
    }
    const got = Math.min(count, this.image.length - this.pos);
    dst.copyIn(0, this.image, this.pos, got);
    this.pos += got;
    return got;
  }

  /** `cr_read_obj_type`: returns the parent as a signed int Sym. */
  readObj(rec: RecordName, dst: ShadowMem, n: number, type: number): Sym {
    const H = this.l.HDR;
    const ids = HDR_IDS[rec];
    const start = this.pos;
    const header = this.headers++;
    const hdr = this.hdr = pooled("hdr", H.size, "stack").fillIn(
      this.fill?.stack?.[header],
      H.size,
    );
    const got = this.read(hdr, H.size);
    this.trace?.read(rec, "header", H.size, got, start);
    if (this.hardened) this.trace?.check(ids.eof!, this.pos, undefined, got, got < H.size);
    if (this.hardened && got < H.size) {
      this.fail(
        ERRNO.EPIPE,
        rec,
        ids.eof!,
        this.pos,
        `end of file after ${got} of ${H.size} header bytes`,
      );
    }
    const fLen = this.hLen;
    const len = hdr.sym(fLen, this.endian);
    const bad = len.outside(0, n);
    // Unknown header bytes mean the header was cut by the end of file: any accepted len then
    // reads nothing, so one accepted value stands for all.
    if (this.decide(bad, len, rec, ids.len!, start + fLen.offset, fLen, len.someIn(0, n))) {
      this.fail(
        ERRNO.EINVAL,
        rec,
        ids.len!,
        start + fLen.offset,
        `len ${len.number} not in 0..${n}`,
        fLen,
      );
    }
    if (this.hardened) {
      this.trace?.check(ids.len!, start + fLen.offset, fLen, len, len.number !== n);
    }
    if (this.hardened && len.number !== n) {
      this.fail(
        ERRNO.EINVAL,
        rec,
        ids.len!,
        start + fLen.offset,
        `len ${len.number} != ${n}`,
        fLen,
      );
    }
    const want = len.number;
    const gotPayload = this.read(dst, want);
    this.trace?.read(rec, "payload", want, gotPayload, this.pos - gotPayload);
    if (this.hardened) {
      this.trace?.check(ids.payloadEof!, this.pos, undefined, gotPayload, gotPayload < want);
    }
    if (this.hardened && gotPayload < want) {
      this.fail(
        ERRNO.EPIPE,
        rec,
        ids.payloadEof!,
        this.pos,
        `end of file after ${gotPayload} of ${want} payload bytes`,
      );
    }
    if (rec === "TAIL") this.readsDone = true;
    if (rec === "TASK") this.taskPayloadRead = true;
    const fType = this.hType;
    const t = hdr.sym(fType, this.endian);
    if (this.decide(t.ne(type), t, rec, ids.type!, start + fType.offset, fType, BigInt(type))) {
      this.fail(
        ERRNO.EINVAL,
        rec,
        ids.type!,
        start + fType.offset,
        `type ${t.number} != ${type}`,
        fType,
      );
    }
    return hdr.sym(this.hParent, this.endian).asInt();
  }

  /** The parent discipline of HEAD, TASK and TAIL: negative → returned as is; non-zero → -EINVAL. */
  parentZero(rec: RecordName, p: Sym, start: number): void {
    const f = this.hParent;
    const at = start + f.offset;
    const id = HDR_IDS[rec].parent!;
    if (p.negative() === "unknown" && p.ne(0) === true) {
      // Negative, it is returned; not, it is non-zero: -EINVAL (both -EINVAL when hardened).
      // Either way the run stops here, so only ret depends on the never-written bytes.
      this.trace?.check(id, at, f, p, "unknown");
      if (this.hardened) this.fail(ERRNO.EINVAL, rec, id, at, "parent != 0 whatever its sign", f);
      const source = p.source ?? "stack";
      const why = `${id} reads ${source} bytes never written`;
      this.finish({ defined: false, source, why }, {
        record: rec,
        check: id,
        offset: at,
        detail: `${why}; the parent if negative, else -EINVAL (never 0)`,
        field: f,
      });
    }
    if (this.decide(p.negative(), p, rec, id, at, f)) {
      if (this.hardened) {
        this.fail(
          ERRNO.EINVAL,
          rec,
          id,
          at,
          `parent 0x${p.value.toString(16)} != 0`,
          f,
        );
      }
      this.returnParent(rec, p, at, f);
    }
    if (this.decide(p.ne(0), p, rec, id, at, f)) {
      this.fail(ERRNO.EINVAL, rec, id, at, `parent ${p.number} != 0`, f);
    }
  }

  /** The seed's quirk: a parent ≥ 0x80000000 is the syscall's return value. */
  returnParent(rec: RecordName, p: Sym, at: number, f: Field): never {
    const d: Decision = {
      record: rec,
      check: `${rec}.hdr.parent`,
      offset: at,
      detail: "parent >= 0x80000000 returned as the syscall's value",
      field: f,
    };
    if (p.defined) this.finish(defined(p.number), d);
    this.finish(
      { defined: false, source: p.source ?? "stack", why: "parent bytes never written" },
      d,
    );
  }

  run(): never {
    const env = this.env;
    const syscall = (check: string, detail: string): Decision => ({
      record: "syscall",
      check,
      offset: 0,
      detail,
    });
    this.trace?.check("flags", 0, undefined, env.flags ?? 0n, (env.flags ?? 0n) !== 0n);
    if ((env.flags ?? 0n) !== 0n) {
      throw new Done({
        ...this.unchanged(),
        ret: defined(-ERRNO.EINVAL),
        counter: env.counter ?? 0,
        decision: syscall("flags", "flags != 0"),
      });
    }
    this.trace?.check("fd", 0, undefined, env.file ?? "ok", env.file === "bad-fd");
    if (env.file === "bad-fd") {
      throw new Done({
        ...this.unchanged(),
        ret: defined(-ERRNO.EBADF),
        counter: env.counter ?? 0,
        decision: syscall("fd", "fget failed"),
      });
    }
    const unreadable = env.file === "write-only" || env.file === "no-read";
    this.trace?.check("read", 0, undefined, env.file ?? "ok", unreadable);
    if (unreadable) {
      const open = env.file === "write-only";
      throw new Done({
        ...this.unchanged(),
        ret: defined(open ? -ERRNO.EBADF : -ERRNO.EINVAL),
        counter: this.counter,
        decision: syscall(
          "read",
          open
            ? "vfs_read on a file not open for reading"
            : "vfs_read on a file without a read method",
        ),
      });
    }
    this.head();
    this.task();
    this.tail();
    this.finish(defined(0), {
      record: "TAIL",
      check: "ok",
      offset: this.pos,
      detail: "restart succeeded",
    });
  }

  unchanged(): Omit<RestartOutcome, "ret" | "counter" | "decision"> {
    return {
      consumed: defined(0),
      comm: copyBytes(this.env.comm),
      commDefined: Array(TASK_COMM_LEN).fill(true),
      commSource: Array(TASK_COMM_LEN).fill(undefined),
    };
  }

  payloadCheck(
    layout: RecordLayout,
    base: number,
    name: string,
    test: (s: Sym) => Tri,
  ): { t: Tri; s: Sym; f: Field; at: number } {
    const f = field(layout, name);
    const s = this.hbuf.sym(f, this.endian);
    return { t: test(s), s, f, at: base + f.offset };
  }

  head(): void {
    const H = this.l.HEAD;
    const start = this.pos;
    const p = this.readObj("HEAD", this.hbuf, H.size, RECORD_TYPES.HEAD);
    this.parentZero("HEAD", p, start);
    const base = start + this.l.HDR.size;
    const k = this.env.kernel;
    const checks = [
      this.payloadCheck(H, base, "magic", (s) => s.ne(MAGIC_HEAD)),
      this.payloadCheck(H, base, "rev", (s) => s.ne(CR_VERSION)),
      this.payloadCheck(H, base, "major", (s) => s.ne(k.major)),
      this.payloadCheck(H, base, "minor", (s) => s.ne(k.minor)),
      this.payloadCheck(H, base, "patch", (s) => s.ne(k.patch)),
    ];
    const wanted = [
      MAGIC_HEAD,
      BigInt(CR_VERSION),
      BigInt(k.major),
      BigInt(k.minor),
      BigInt(k.patch),
    ];
    const { verdict, first } = anyOf(checks.map((c) => c.t));
    // The seed's `||` stops at the first mismatch (or the first undecidable one): those, in order.
    if (this.trace) {
      const upto = first >= 0 ? first : checks.findIndex((c) => c.t === "unknown");
      for (const c of checks.slice(0, upto < 0 ? checks.length : upto + 1)) {
        this.trace.check(`HEAD.${c.f.name}`, c.at, c.f, c.s, c.t);
      }
    }
    if (verdict === "unknown") {
      const i = checks.findIndex((c) => c.t === "unknown");
      const c = checks[i]!;
      this.stuck("HEAD", `HEAD.${c.f.name}`, c.at, c.s.source ?? "page", c.f, wanted[i]);
    }
    if (verdict) {
      const c = checks[first]!;
      this.fail(
        ERRNO.EINVAL,
        "HEAD",
        `HEAD.${c.f.name}`,
        c.at,
        `${c.f.name} 0x${c.s.value.toString(16)} does not match`,
        c.f,
      );
    }
    const fl = this.payloadCheck(H, base, "flags", (s) => s.anyBits(~CR_CTX_CKPT));
    // Passing: no bit but CR_CTX_CKPT set (the value is not read again): the unknown bytes 0.
    if (this.decide(fl.t, fl.s, "HEAD", "HEAD.flags", fl.at, fl.f, fl.s.value & fl.s.known)) {
      this.fail(
        ERRNO.EINVAL,
        "HEAD",
        "HEAD.flags",
        fl.at,
        `flags 0x${fl.s.value.toString(16)} has bits other than CR_CTX_CKPT`,
        fl.f,
      );
    }
  }

  /**
   * The values an undecidable task_comm_len passes its check with, each a way
   * the run goes on (the STRING read and the comm copy depend on the value),
   * when there are few enough to follow every one; else one per class of
   * behaviour ({@link tclClasses}).
   */
  tclWays(s: Sym, lo: number): bigint[] {
    const ways: bigint[] = [];
    for (const t of allowedIn(s, lo, this.l.abi.pageSize)) {
      if (ways.length === MAX_WAYS) return this.tclClasses(s, lo);
      ways.push(BigInt(t));
    }
    return ways;
  }

  /**
   * Too many values to follow: one per class of the same behaviour, when
   * STRING's header is in the file. The run after the check depends on
   * task_comm_len only through `min(task_comm_len, 16)` (the copy into comm)
   * and whether STRING's `len` fits (`len > n` is -EINVAL); so every allowed
   * value up to 16, the smallest above 16, and the smallest from `len` on (the
   * largest allowed value when `len` is not known).
   */
  tclClasses(s: Sym, lo: number): bigint[] {
    const len = this.nextLen();
    const page = this.l.abi.pageSize;
    const ways = new Set<bigint>();
    for (let t = lo; t <= Math.min(TASK_COMM_LEN, page); t++) {
      const x = s.someIn(t, t);
      if (x !== undefined) ways.add(x);
    }
    for (const from of [TASK_COMM_LEN + 1, len ?? 0]) {
      if (from <= TASK_COMM_LEN || from > page) continue;
      const x = s.someIn(from, page);
      if (x !== undefined) ways.add(x);
    }
    if (len === undefined) {
      // STRING's len is the stack's (the file ends before it, so its payload reads nothing): a value
      // above 16 matters only through which lens pass, a set that grows with it, so the largest
      // allowed value stands for every other above 16.
      let top: number | undefined;
      for (const t of allowedIn(s, TASK_COMM_LEN + 1, page)) top = t;
      if (top !== undefined) ways.add(BigInt(top));
    }
    return [...ways];
  }

  /**
   * The `len` the next header read will get, when known: from the file, or
   * past its end from the stack bytes a what-if fill gives; else undefined.
   */
  nextLen(): number | undefined {
    const f = this.hLen, given = this.fill?.stack?.[this.headers];
    const bytes = new Uint8Array(f.size);
    for (let i = 0; i < f.size; i++) {
      const at = this.pos + f.offset + i;
      const b = at < this.image.length ? this.image[at] : given?.get(f.offset + i);
      if (b === undefined) return undefined;
      bytes[i] = b;
    }
    return Number(readField(bytes, f, this.endian, -f.offset));
  }

  task(): void {
    const T = this.l.TASK;
    const start = this.pos;
    const p = this.readObj("TASK", this.hbuf, T.size, RECORD_TYPES.TASK);
    this.parentZero("TASK", p, start);
    const page = this.l.abi.pageSize;
    const lo = this.hardened ? 1 : 0;
    const c = this.payloadCheck(
      T,
      start + this.l.HDR.size,
      "task_comm_len",
      (s) => s.outside(lo, page),
    );
    const ways = c.t === "unknown" && !this.hardened ? this.tclWays(c.s, lo) : undefined;
    if (this.decide(c.t, c.s, "TASK", "TASK.task_comm_len", c.at, c.f, ways)) {
      this.fail(
        ERRNO.EINVAL,
        "TASK",
        "TASK.task_comm_len",
        c.at,
        `task_comm_len ${c.s.number} not in ${lo}..${page}`,
        c.f,
      );
    }
    if (!c.s.defined) {
      // Passing whatever the never-written bytes hold (a big-endian ABI's low byte):
      // what follows depends on them, so every way (or class of ways) is followed.
      const source = c.s.source ?? "page";
      this.bothWays("TASK", "TASK.task_comm_len", c.at, source, c.f, this.tclWays(c.s, lo), false);
    }
    const tcl = c.s.number;
    const buf = pooled("kmalloc", tcl, "kmalloc").fillIn(this.fill?.kmalloc, tcl);
    const sStart = this.pos;
    const sp = this.readObj("STRING", buf, tcl, RECORD_TYPES.STRING);
    const f = this.hParent;
    const at = sStart + f.offset;
    if (this.hardened) {
      this.trace?.check("STRING.hdr.parent", at, f, sp, sp.ne(0));
      if (sp.ne(0)) {
        this.fail(ERRNO.EINVAL, "STRING", "STRING.hdr.parent", at, `parent ${sp.number} != 0`, f);
      }
    } else if (!this.decide(sp.eq(0), sp, "STRING", "STRING.hdr.parent", at, f)) {
      // Not 0: returned if negative, else restart goes on; neither way copies comm.
      this.commFinal = true;
      if (this.decide(sp.negative(), sp, "STRING", "STRING.hdr.parent", at, f)) {
        this.returnParent("STRING", sp, at, f);
      }
      // A positive parent: comm is left alone and restart goes on.
      return;
    }
    const comm = pooled("comm-after", TASK_COMM_LEN, "stack");
    comm.write(0, ZERO_COMM);
    const n = Math.min(tcl, TASK_COMM_LEN);
    for (let i = 0; i < n; i++) {
      comm.val[i] = buf.val[i]!;
      comm.undef[i] = buf.undef[i]!;
    }
    if (this.hardened) comm.copyIn(TASK_COMM_LEN - 1, ZERO_COMM, 0, 1);
    this.trace?.comm(n, this.hardened);
    this.comm = comm;
    this.commFinal = true;
  }

  tail(): void {
    const T = this.l.TAIL;
    const start = this.pos;
    const p = this.readObj("TAIL", this.hbuf, T.size, RECORD_TYPES.TAIL);
    this.parentZero("TAIL", p, start);
    const m = this.payloadCheck(T, start + this.l.HDR.size, "magic", (s) => s.ne(MAGIC_TAIL));
    if (this.decide(m.t, m.s, "TAIL", "TAIL.magic", m.at, m.f, MAGIC_TAIL)) {
      this.fail(
        ERRNO.EINVAL,
        "TAIL",
        "TAIL.magic",
        m.at,
        `magic 0x${m.s.value.toString(16)} != 0x${MAGIC_TAIL.toString(16)}`,
        m.f,
      );
    }
  }
}

/**
 * Runs `sys_restart(crid, fd, flags)` on the model: reads `image` from file
 * position 0 and says what the syscall returns, how many bytes it consumed,
 * what comm is afterwards, and which record and check decided. Values that
 * depend on memory the seed never wrote are reported as undefined, with
 * their source, instead of guessed.
 *
 * @example
 * ```ts
 * import { checkpoint, defaultCheckpointEnv, defaultRestartEnv, defaultTaskState, restart } from "@crconform/crconform";
 * const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv("i386"));
 * const out = restart(image, defaultRestartEnv("i386"), "seed");
 * console.log(out.ret, out.consumed); // { defined: true, value: 0 } { defined: true, value: 424 }
 * ```
 *
 * @throws {InputError} when the environment or the profile is not valid; never for any image bytes.
 */
export function restart(
  image: Uint8Array,
  env: RestartEnv,
  profile: Profile = "seed",
): RestartOutcome {
  validateRestartEnv(env);
  validateProfile(profile);
  if (!(image instanceof Uint8Array)) {
    throw new InputError("image", "a Uint8Array", typeof image);
  }
  return restartConcrete(image, env, profile) ?? restartShadow(image, env, profile);
}

/**
 * The shadow path alone: restart with per-byte definedness for every run,
 * also those the concrete path answers (the two are compared in tests). The
 * caller has validated `env` and `profile`. `trace`, when given, is told
 * every read, check and comm copy in the seed's order (`deno task explain`).
 * `fill`, when given, names contents for never-written bytes (a what-if run:
 * those bytes are then defined), as seed-c's `--fill-at` does.
 */
export function restartShadow(
  image: Uint8Array,
  env: RestartEnv,
  profile: Profile,
  trace?: RestartTraceSink,
  fill?: UnwrittenFill,
): RestartOutcome {
  try {
    new Run(image, env, profile, trace, fill).run();
  } catch (e) {
    if (e instanceof Done) return e.outcome;
    throw e;
  }
  throw new Error("unreachable: the run always ends with an outcome");
}
