/**
 * A deliberately misbehaving testee for the harness's tests. It answers like
 * the reference, except as its mode says:
 *
 * - `crash-on N`: exits (code 3) when asked request id N.
 * - `hang-ignore-term N`: ignores SIGTERM and never answers request id N.
 * - `grandchild N`: at request id N, starts a grandchild that keeps stdout open, then exits.
 * - `flood`: after hello, writes an endless stream of bytes.
 * - `garbage`: answers every case with a well-framed payload of junk.
 * - `wrong-abi`: answers checkpoints with the other ABI's image.
 * - `old-protocol`: answers hello with protocol 0.
 * - `unsupported`: declares everything, then answers every case "unsupported".
 * - `no-abi`: its hello declares no ABI.
 * - `restart-x86_64`: declares only restart of x86_64 (both profiles).
 * - `hang-from N`: never answers request id N or any after it.
 * - `slow=MS`: answers each case MS ms late.
 * - `slow-start=MS`: spends MS ms of CPU before reading its input (a JIT, a VM).
 * - `ignore-term`: ignores SIGTERM.
 * - `ignore-eof`: at end of input, sleeps instead of exiting.
 * - `exit=N`: at end of input, exits with status N (PROTOCOL.md: 0).
 * - `single-read`: reads each frame with one read() for its length and one
 *   for its payload, taking what each returned as all of it (a frame split
 *   across reads is misread).
 * - `setsid-grandchild N`: at request id N, starts a grandchild that calls
 *   setsid() and sleeps (carrying the marker), waits until it has, then
 *   answers as usual.
 * - `daemon N`: at request id N, starts a double-forked daemon in a new
 *   session (carrying the marker), then answers as usual.
 *
 * Modes combine with commas (`slow=200,ignore-term,ignore-eof`). The
 * arguments are MODE, N (-1 when unused) and a marker that tests use to
 * find leftover processes; in per-case mode the harness adds OP after them.
 *
 * @module
 */
import { frame, FrameReader, parseLines } from "../../protocol/codec.ts";
import { toHex } from "../../reference/bytes.ts";
import { checkpoint } from "../../reference/checkpoint.ts";
import { restart } from "../../reference/restart.ts";
import { fromHex } from "../../reference/bytes.ts";
import { defaultCheckpointEnv, defaultTaskState } from "../../reference/types.ts";
import { type AbiName, foreignAbi } from "../../reference/layout.ts";

const OPS = ["hello", "checkpoint", "restart"];
const percase = Deno.args.length > 1 && OPS.includes(Deno.args.at(-1)!)
  ? Deno.args.at(-1)
  : undefined;
const [spec = "", arg = "-1", marker = "crconform-hostile"] = Deno.args;
const modes = new Map(
  spec.split(",").map((m) => {
    const eq = m.indexOf("=");
    return eq < 0 ? [m, 0] : [m.slice(0, eq), Number(m.slice(eq + 1))];
  }),
);
const has = (m: string) => modes.has(m);
const mode = modes.size === 1 ? spec : [...modes.keys()].find((m) => m !== "ignore-term") ?? "";
const target = Number(arg);
const out = Deno.stdout;
const enc = new TextEncoder();
const send = (s: string) => writeAll(percase ? enc.encode(s) : frame(enc.encode(s)));

function writeAll(b: Uint8Array) {
  for (let o = 0; o < b.length;) o += out.writeSync(b.subarray(o));
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const forever = () => {
  for (;;) sleep(1000);
};

if (mode === "hang-ignore-term" || has("ignore-term")) {
  Deno.addSignalListener("SIGTERM", () => {});
}
if (has("slow-start")) {
  const end = performance.now() + modes.get("slow-start")!;
  while (performance.now() < end) Math.sqrt(Math.random());
}

/**
 * A process that outlives this one unless it is contained: it sleeps, carrying the marker. A
 * setsid() grandchild is waited for until it has left this process group, so the escape does
 * not depend on how soon the harness kills the group.
 */
async function escape(how: "setsid-grandchild" | "daemon") {
  const script = how === "daemon"
    ? `(setsid sh -c 'sleep 300; :' ${marker}-daemon & ) ; exit 0`
    : `exec setsid sh -c 'echo left; exec >/dev/null; sleep 300; :' ${marker}-setsid`;
  const p = new Deno.Command("sh", {
    args: ["-c", script],
    stdin: "null",
    stdout: how === "daemon" ? "null" : "piped",
    stderr: "null",
  }).spawn();
  if (how === "daemon") p.status.then(() => {}); // the middle process exits at once
  else {
    // "left" is written after setsid(): the grandchild is in its own session now.
    const reader = p.stdout.getReader();
    await reader.read();
    reader.releaseLock();
    await p.stdout.cancel();
    p.unref();
  }
}

function answer(m: Map<string, string>): string {
  const id = m.get("id")!;
  const abi = m.get("abi") as AbiName;
  const kernel = {
    major: Number(m.get("major")),
    minor: Number(m.get("minor")),
    patch: Number(m.get("patch")),
  };
  const counter = Number(m.get("counter"));
  const flags = BigInt(m.get("flags")!);
  if (m.get("op") === "checkpoint") {
    const state = defaultTaskState() as unknown as Record<string, bigint | Uint8Array>;
    for (const k of Object.keys(state)) if (k !== "comm") state[k] = BigInt(m.get(k)!);
    state.comm = fromHex(m.get("comm")!)!;
    const other = foreignAbi(abi) ?? abi;
    const envFor = (which: AbiName) => ({
      ...defaultCheckpointEnv(which),
      kernel,
      counter,
      flags,
      time: BigInt(m.get("time")!),
      file: m.get("file") as "ok",
      uts: {
        release: fromHex(m.get("release")!)!,
        version: fromHex(m.get("version")!)!,
        machine: fromHex(m.get("machine")!)!,
      },
    });
    // wrong-abi: the other ABI's image, or its own where the other cannot hold the state (a
    // 64-bit value on i386): a wrong answer, never a crash (a crash costs a restart per run).
    let r;
    try {
      r = checkpoint(state as never, envFor(mode === "wrong-abi" ? other : abi));
    } catch (e) {
      if (mode !== "wrong-abi") throw e;
      r = checkpoint(state as never, envFor(abi));
    }
    return `id ${id}\nret ${r.ret}\ncounter ${r.counter}\nimage ${toHex(r.image)}\n`;
  }
  const o = restart(fromHex(m.get("image")!)!, {
    abi,
    kernel,
    counter,
    flags,
    comm: fromHex(m.get("comm")!)!,
    file: m.get("file") as "ok",
  }, m.get("profile") as "seed");
  const v = (x: { defined: boolean; value?: number }) => (x.defined ? x.value : 0);
  return `id ${id}\nret ${v(o.ret)}\nconsumed ${v(o.consumed)}\ncounter ${o.counter}\ncomm ${
    toHex(o.comm)
  }\n`;
}

/** End of input: exit, unless told to ignore it. */
function eof(): never {
  if (has("ignore-eof")) forever();
  Deno.exit(modes.get("exit") ?? 0);
}

/** `single-read`: one read() for the length, one for the payload, each taken as complete. */
function singleRead(): Uint8Array {
  const head = new Uint8Array(4);
  if (Deno.stdin.readSync(head) === null) eof();
  const n = (head[0]! | head[1]! << 8 | head[2]! << 16) + head[3]! * 2 ** 24;
  const body = new Uint8Array(Math.min(n, 1 << 24));
  const got = n ? Deno.stdin.readSync(body) ?? 0 : 0;
  return body.subarray(0, got);
}

const fr = new FrameReader();
const buf = new Uint8Array(1 << 16);
const input: Uint8Array[] = [];
for (;;) {
  if (has("single-read") && !percase) {
    fr.push(frame(singleRead()));
    await handle();
    continue;
  }
  const n = Deno.stdin.readSync(buf);
  if (percase) {
    // Per case: the whole payload up to end of input, one answer, exit.
    if (n !== null) {
      input.push(buf.slice(0, n));
      continue;
    }
    const all = new Uint8Array(input.reduce((a, b) => a + b.length, 0));
    input.reduce((o, b) => (all.set(b, o), o + b.length), 0);
    fr.push(frame(all));
  } else if (n === null) eof();
  else fr.push(buf.subarray(0, n));
  await handle();
  if (percase) eof();
}

/** Answers every frame buffered. */
async function handle() {
  for (let f = fr.next(); f; f = fr.next()) {
    const m = parseLines(f);
    if (m.get("op") === "hello") {
      const abis = mode === "no-abi" ? "" : mode === "restart-x86_64" ? "x86_64" : "x86_64 i386";
      const ops = mode === "restart-x86_64" ? "ops restart\n" : "";
      send(
        `protocol ${
          mode === "old-protocol" ? 0 : 1
        }\nname hostile-${mode}\n${ops}abis ${abis}\nprofiles seed hardened\n`,
      );
      if (mode === "flood") { for (;;) out.writeSync(new Uint8Array(65536).fill(0x41)); }
      continue;
    }
    const id = Number(m.get("id"));
    if (has("setsid-grandchild") && id === target) await escape("setsid-grandchild");
    if (has("daemon") && id === target) await escape("daemon");
    if (has("hang-from") && id >= target) forever();
    if (has("slow")) sleep(modes.get("slow")!);
    if (mode === "crash-on" && id === target) Deno.exit(3);
    if (mode === "hang-ignore-term" && id === target) {
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
    if (mode === "grandchild" && id === target) {
      new Deno.Command("sleep", { args: ["300"], stdout: "inherit", stdin: "null" }).spawn();
      Deno.exit(0);
    }
    if (mode === "unsupported") {
      send(`id ${id}\nunsupported nothing is implemented\n`);
      continue;
    }
    if (mode === "garbage") {
      out.writeSync(frame(Uint8Array.from([0xde, 0xad, 0x0a, 0xbe, 0xef])));
      continue;
    }
    send(answer(m));
  }
}
