/**
 * The C testee (`impls/c/crconform.c`) against the reference model: built
 * into a temporary directory, driven over the persistent protocol (pipelined)
 * and the per-case mode, and compared on every value the reference calls
 * defined. Each mutant in `impls/mutants/mutants.tsv` must differ from the
 * reference on at least one of these inputs (a quick kill check; the
 * harness does the official one).
 *
 * @module
 */
import {
  checkpoint,
  type CheckpointEnv,
  defaultCheckpointEnv,
  defaultRestartEnv,
  defaultTaskState,
  LAYOUTS,
  type Profile,
  restart,
  type RestartEnv,
  TASK_DEAD,
  type TaskState,
  toHex,
} from "../../mod.ts";
import type { AbiName } from "../../reference/layout.ts";
import {
  type Answer,
  frame,
  FrameReader,
  helloPayload,
  parseAnswer,
  parseHello,
  type Request,
  requestPayload,
} from "../../harness/protocol.ts";

const HERE = new URL(".", import.meta.url).pathname;
const BUILD = `${HERE}build.sh`;
const MUTANTS_TSV = `${HERE}../mutants/mutants.tsv`;
const ABIS: AbiName[] = ["x86_64", "i386"];
const PROFILES: Profile[] = ["seed", "hardened"];
const enc = new TextEncoder();
const dec = new TextDecoder();

function fail(msg: string): never {
  throw new Error(msg);
}

/** Builds the testee (optionally a mutant) into a fresh temp dir; returns the binary's path. */
async function build(...flags: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "crconform-c-" });
  // Extra flags for every build, e.g. CRCONFORM_C_CFLAGS="-fsanitize=address,undefined".
  const extra = (Deno.env.get("CRCONFORM_C_CFLAGS") ?? "").split(/\s+/).filter(Boolean);
  const args = [dir, ...extra, ...flags];
  const r = await new Deno.Command(BUILD, { args, stderr: "piped" }).output();
  if (!r.success) fail(`build ${flags.join(" ")} failed:\n${dec.decode(r.stderr)}`);
  return `${dir}/crconform`;
}

/** A persistent-mode testee process. */
class Session {
  private readonly child: Deno.ChildProcess;
  private readonly out: ReadableStreamDefaultReader<Uint8Array>;
  private readonly frames = new FrameReader();

  constructor(bin: string) {
    this.child = new Deno.Command(bin, { stdin: "piped", stdout: "piped", stderr: "inherit" })
      .spawn();
    this.out = this.child.stdout.getReader();
  }

  /** Sends every payload at once (pipelined) while reading the answers, in order. */
  async ask(payloads: Uint8Array[]): Promise<Uint8Array[]> {
    const w = this.child.stdin.getWriter();
    const writing = (async () => {
      for (const p of payloads) await w.write(frame(p));
      w.releaseLock();
    })();
    const answers: Uint8Array[] = [];
    while (answers.length < payloads.length) {
      const f = this.frames.next();
      if (f) {
        answers.push(f);
        continue;
      }
      const { value, done } = await this.out.read();
      if (done) fail(`testee closed stdout after ${answers.length} answers`);
      this.frames.push(value);
    }
    await writing;
    return answers;
  }

  /** Closes stdin: the testee must exit 0. */
  async close(): Promise<void> {
    await this.child.stdin.close();
    const rest = await this.out.read();
    if (!rest.done) fail("unexpected output after the last answer");
    const st = await this.child.status;
    if (st.code !== 0) fail(`testee exited with ${st.code}`);
  }
}

/** One input and how to judge the answer against the reference. */
interface Case {
  readonly name: string;
  readonly req: Request;
  /** Undefined when the answer agrees with the reference, else why not. */
  readonly judge: (a: Answer) => string | undefined;
}

function ckCase(name: string, state: TaskState, env: CheckpointEnv): Case {
  const want = checkpoint(state, env);
  return {
    name,
    req: { op: "checkpoint", state, env },
    judge: (a) => {
      if (a.kind !== "checkpoint") return `answered ${a.kind}: ${JSON.stringify(a)}`;
      if (a.ret !== want.ret) return `ret ${a.ret}, want ${want.ret}`;
      if (a.counter !== want.counter) return `counter ${a.counter}, want ${want.counter}`;
      const got = toHex(a.image), exp = toHex(want.image);
      if (got !== exp) {
        let i = 0;
        while (got[i] === exp[i]) i++;
        return `image differs from byte ${
          i >> 1
        } (${a.image.length} vs ${want.image.length} bytes)`;
      }
    },
  };
}

function rsCase(name: string, image: Uint8Array, env: RestartEnv, profile: Profile): Case {
  const want = restart(image, env, profile);
  return {
    name: `${name} [${env.abi} ${profile}]`,
    req: { op: "restart", image, env, profile },
    judge: (a) => {
      if (a.kind !== "restart") return `answered ${a.kind}: ${JSON.stringify(a)}`;
      if (want.ret.defined && a.ret !== want.ret.value) {
        return `ret ${a.ret}, want ${want.ret.value} (${want.decision.check})`;
      }
      if (want.consumed.defined && a.consumed !== want.consumed.value) {
        return `consumed ${a.consumed}, want ${want.consumed.value} (${want.decision.check})`;
      }
      if (a.counter !== want.counter) return `counter ${a.counter}, want ${want.counter}`;
      for (let i = 0; i < 16; i++) {
        if (want.commDefined[i] && a.comm[i] !== want.comm[i]) {
          return `comm ${toHex(a.comm)}, want ${toHex(want.comm)} (byte ${i})`;
        }
      }
    },
  };
}

const U64_MAX = (1n << 64n) - 1n;
const bytes = (n: number, f: (i: number) => number) =>
  Uint8Array.from({ length: n }, (_, i) => f(i));
const text = (s: string, n: number) => bytes(n, (i) => (i < s.length ? s.charCodeAt(i) : 0));

/** i386 fields that come from a C `long` (sign-extended); the other u64s are `unsigned long`. */
const LONGS = [
  "state",
  "start_time_sec",
  "start_time_nsec",
  "real_start_time_sec",
  "real_start_time_nsec",
];
const U32S = ["exit_state", "exit_code", "exit_signal"];

function withFields(f: (name: string) => bigint, comm: Uint8Array): TaskState {
  const s = defaultTaskState() as unknown as Record<string, unknown>;
  for (const k of Object.keys(s)) if (k !== "comm") s[k] = f(k);
  s.comm = comm;
  return s as unknown as TaskState;
}

function checkpointCases(): Case[] {
  const cs: Case[] = [];
  const def = defaultTaskState();
  for (const abi of ABIS) {
    const env = defaultCheckpointEnv(abi);
    cs.push(ckCase(`default ${abi}`, def, env));
    cs.push(ckCase(`dead task ${abi}`, { ...def, state: TASK_DEAD }, env));
    cs.push(ckCase(`flags 1 ${abi}`, def, { ...env, flags: 1n }));
    cs.push(ckCase(`flags max ${abi}`, def, { ...env, flags: U64_MAX }));
    cs.push(ckCase(`bad fd ${abi}`, def, { ...env, file: "bad-fd", counter: 5 }));
    cs.push(ckCase(`read-only ${abi}`, def, { ...env, file: "read-only", counter: 5 }));
    cs.push(ckCase(`counter 41 ${abi}`, def, { ...env, counter: 41 }));
    cs.push(
      ckCase(`kernel 3.1.4 ${abi}`, def, { ...env, kernel: { major: 3, minor: 1, patch: 4 } }),
    );
    // Bytes after utsname's NUL, a version filling [148,152), a small exit_signal.
    const junk = {
      ...env,
      uts: {
        release: bytes(64, (i) => (i < 6 ? 0x32 : i === 6 ? 0 : 0x80 + i)),
        version: bytes(64, (i) => 0x21 + i),
        machine: text("x", 64),
      },
    };
    cs.push(ckCase(`utsname junk ${abi}`, { ...def, comm: bytes(16, (i) => 0x61 + i) }, junk));
    if (abi === "x86_64") {
      cs.push(ckCase("big time x86_64", def, { ...junk, time: 0xdeadbeefcafef00dn }));
      const max = withFields(
        (k) => (U32S.includes(k) ? 0xffffffffn : U64_MAX),
        bytes(16, () => 0xff),
      );
      cs.push(ckCase("all max x86_64", max, { ...junk, time: U64_MAX }));
    } else {
      const neg = withFields(
        (
          k,
        ) => (U32S.includes(k)
          ? 0xffffffffn
          : LONGS.includes(k)
          ? U64_MAX - 0x7fffffffn
          : 0xffffffffn),
        bytes(16, () => 0xff),
      );
      cs.push(ckCase("long min i386", neg, { ...junk, time: U64_MAX - 0x7fffffffn }));
      const pos = withFields(
        (k) => (LONGS.includes(k) ? 0x7fffffffn : BigInt(k.length * 0x01010101)),
        bytes(16, (i) => i * 17),
      );
      cs.push(ckCase("long max i386", pos, { ...junk, time: 0x7fffffffn }));
    }
  }
  return cs;
}

/** Record offsets in a checkpoint image of the ABI. */
function offsets(abi: AbiName) {
  const T = LAYOUTS[abi].TASK.size;
  const task = 8 + 224, str = task + 8 + T, tail = str + 8 + 16;
  return { head: 0, task, str, tail, T, tcl: task + 8 + T - (abi === "x86_64" ? 8 : 4) };
}

type Edit = (v: DataView, o: ReturnType<typeof offsets>) => void;

const CORRUPTIONS: [string, Edit][] = [
  ["HEAD type 2", (v, o) => v.setInt16(o.head, 2, true)],
  ["HEAD type TASK", (v, o) => v.setInt16(o.head, 101, true)],
  ["HEAD len 225", (v, o) => v.setInt16(o.head + 2, 225, true)],
  ["HEAD len -1", (v, o) => v.setInt16(o.head + 2, -1, true)],
  ["HEAD len 223", (v, o) => v.setInt16(o.head + 2, 223, true)],
  ["HEAD parent 1", (v, o) => v.setUint32(o.head + 4, 1, true)],
  ["HEAD parent 0xfffffffe", (v, o) => v.setUint32(o.head + 4, 0xfffffffe, true)],
  ["HEAD magic", (v, o) => v.setUint8(o.head + 8, 1)],
  ["HEAD major 3", (v, o) => v.setUint16(o.head + 16, 3, true)],
  ["HEAD minor 4", (v, o) => v.setUint16(o.head + 18, 4, true)],
  ["HEAD patch 24", (v, o) => v.setUint16(o.head + 20, 24, true)],
  ["HEAD rev 2", (v, o) => v.setUint16(o.head + 22, 2, true)],
  ["HEAD flags 3", (v, o) => v.setUint8(o.head + 32, 3)],
  ["HEAD flags 0", (v, o) => v.setUint8(o.head + 32, 0)],
  ["TASK type 2", (v, o) => v.setInt16(o.task, 2, true)],
  ["TASK len +1", (v, o) => v.setInt16(o.task + 2, o.T + 1, true)],
  ["TASK len -8", (v, o) => v.setInt16(o.task + 2, o.T - 8, true)],
  ["TASK parent 7", (v, o) => v.setUint32(o.task + 4, 7, true)],
  ["TASK parent 0x80000000", (v, o) => v.setUint32(o.task + 4, 0x80000000, true)],
  ["tcl 0", (v, o) => v.setInt32(o.tcl, 0, true)],
  ["tcl -1", (v, o) => v.setInt32(o.tcl, -1, true)],
  ["tcl 15", (v, o) => v.setInt32(o.tcl, 15, true)],
  ["tcl 32", (v, o) => v.setInt32(o.tcl, 32, true)],
  ["tcl 4096", (v, o) => v.setInt32(o.tcl, 4096, true)],
  ["tcl 4097", (v, o) => v.setInt32(o.tcl, 4097, true)],
  ["tcl 4 STRING len 4", (v, o) => {
    v.setInt32(o.tcl, 4, true);
    v.setInt16(o.str + 2, 4, true);
  }],
  ["STRING type 3", (v, o) => v.setInt16(o.str, 3, true)],
  ["STRING len 15", (v, o) => v.setInt16(o.str + 2, 15, true)],
  ["STRING len 17", (v, o) => v.setInt16(o.str + 2, 17, true)],
  ["STRING parent 5", (v, o) => v.setUint32(o.str + 4, 5, true)],
  ["STRING parent 0xffffffff", (v, o) => v.setUint32(o.str + 4, 0xffffffff, true)],
  ["TAIL type 1", (v, o) => v.setInt16(o.tail, 1, true)],
  ["TAIL len 9", (v, o) => v.setInt16(o.tail + 2, 9, true)],
  ["TAIL len 0", (v, o) => v.setInt16(o.tail + 2, 0, true)],
  ["TAIL parent 3", (v, o) => v.setUint32(o.tail + 4, 3, true)],
  ["TAIL parent 0x90000000", (v, o) => v.setUint32(o.tail + 4, 0x90000000, true)],
  ["TAIL magic", (v, o) => v.setUint8(o.tail + 15, 0x77)],
];

function corrupt(image: Uint8Array, abi: AbiName, edit: Edit): Uint8Array {
  const c = image.slice();
  edit(new DataView(c.buffer), offsets(abi));
  return c;
}

function restartCases(): Case[] {
  const cs: Case[] = [];
  for (const abi of ABIS) {
    const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv(abi));
    const full = checkpoint(
      { ...defaultTaskState(), comm: text("abcdefghijklmnop", 16) },
      defaultCheckpointEnv(abi),
    ).image;
    const env = defaultRestartEnv(abi);
    for (const p of PROFILES) {
      cs.push(rsCase("valid", image, env, p));
      cs.push(rsCase("valid, 16-byte comm", full, env, p));
      cs.push(rsCase("flags 1", image, { ...env, flags: 1n }, p));
      cs.push(rsCase("bad fd", image, { ...env, file: "bad-fd", counter: 3 }, p));
      cs.push(rsCase("counter 41", image, { ...env, counter: 41 }, p));
      cs.push(
        rsCase("kernel patch 26", image, { ...env, kernel: { major: 2, minor: 6, patch: 26 } }, p),
      );
      cs.push(rsCase("trailing bytes", Uint8Array.from([...image, 1, 2, 3]), env, p));
      for (let n = 0; n < image.length; n++) {
        cs.push(rsCase(`prefix ${n}`, image.subarray(0, n), env, p));
      }
      for (const [name, edit] of CORRUPTIONS) {
        cs.push(rsCase(name, corrupt(image, abi, edit), env, p));
        cs.push(rsCase(`${name}, 16-byte comm`, corrupt(full, abi, edit), env, p));
      }
    }
  }
  return cs;
}

/** Seeded random edits of valid images: header fields, task_comm_len, any byte, the length. */
function randomCases(count: number): Case[] {
  let x = 0x2545f491;
  const rnd = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)]!;
  const small = [0, 1, 2, 4, 8, 15, 16, 17, 101, 144, 152, 223, 224, 225, 4096, 5001, -1, 0x7fff];
  const cs: Case[] = [];
  for (let k = 0; k < count; k++) {
    const abi = pick(ABIS), profile = pick(PROFILES);
    const comm = bytes(16, () => (rnd(3) ? 0x61 + rnd(26) : 0));
    const img = checkpoint({ ...defaultTaskState(), comm }, defaultCheckpointEnv(abi)).image;
    const v = new DataView(img.buffer), o = offsets(abi);
    const edits: string[] = [];
    for (let e = 1 + rnd(3); e > 0; e--) {
      const rec = pick([o.head, o.task, o.str, o.tail]);
      const what = rnd(6);
      if (what < 3) {
        const val = pick(small) + (rnd(4) ? 0 : rnd(3) - 1);
        if (what === 2) v.setInt32(rec + 4, rnd(3) ? val : -val, true);
        else v.setInt16(rec + 2 * what, val, true);
        edits.push(`${rec}+${2 * what}=${val}`);
      } else if (what === 3) {
        const val = pick(small);
        v.setInt32(o.tcl, val, true);
        edits.push(`tcl=${val}`);
      } else {
        const at = rnd(img.length), val = rnd(256);
        img[at] = val;
        edits.push(`[${at}]=${val}`);
      }
    }
    const cut = rnd(4) ? img.length : rnd(img.length);
    cs.push(
      rsCase(
        `random ${k} ${edits.join(" ")} cut ${cut}`,
        img.subarray(0, cut),
        defaultRestartEnv(abi),
        profile,
      ),
    );
  }
  return cs;
}

const CASES = [...checkpointCases(), ...restartCases(), ...randomCases(3000)];
const PAYLOADS = CASES.map((c, i) => requestPayload(c.req, i + 1));

/** Runs every case through one persistent session; returns the disagreements. */
async function disagreements(bin: string): Promise<string[]> {
  const s = new Session(bin);
  const [hello, ...answers] = await s.ask([helloPayload(), ...PAYLOADS]);
  const h = parseHello(hello!);
  if (h.protocol !== 1 || h.abis.length !== 2 || h.profiles.length !== 2) {
    fail(`hello: ${JSON.stringify(h)}`);
  }
  await s.close();
  const bad: string[] = [];
  CASES.forEach((c, i) => {
    const why = c.judge(parseAnswer(answers[i]!, c.req.op, i + 1));
    if (why) bad.push(`${c.req.op} ${c.name}: ${why}`);
  });
  return bad;
}

Deno.test("C testee agrees with the reference on every defined value", async () => {
  const bad = await disagreements(await build());
  if (bad.length) {
    fail(`${bad.length} of ${CASES.length} cases disagree:\n${bad.slice(0, 20).join("\n")}`);
  }
});

Deno.test("C testee: per-case mode", async () => {
  const bin = await build();
  const run = async (op: string, payload: Uint8Array) => {
    const child = new Deno.Command(bin, { args: [op], stdin: "piped", stdout: "piped" }).spawn();
    const w = child.stdin.getWriter();
    await w.write(payload);
    await w.close();
    const r = await child.output();
    if (r.code !== 0) fail(`${op} exited ${r.code}`);
    return r.stdout;
  };
  if (parseHello(await run("hello", helloPayload())).protocol !== 1) fail("hello");
  for (const i of [0, CASES.length - 1, CASES.findIndex((c) => c.req.op === "restart")]) {
    const c = CASES[i]!;
    const why = c.judge(parseAnswer(await run(c.req.op, PAYLOADS[i]!), c.req.op, i + 1));
    if (why) fail(`${c.name}: ${why}`);
  }
});

Deno.test("C testee: malformed requests get error or unsupported answers", async () => {
  const s = new Session(await build());
  const base = dec.decode(PAYLOADS[CASES.findIndex((c) => c.req.op === "restart")]!);
  const bad = [
    base.replace(/^image .*$/m, "image 0"),
    base.replace(/^image .*$/m, "image zz"),
    base.replace(/^comm .*$/m, "comm 00"),
    base.replace(/^counter .*$/m, "counter -1"),
    base.replace(/^flags .*$/m, "flags 18446744073709551616"),
    base.replace(/^profile .*$/m, "profile lax"),
    base.replace(/^abi .*$/m, "abi sparc"),
    base.replace(/^op .*$/m, "op frobnicate"),
    base.replace(/^file .*$/m, ""),
    base + "x".repeat(100) + "\n" + "k v\n".repeat(100),
    "",
  ].map((t) => enc.encode(t));
  const answers = await s.ask([...bad, PAYLOADS[0]!]);
  answers.slice(0, -1).forEach((a, i) => {
    const t = dec.decode(a);
    if (!/^(error|unsupported) /m.test(t)) fail(`malformed request ${i} answered:\n${t}`);
  });
  const why = CASES[0]!.judge(parseAnswer(answers.at(-1)!, "checkpoint", 1));
  if (why) fail(`after malformed requests: ${why}`);
  await s.close();
});

/** Reads mutants.tsv: id, bug class, description. */
async function mutants(): Promise<{ id: string; n: number; cls: string; desc: string }[]> {
  const rows = (await Deno.readTextFile(MUTANTS_TSV)).split("\n").filter((l) =>
    l && !l.startsWith("#")
  );
  return rows.map((l) => {
    const [id, cls, desc, ...extra] = l.split("\t");
    const m = /^m(\d+)-[a-z0-9-]+$/.exec(id ?? "");
    if (!m || !cls || !desc || extra.length) fail(`mutants.tsv: bad line ${JSON.stringify(l)}`);
    return { id: id!, n: Number(m[1]), cls, desc };
  });
}

Deno.test("mutants.tsv lists exactly the MUT(n) sites of crconform.c", async () => {
  const src = await Deno.readTextFile(`${HERE}crconform.c`);
  const sites = new Set([...src.matchAll(/MUT\((\d+)\)/g)].map((m) => Number(m[1])));
  const listed = (await mutants()).map((m) => m.n);
  if (new Set(listed).size !== listed.length) fail("mutants.tsv: duplicate numbers");
  const a = [...sites].sort((x, y) => x - y).join(","),
    b = [...listed].sort((x, y) => x - y).join(",");
  if (a !== b) fail(`MUT sites ${a} != mutants.tsv ${b}`);
  if (listed.length < 30) fail(`only ${listed.length} mutants`);
});

// The official kill check is harness/mutants_test.ts (the whole suite against every mutant).

Deno.test("harness/testdata/minimal.c: x86_64 seed restarts agree, the rest is unsupported", async () => {
  const dir = await Deno.makeTempDir({ prefix: "crconform-minimal-" });
  const src = `${HERE}../../harness/testdata/minimal.c`;
  const args = [
    "-std=c99",
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-pedantic",
    "-o",
    `${dir}/minimal`,
    src,
  ];
  const r = await new Deno.Command("gcc", { args, stderr: "piped" }).output();
  if (!r.success) fail(`gcc minimal.c:\n${dec.decode(r.stderr)}`);
  if ((await Deno.readTextFile(src)).split("\n").length > 200) fail("minimal.c over 200 lines");
  const s = new Session(`${dir}/minimal`);
  const [hello, ...answers] = await s.ask([helloPayload(), ...PAYLOADS]);
  if (parseHello(hello!).abis.join() !== "x86_64") fail("minimal hello");
  await s.close();
  let agreed = 0;
  CASES.forEach((c, i) => {
    const a = parseAnswer(answers[i]!, c.req.op, i + 1);
    const mine = c.req.op === "restart" && c.req.env.abi === "x86_64" && c.req.profile === "seed";
    if (!mine) {
      if (a.kind !== "unsupported") fail(`${c.name}: minimal answered ${a.kind}`);
      return;
    }
    const why = c.judge(a);
    if (why) fail(`minimal, ${c.name}: ${why}`);
    agreed++;
  });
  if (agreed < 400) fail(`only ${agreed} x86_64 seed restarts`);
});
