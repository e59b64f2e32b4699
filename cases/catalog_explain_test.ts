// Known traces of the named catalog cases, written by hand from the seed (restart.c as the
// patch creates it; the port's lines in golden/recipe/port/checkpoint/), cross-checked with the
// decision the reference returns and with the port's source lines.
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { namedCases } from "./suite.ts";
import type { Case, RestartCase } from "./types.ts";
import {
  explainCheckpoint,
  explainRestart,
  type Explanation,
  formatExplanation,
} from "../reference/explain.ts";
import { SEED_LINES, seedLineOf } from "../reference/explain_steps.ts";
import { restart, RESTART_CHECKS } from "../reference/restart.ts";
import { type Profile, PROFILES } from "../reference/types.ts";
import { outcomeLines } from "../reference/explain.ts";

const cases = new Map<string, Case>(
  [...namedCases("x86_64"), ...namedCases("i386")].map((c) => [c.id, c]),
);
const restartCase = (id: string) => cases.get(id) as RestartCase;

/** The steps in short: `read REC part asked/got from-to`, `CHECK:verdict`, `comm.copy`. */
function short(e: Explanation): string[] {
  return e.steps.map((s) => {
    if (s.kind === "check") return `${s.id}:${s.verdict}`;
    if (s.kind === "read") {
      const m = /^read (\w+) (\w+): asked (\d+), file gave (\d+), position (\S+) → (\S+)/.exec(
        s.text,
      )!;
      return `read ${m[1]} ${m[2]} ${m[3]}/${m[4]} ${m[5]}-${m[6]}`;
    }
    return s.id;
  });
}
const explain = (id: string, p: Profile) => {
  const c = restartCase(id);
  return explainRestart(c.image, c.env, p);
};

// x86_64: HDR 8, HEAD 224, TASK 152, STRING 16, TAIL 8 → HEAD @0, TASK @0xe8, STRING @0x188,
// TAIL @0x1a0, end 0x1b0 (432).
const SYSCALL = ["flags:false", "fd:false", "read:false"];
const headOk = [
  "read HEAD header 8/8 0x000-0x008",
  "HEAD.hdr.len:false", // cr_read_obj: len checked before the payload is read
  "read HEAD payload 224/224 0x008-0x0e8",
  "HEAD.hdr.type:false", // cr_read_obj_type: type after the payload
  "HEAD.hdr.parent:false", // parent < 0
  "HEAD.hdr.parent:false", // parent != 0
  "HEAD.magic:false",
  "HEAD.rev:false",
  "HEAD.major:false",
  "HEAD.minor:false",
  "HEAD.patch:false",
  "HEAD.flags:false",
];
const taskOk = [
  "read TASK header 8/8 0x0e8-0x0f0",
  "TASK.hdr.len:false",
  "read TASK payload 152/152 0x0f0-0x188",
  "TASK.hdr.type:false",
  "TASK.hdr.parent:false",
  "TASK.hdr.parent:false",
  "TASK.task_comm_len:false",
];
const stringRead = [
  "read STRING header 8/8 0x188-0x190",
  "STRING.hdr.len:false",
  "read STRING payload 16/16 0x190-0x1a0",
  "STRING.hdr.type:false",
];
const tailOk = [
  "read TAIL header 8/8 0x1a0-0x1a8",
  "TAIL.hdr.len:false",
  "read TAIL payload 8/8 0x1a8-0x1b0",
  "TAIL.hdr.type:false",
  "TAIL.hdr.parent:false",
  "TAIL.hdr.parent:false",
  "TAIL.magic:false",
];

Deno.test("explain: the valid image walks every read and check of the seed, in order", () => {
  const e = explain("restart/x86_64/valid", "seed");
  deepStrictEqual(short(e), [
    ...SYSCALL,
    ...headOk,
    ...taskOk,
    ...stringRead,
    "STRING.hdr.parent:true", // parent == 0: cr_read_string returned 0
    "comm.copy",
    ...tailOk,
  ]);
  strictEqual(e.decided.check, "ok");
  strictEqual(e.decided.source?.port, "restart.c:123");
  deepStrictEqual(e.outcome.slice(0, 3), ["ret 0", "consumed 432", "counter 1"]);
  // comm's 16 bytes are the STRING payload's, image 0x190..0x19f.
  deepStrictEqual(e.steps.find((s) => s.id === "comm.copy")?.bytes, [
    "bytes 0..15: image 0x190..0x19f",
  ]);
});

Deno.test("explain: named catalog cases stop at the check the seed stops at", () => {
  const at = (id: string, p: Profile, steps: string[], check: string, port: string) => {
    const e = explain(id, p);
    deepStrictEqual(short(e), steps, id);
    strictEqual(e.decided.check, check, id);
    strictEqual(e.decided.source?.port, port, id);
    return e;
  };
  // The type is checked after the payload is read (the file is at 0x0e8).
  const t = at(
    "restart/x86_64/head/hdr-type",
    "seed",
    [...SYSCALL, ...headOk.slice(0, 3), "HEAD.hdr.type:true"],
    "HEAD.hdr.type",
    "restart.c:35",
  );
  strictEqual(t.outcome[1], "consumed 232");
  // len -1 is refused before the payload: nothing after the header is read.
  at(
    "restart/x86_64/task/hdr-len-negative",
    "seed",
    [...SYSCALL, ...headOk, "read TASK header 8/8 0x0e8-0x0f0", "TASK.hdr.len:true"],
    "TASK.hdr.len",
    "restart.c:22",
  );
  // A negative parent is returned as the syscall's value; the first parent test decides.
  const n = at(
    "restart/x86_64/head/parent-negative",
    "seed",
    [...SYSCALL, ...headOk.slice(0, 4), "HEAD.hdr.parent:true"],
    "HEAD.hdr.parent",
    "restart.c:50",
  );
  strictEqual(n.outcome[0], "ret -2");
  // Parent 1: the second test (parent != 0) decides, one line further down.
  at(
    "restart/x86_64/tail/parent-1",
    "seed",
    [
      ...SYSCALL,
      ...headOk,
      ...taskOk,
      ...stringRead,
      "STRING.hdr.parent:true",
      "comm.copy",
      ...tailOk.slice(0, 5),
      "TAIL.hdr.parent:true",
    ],
    "TAIL.hdr.parent",
    "restart.c:73",
  );
  // The version fields are tested magic, rev, major, minor, patch: patch last.
  at(
    "restart/x86_64/head/patch",
    "seed",
    [...SYSCALL, ...headOk.slice(0, 10), "HEAD.patch:true"],
    "HEAD.patch",
    "restart.c:57",
  );
  at(
    `restart/x86_64/task/comm-len-4097`,
    "seed",
    [...SYSCALL, ...headOk, ...taskOk.slice(0, 6), "TASK.task_comm_len:true"],
    "TASK.task_comm_len",
    "restart.c:94",
  );
  // A positive STRING parent: neither zero nor negative; comm stays, TAIL is read, success.
  const p1 = at(
    "restart/x86_64/string/parent-1",
    "seed",
    [
      ...SYSCALL,
      ...headOk,
      ...taskOk,
      ...stringRead,
      "STRING.hdr.parent:false",
      "STRING.hdr.parent:false",
      ...tailOk,
    ],
    "ok",
    "restart.c:123",
  );
  match(p1.outcome[3]!, /^comm 7265737461727465720{14}/); // "restarter": left alone
  at("restart/x86_64/syscall/flags", "seed", ["flags:true"], "flags", "sys.c:160");
  at("restart/x86_64/syscall/bad-fd", "seed", ["flags:false", "fd:true"], "fd", "sys.c:100");
  at(
    "restart/x86_64/syscall/write-only",
    "seed",
    [...SYSCALL.slice(0, 2), "read:true"],
    "read",
    "sys.c:61",
  );
});

Deno.test("explain: the hardened profile's own checks appear where they run", () => {
  // H-EOF: 3 of 8 header bytes → -EPIPE at once.
  const e = explainRestart(
    restartCase("restart/x86_64/valid").image.subarray(0, 3),
    restartCase("restart/x86_64/valid").env,
    "hardened",
  );
  deepStrictEqual(short(e), [...SYSCALL, "read HEAD header 8/3 0x000-0x003", "HEAD.hdr.eof:true"]);
  strictEqual(e.outcome[0], "ret -32 (-EPIPE)");
  strictEqual(e.decided.source?.rule, "H-EOF");
  // A 4-byte name: STRING len 4 == task_comm_len 4; byte 15 forced to 0.
  const s = explain("restart/x86_64/string/short-name-4", "hardened");
  const steps = short(s);
  ok(steps.includes("read STRING payload 4/4 0x190-0x194"));
  deepStrictEqual(
    steps.slice(steps.indexOf("STRING.hdr.eof:false"), steps.indexOf("comm.copy") + 1),
    [
      "STRING.hdr.eof:false",
      "STRING.hdr.len:false", // 0..n
      "STRING.hdr.len:false", // H-LEN: == n
      "read STRING payload 4/4 0x190-0x194",
      "STRING.payload.eof:false",
      "STRING.hdr.type:false",
      "STRING.hdr.parent:false", // H-PARENT: != 0
      "comm.copy",
    ],
  );
  match(s.steps.find((x) => x.id === "comm.copy")!.text, /= 4 bytes copied.*byte 15 forced to 0/);
});

Deno.test("explain: an undefined outcome names the unwritten bytes and the contents that decide", () => {
  // 3 bytes: HEAD.hdr.len's high byte (x86_64 little-endian, header offset 3) was never read.
  const c = restartCase("restart/x86_64/valid");
  const e = explainRestart(c.image.subarray(0, 3), c.env, "seed");
  const last = e.steps.at(-1)!;
  strictEqual(last.id, "HEAD.hdr.len");
  strictEqual(last.verdict, "unknown");
  deepStrictEqual(last.bytes, [
    "byte 0: image 0x002..0x002",
    "byte 1: never written (stack: stack header 0x003)",
  ]);
  match(last.unknown![0]!, /1 never-written stack byte\(s\): stack header 0x003/);
  // len = 0xe0 | b << 8: only b = 0 keeps it in 0..224.
  match(last.unknown![1]!, /0x00 → continue; 0x01\.\.0xff → -EINVAL/);
  match(e.outcome[0]!, /^ret undefined \(stack/);
  // Cut after HEAD's header: the payload comes from the page never written; magic is unknown and
  // only its own bytes (little-endian 00 d2 a2 c0 0c ed fe 00) would let it pass.
  const m = explainRestart(c.image.subarray(0, 8), c.env, "seed");
  const magic = m.steps.find((s) => s.id === "HEAD.magic")!;
  strictEqual(magic.verdict, "unknown");
  match(
    magic.unknown![1]!,
    /only the contents 00 d2 a2 c0 0c ed fe 00 make it equal 0xfeed0cc0a2d200/,
  );
  strictEqual(m.decided.check, "HEAD.magic");
});

Deno.test("explain: stale bytes of an earlier record are named", () => {
  // TASK's payload cut to 8 bytes: task_comm_len (@144) is HEAD's bytes left in the scratch buffer.
  const c = restartCase("restart/x86_64/valid");
  const e = explainRestart(c.image.subarray(0, 0xf0 + 8), c.env, "seed");
  const tcl = e.steps.find((s) => s.id === "TASK.task_comm_len")!;
  deepStrictEqual(tcl.bytes, [
    "bytes 0..3: stale, left in the scratch buffer by HEAD's payload read (image 0x098..0x09b)",
  ]);
});

Deno.test("explain: every catalog trace agrees with restart() and follows RESTART_CHECKS' order", () => {
  const order = new Map(RESTART_CHECKS.map((c, i) => [c.id, i]));
  let n = 0;
  for (const c of cases.values()) {
    if (c.op !== "restart") continue;
    for (const p of PROFILES) {
      const e = explainRestart(c.image, c.env, p);
      const o = restart(c.image, c.env, p);
      deepStrictEqual(e.outcome, outcomeLines(o), c.id);
      strictEqual(e.decided.check, o.decision.check, c.id);
      const checks = e.steps.filter((s) => s.kind === "check");
      if (o.decision.check !== "ok") {
        strictEqual(checks.at(-1)?.id, o.decision.check, `${c.id}@${p}`);
      }
      let last = -1;
      for (const s of checks) {
        const i = order.get(s.id)!;
        ok(i >= last, `${c.id}@${p}: ${s.id} after a later check`);
        last = i;
      }
      n++;
    }
  }
  ok(n > 300, `${n} runs explained`);
});

Deno.test("explain: every seed line's port line holds the code it names", () => {
  const port = (f: string) =>
    Deno.readTextFileSync(new URL(`../golden/recipe/port/checkpoint/${f}`, import.meta.url))
      .split("\n");
  const files = new Map(["restart.c", "sys.c", "checkpoint.c"].map((f) => [f, port(f)]));
  // The token of each step's C that its port line must contain.
  const token = (id: string) =>
    ({
      "restart.flags": "if (flags)",
      "checkpoint.flags": "if (flags)",
      "restart.fd": "!ctx->file",
      "checkpoint.fd": "!ctx->file",
      "restart.counter": "atomic_inc_return",
      "checkpoint.counter": "atomic_inc_return",
      "restart.read": "FMODE_READ",
      "checkpoint.write": "FMODE_WRITE",
      "read.header": "cr_kread(ctx, h,",
      "read.payload": "cr_kread(ctx, buf, h->len)",
      "hdr.len": "h->len < 0 || h->len > n",
      "hdr.type": "h.type != type",
      "ok": "return ret",
      "comm.copy": "memcpy(t->comm",
      "STRING.kmalloc": "kmalloc(hh->task_comm_len",
      "STRING.hdr.parent": "if (!ret)",
      "STRING.hdr.parent.2": "return ret",
      "TASK.state": "TASK_DEAD",
      "checkpoint.ok": "return ctx->crid",
    } as Record<string, string>)[id] ??
      (id.endsWith(".hdr.parent")
        ? "parent < 0"
        : id.endsWith(".hdr.parent.2")
        ? "parent != 0"
        : undefined) ??
      (id.startsWith("write.") ? "cr_write_obj" : undefined) ??
      (id.endsWith("eof") ? "done <= 0" : undefined) ??
      (id === "TASK.task_comm_len" ? "hh->task_comm_len < 0" : undefined) ??
      (id.startsWith("HEAD.") || id.startsWith("TAIL.") ? `hh->${id.split(".")[1]}` : undefined);
  for (const [id, s] of Object.entries(SEED_LINES)) {
    const [file, line] = s.port.split(":");
    const text = files.get(file!)?.[Number(line) - 1];
    const t = token(id);
    ok(t, `a token for ${id}`);
    ok(text?.includes(t!), `${id}: port ${s.port} is "${text?.trim()}", expected it to hold ${t}`);
    match(s.seed, /^checkpoint\/(restart|sys|checkpoint)\.c:\d+$/, id);
  }
  // Every check id restart names resolves to a line.
  for (const c of RESTART_CHECKS) ok(seedLineOf(c.id), c.id);
});

Deno.test("explain: checkpoint shows each record written and TASK's stale padding", () => {
  const c = cases.get("checkpoint/x86_64/valid") ??
    [...cases.values()].find((c) => c.op === "checkpoint")!;
  if (c.op !== "checkpoint") throw new Error("not a checkpoint case");
  const e = explainCheckpoint(c.state, c.env);
  deepStrictEqual(e.steps.map((s) => s.id), [
    "write.HEAD",
    "write.TASK",
    "write.STRING",
    "write.TAIL",
  ]);
  strictEqual(e.steps[1]!.text, "write TASK: header 0x0e8..0x0ef, payload 152 bytes 0x0f0..0x187");
  // x86_64 TASK padding [20,24) holds HEAD.time's high half, [148,152) HEAD.version bytes.
  deepStrictEqual(e.steps[1]!.bytes, [
    "pad@20 (image 0x104, 4 bytes): stale HEAD bytes (HEAD.time) left in the scratch buffer",
    "pad@148 (image 0x184, 4 bytes): stale HEAD bytes (HEAD.version) left in the scratch buffer",
  ]);
  strictEqual(e.decided.source?.port, "checkpoint.c:159");
  match(formatExplanation(e, c.id), /decided by ok @0x000: checkpoint written/);
});
