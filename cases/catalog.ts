/**
 * The named catalog: one case per check restart makes (and per check it
 * forgets), for an ABI, built by editing a valid image through the layout
 * tables; plus the named checkpoint cases (syscall arguments, comm and
 * utsname edge values, u64 maxima).
 *
 * @module
 */
import { getAbi } from "../reference/abi.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import {
  type AbiName,
  layoutOf,
  MAGIC_HEAD,
  MAGIC_TAIL,
  RECORD_TYPES,
  UTS_LEN,
} from "../reference/layout.ts";
import type { CheckpointEnv, RestartEnv, TaskState } from "../reference/types.ts";
import { fieldDomain } from "../reference/validate.ts";
import type { CheckpointCase, RestartCase } from "./types.ts";
import { type ImageRecord, recordOffsets, resize, withField, withHeader } from "./image.ts";

/** The inputs a catalog is built from: a task, and the environments of both calls. */
export interface CatalogBase {
  /** The ABI. */
  readonly abi: AbiName;
  /** The task checkpointed into the base image. */
  readonly state: TaskState;
  /** The checkpointing environment. */
  readonly ckptEnv: CheckpointEnv;
  /** The restarting environment (same kernel version). */
  readonly rstEnv: RestartEnv;
}

const NEG1 = 0xffffn; // s16 -1
const U32 = (v: number) => BigInt(v >>> 0);

/** The named restart cases for an ABI. */
export function restartCatalog(b: CatalogBase): RestartCase[] {
  const { abi } = b;
  const base = checkpoint(b.state, b.ckptEnv).image;
  const out: RestartCase[] = [];
  const add = (id: string, reason: string, image: Uint8Array, env: RestartEnv = b.rstEnv) =>
    out.push({ id: `restart/${abi}/${id}`, op: "restart", abi, reason, image, env });
  const hdr = (rec: ImageRecord, name: "type" | "len" | "parent", v: bigint) =>
    withHeader(base, abi, rec, name, v);
  const size = (rec: "HEAD" | "TASK" | "TAIL") => BigInt(layoutOf(abi)[rec].size);

  add("valid", "the checkpoint image as written: restart succeeds and restores comm", base);
  for (const rec of ["HEAD", "TASK", "STRING", "TAIL"] as const) {
    const r = rec.toLowerCase();
    const wrong = rec === "TASK"
      ? RECORD_TYPES.THREAD
      : rec === "TAIL"
      ? RECORD_TYPES.TAIL + 1
      : rec === "HEAD"
      ? 2
      : 3;
    add(
      `${r}/hdr-type`,
      `${rec} type ${wrong}: rejected after the payload is read`,
      hdr(rec, "type", BigInt(wrong)),
    );
    add(
      `${r}/hdr-len-negative`,
      `${rec} len -1: rejected by len < 0 before the payload`,
      hdr(rec, "len", NEG1),
    );
    const over = rec === "STRING" ? 17n : size(rec) + 1n;
    add(
      `${r}/hdr-len-over`,
      `${rec} len ${over}: one more than restart's buffer (len > n)`,
      hdr(rec, "len", over),
    );
    add(
      `${r}/parent-1`,
      `${rec} parent 1: ${rec === "STRING" ? "comm left alone, restart goes on" : "-EINVAL"}`,
      hdr(rec, "parent", 1n),
    );
    add(
      `${r}/parent-negative`,
      `${rec} parent 0xfffffffe: returned as the syscall's value -2 by the seed`,
      hdr(rec, "parent", 0xfffffffen),
    );
    add(
      `${r}/parent-intmin`,
      `${rec} parent 0x80000000: returned as INT_MIN by the seed`,
      hdr(rec, "parent", 0x80000000n),
    );
  }
  const head = (name: string, v: bigint) => withField(base, abi, "HEAD", name, v);
  const k = b.ckptEnv.kernel;
  add("head/magic", "HEAD magic off by one bit", head("magic", MAGIC_HEAD ^ 1n));
  add("head/rev", "HEAD rev 2 (CR_VERSION is 1)", head("rev", 2n));
  add("head/rev-0", "HEAD rev 0", head("rev", 0n));
  add("head/major", "HEAD major of another kernel", head("major", BigInt((k.major + 1) & 0xff)));
  add("head/minor", "HEAD minor of another kernel", head("minor", BigInt((k.minor + 1) & 0xff)));
  add(
    "head/patch",
    "HEAD patch of another kernel (checked last of the version)",
    head("patch", BigInt((k.patch + 1) & 0xff)),
  );
  add(
    "head/version-high-byte",
    "HEAD patch with a byte above 0xff: u16 compared whole",
    head("patch", BigInt(k.patch) | 0x100n),
  );
  add("head/flags-unknown", "HEAD flags 2: an unknown flag", head("flags", 2n));
  add("head/flags-high", "HEAD flags bit 63 set", head("flags", (1n << 63n) | 1n));
  add(
    "head/flags-zero",
    "HEAD flags 0: accepted (only unknown bits are rejected)",
    head("flags", 0n),
  );
  add("head/time-ignored", "HEAD time is not checked", head("time", 0xffffffffn));
  add(
    "head/kernel-mismatch",
    "restarting kernel of another version: HEAD.major rejected",
    base,
    { ...b.rstEnv, kernel: { ...b.rstEnv.kernel, major: (b.rstEnv.kernel.major + 1) & 0xff } },
  );
  const tcl = (v: number) => withField(base, abi, "TASK", "task_comm_len", U32(v));
  add("task/comm-len-minus1", "task_comm_len -1: < 0 rejected", tcl(-1));
  add("task/comm-len-0", "task_comm_len 0: allowed, then STRING len 16 > 0", tcl(0));
  add("task/comm-len-15", "task_comm_len 15: STRING len 16 > 15", tcl(15));
  add("task/comm-len-17", "task_comm_len 17: allowed, comm truncated to 16", tcl(17));
  const page = layoutOf(abi).abi.pageSize;
  add(`task/comm-len-${page}`, `task_comm_len ${page} = PAGE_SIZE: allowed`, tcl(page));
  add(
    `task/comm-len-${page + 1}`,
    `task_comm_len ${page + 1}: > PAGE_SIZE rejected`,
    tcl(page + 1),
  );
  add(
    "task/comm-len-intmax",
    "task_comm_len 0x7fffffff: rejected, nothing allocated",
    tcl(0x7fffffff),
  );
  add(
    "task/fields-ignored",
    "TASK fields other than task_comm_len are not checked",
    withField(base, abi, "TASK", "state", 0x7fffffffn),
  );
  for (const n of [1, 4, 15]) {
    // A shorter name, consistently described: task_comm_len n, STRING len n, n name bytes.
    const at = recordOffsets(abi).STRING + layoutOf(abi).HDR.size + n;
    const img = withHeader(
      withField(resize(base, at, n - 16), abi, "TASK", "task_comm_len", BigInt(n)),
      abi,
      "STRING",
      "len",
      BigInt(n),
    );
    add(
      `string/short-name-${n}`,
      `task_comm_len ${n} and a ${n}-byte STRING: comm is cleared, then ${n} bytes copied`,
      img,
    );
  }
  add(
    "tail/magic",
    "TAIL magic off by one bit",
    withField(base, abi, "TAIL", "magic", MAGIC_TAIL ^ 0x100n),
  );
  add("syscall/flags", "restart flags 1: -EINVAL before anything is read", base, {
    ...b.rstEnv,
    flags: 1n,
  });
  add("syscall/bad-fd", "restart on a bad fd: -EBADF", base, { ...b.rstEnv, file: "bad-fd" });
  add(
    "syscall/write-only",
    "restart on a write-only fd: the first read fails, -EBADF, counter advanced",
    base,
    {
      ...b.rstEnv,
      file: "write-only",
    },
  );
  add(
    "syscall/no-read",
    "restart on a file without a read method (an epoll fd): the first read fails, -EINVAL, " +
      "counter advanced",
    base,
    { ...b.rstEnv, file: "no-read" },
  );
  add("syscall/counter", "the context counter is advanced by restart", base, {
    ...b.rstEnv,
    counter: 41,
  });
  return out;
}

/** The named checkpoint cases for an ABI. */
export function checkpointCatalog(b: CatalogBase): CheckpointCase[] {
  const { abi } = b;
  const out: CheckpointCase[] = [];
  const add = (id: string, reason: string, state: TaskState, env: CheckpointEnv = b.ckptEnv) =>
    out.push({ id: `checkpoint/${abi}/${id}`, op: "checkpoint", abi, reason, state, env });
  const comm = (bytes: number[]) => Uint8Array.from({ length: 16 }, (_, i) => bytes[i] ?? 0);
  const text = (s: string) => comm(Array.from(s, (c) => c.charCodeAt(0)));
  add("plain", "a plain task", b.state);
  add("syscall/flags", "flags 1: -EINVAL, nothing written, counter unchanged", b.state, {
    ...b.ckptEnv,
    flags: 1n,
  });
  add("syscall/bad-fd", "bad fd: -EBADF, nothing written", b.state, {
    ...b.ckptEnv,
    file: "bad-fd",
  });
  add("syscall/read-only", "read-only fd: -EBADF, counter advanced", b.state, {
    ...b.ckptEnv,
    file: "read-only",
  });
  add(
    "syscall/no-write",
    "a file without a write method (an epoll fd): -EINVAL, nothing written, counter advanced",
    b.state,
    { ...b.ckptEnv, file: "no-write" },
  );
  add("syscall/pid-ignored", "pid 4242 is ignored: the image is of current", b.state, {
    ...b.ckptEnv,
    pid: 4242,
  });
  add("syscall/counter-max", "counter 0x7ffffffe: crid 0x7fffffff", b.state, {
    ...b.ckptEnv,
    counter: 0x7ffffffe,
  });
  add("task-dead", "a TASK_DEAD task: HEAD written, then -EAGAIN", { ...b.state, state: 64n });
  add("comm/empty", "comm of 0 characters", { ...b.state, comm: text("") });
  add("comm/15", "comm of 15 characters and a NUL", { ...b.state, comm: text("abcdefghijklmno") });
  add("comm/16", "comm of 16 characters, no NUL", { ...b.state, comm: text("abcdefghijklmnop") });
  add("comm/after-nul", "bytes after the NUL are written raw", {
    ...b.state,
    comm: comm([0x61, 0, 0xde, 0xad, 0xbe, 0xef]),
  });
  add("comm/non-ascii", "non-ASCII comm bytes", {
    ...b.state,
    comm: comm([0xff, 0xfe, 0x80, 0xc3, 0xa9]),
  });
  const full = Uint8Array.from({ length: UTS_LEN }, (_, i) => 0x41 + (i % 26));
  add(
    "uts/64-no-nul",
    "utsname values of exactly 64 bytes, no NUL (version leaks into x86_64 padding)",
    b.state,
    {
      ...b.ckptEnv,
      uts: { release: full, version: full.map((c) => c + 0x20), machine: full },
    },
  );
  const max: Record<string, bigint | Uint8Array> = { comm: text("abcdefghijklmnop") };
  for (const f of layoutOf(abi).TASK.fields) {
    if (f.type === "pad" || f.name === "task_comm_len") continue;
    const dom = fieldDomain(f, abi);
    max[f.name] = dom.max;
  }
  const timeDomain = fieldDomain(layoutOf(abi).HEAD.byName["time"]!, abi);
  // All ones where a long fills the u64; else the largest positive long.
  const longBits = BigInt(getAbi(abi).longBytes * 8);
  const maxTime = longBits === 64n ? (1n << 64n) - 1n : (1n << (longBits - 1n)) - 1n;
  add("max", "every field at its maximum", max as unknown as TaskState, {
    ...b.ckptEnv,
    time: maxTime,
  });
  if (timeDomain.ok(0x1_2345_6789n)) {
    add("time-beyond-2^32", "time beyond 2^32: the high half leaks into TASK padding", b.state, {
      ...b.ckptEnv,
      time: 0x1_2345_6789n,
    });
  }
  return out;
}
