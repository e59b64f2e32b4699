/**
 * Implementations under test. A {@link Testee} takes a batch of requests and
 * reports one {@link Outcome} per request: an answer, or what went wrong
 * (unsupported, error, crash, timeout, protocol). The harness keeps going
 * whatever a testee does: crashed testees are respawned, hung ones have
 * their whole process group killed, malformed answers are bounded.
 *
 * @module
 */
import { checkpoint } from "../reference/checkpoint.ts";
import { ABI_NAMES } from "../reference/layout.ts";
import { restart } from "../reference/restart.ts";
import { PROFILES } from "../reference/types.ts";
import {
  type Answer,
  frame,
  FrameReader,
  type Hello,
  helloPayload,
  MAX_FRAME,
  parseAnswer,
  parseHello,
  PROTOCOL_VERSION,
  ProtocolError,
  type Request,
  requestPayload,
} from "./protocol.ts";

/** What became of one request. */
export type Outcome =
  | { readonly status: "answer"; readonly answer: Answer & { kind: "checkpoint" | "restart" } }
  | { readonly status: "unsupported"; readonly detail: string }
  | { readonly status: "error" | "crash" | "timeout" | "protocol"; readonly detail: string };

/** An outcome that is not an answer. */
export type Failure = Exclude<Outcome, { status: "answer" }>;

/** An implementation the harness can run. */
export interface Testee {
  /** The name given on the command line (or the bundled name). */
  readonly name: string;
  /** Starts it and performs the handshake. @throws {SetupError} */
  start(): Promise<Hello>;
  /** Runs requests in order, reporting each outcome by index. */
  run(requests: readonly Request[], onOutcome: (index: number, o: Outcome) => void): Promise<void>;
  /** Stops it; no process is left behind. */
  close(): Promise<void>;
}

/** A testee that cannot be started or speaks another protocol version: the run cannot proceed. */
export class SetupError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}

/** Options for process testees. */
export interface ProcessOptions {
  /** Per-case timeout in ms. @default 5000 */
  timeoutMs?: number;
  /** Requests kept in flight. @default 16 */
  window?: number;
  /** Grace between SIGTERM and SIGKILL, ms. @default 200 */
  graceMs?: number;
  /** Working directory. */
  cwd?: string;
}

/** The reference model, in process. */
export class ReferenceTestee implements Testee {
  /** Bundled name. */
  readonly name: string;
  /** Creates it under a name. */
  constructor(name = "reference") {
    this.name = name;
  }
  /** The reference supports everything. */
  start(): Promise<Hello> {
    return Promise.resolve({
      protocol: PROTOCOL_VERSION,
      name: this.name,
      abis: ABI_NAMES,
      profiles: PROFILES,
    });
  }
  /** Answers from the model. */
  run(requests: readonly Request[], onOutcome: (index: number, o: Outcome) => void): Promise<void> {
    requests.forEach((r, i) => onOutcome(i, referenceAnswer(r)));
    return Promise.resolve();
  }
  /** Nothing to stop. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The reference's answer to a request (undefined values answered as 0). */
export function referenceAnswer(r: Request): Outcome {
  if (r.op === "checkpoint") {
    const c = checkpoint(r.state, r.env);
    return {
      status: "answer",
      answer: { kind: "checkpoint", ret: c.ret, counter: c.counter, image: c.image },
    };
  }
  const o = restart(r.image, r.env, r.profile);
  return {
    status: "answer",
    answer: {
      kind: "restart",
      ret: o.ret.defined ? o.ret.value : 0,
      consumed: o.consumed.defined ? o.consumed.value : 0,
      counter: o.counter,
      comm: o.comm,
    },
  };
}

/** `p`, or "timeout" after `ms`; the timer is cleared either way (no timer piles up per case). */
function raceTimeout<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), ms));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** A spawned child in its own process group, with a frame reader over its stdout. */
class Child {
  readonly proc: Deno.ChildProcess;
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly frames = new FrameReader();
  private pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  private exited: Promise<"exited">;
  /** The child process has exited (its descendants may live on). */
  gone = false;
  eof = false;

  constructor(cmd: string, args: string[], cwd?: string) {
    // setsid: the child leads a new process group, so the whole group
    // (grandchildren included) can be killed at once.
    this.proc = new Deno.Command("setsid", {
      args: ["sh", "-c", cmd, "sh", ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
      cwd,
    }).spawn();
    this.reader = this.proc.stdout.getReader();
    this.writer = this.proc.stdin.getWriter();
    this.writer.closed.catch(() => {});
    this.exited = this.proc.status.then(() => "exited" as const);
  }

  /** Writes bytes; a dead child is reported on the next read, not here. */
  write(bytes: Uint8Array): void {
    this.writer.write(bytes).catch(() => {});
  }

  /**
   * The next frame, "eof", or "timeout" after `ms`. When the child itself has
   * exited, a descendant holding stdout open does not keep the harness
   * waiting: after a short grace it is "eof" too. Throws ProtocolError for
   * oversized frames.
   */
  async nextFrame(ms: number): Promise<Uint8Array | "eof" | "timeout"> {
    let deadline = Date.now() + ms;
    for (;;) {
      const f = this.frames.next();
      if (f) return f;
      if (this.eof) return "eof";
      this.pending ??= this.reader.read();
      const left = deadline - Date.now();
      const r = left <= 0
        ? "timeout"
        : await raceTimeout(Promise.race([this.pending, this.exited]), left);
      if (r === "exited") {
        this.exited = new Promise(() => {}); // reported once; now drain what is left
        deadline = Math.min(deadline, Date.now() + 100);
        this.gone = true;
        continue;
      }
      if (r === "timeout") return this.gone ? "eof" : "timeout";
      this.pending = undefined;
      if (r.done) this.eof = true;
      else this.frames.push(r.value);
    }
  }

  /** Reads all of stdout up to `limit` bytes; "timeout" or "oversize" otherwise. */
  async readAll(ms: number, limit: number): Promise<Uint8Array | "timeout" | "oversize"> {
    const deadline = Date.now() + ms;
    const parts: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      this.pending ??= this.reader.read();
      const left = deadline - Date.now();
      const r = left <= 0 ? "timeout" : await raceTimeout(this.pending, left);
      if (r === "timeout") return "timeout";
      this.pending = undefined;
      if (r.done) break;
      size += r.value.length;
      if (size > limit) return "oversize";
      parts.push(r.value);
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** SIGTERM the group, then SIGKILL after the grace; waits for the child. */
  async kill(graceMs: number): Promise<void> {
    const group = -this.proc.pid;
    const signal = (s: Deno.Signal) => {
      try {
        Deno.kill(group, s);
      } catch { /* already gone */ }
    };
    signal("SIGTERM");
    const exited = (await raceTimeout(this.proc.status, graceMs)) !== "timeout";
    signal("SIGKILL");
    if (!exited) await this.proc.status;
    this.reader.cancel().catch(() => {});
    this.writer.abort().catch(() => {});
  }

  /** Closes stdin and waits up to `ms` for a clean exit, then kills the group. */
  async close(ms: number, graceMs: number): Promise<void> {
    await this.writer.close().catch(() => {});
    const exited = (await raceTimeout(this.proc.status, ms)) !== "timeout";
    if (!exited) await this.kill(graceMs);
    else {
      try {
        Deno.kill(-this.proc.pid, "SIGKILL"); // grandchildren left in the group
      } catch { /* none */ }
      this.reader.cancel().catch(() => {});
    }
  }
}

/** An external implementation in persistent mode (see PROTOCOL.md). */
export class ProcessTestee implements Testee {
  /** Name given on the command line. */
  readonly name: string;
  private readonly cmd: string;
  private readonly opts: Required<Omit<ProcessOptions, "cwd">> & { cwd?: string };
  private child: Child | undefined;
  private hello: Hello | undefined;
  /** How many times the testee was (re)started. */
  spawns = 0;

  /** Describes a testee started as `sh -c CMD`. */
  constructor(name: string, cmd: string, opts: ProcessOptions = {}) {
    this.name = name;
    this.cmd = cmd;
    this.opts = { timeoutMs: 5000, window: 16, graceMs: 200, ...opts };
  }

  private async spawn(): Promise<Child> {
    const child = new Child(this.cmd, [], this.opts.cwd);
    this.spawns++;
    child.write(frame(helloPayload()));
    const f = await child.nextFrame(this.opts.timeoutMs).catch((e) => e as Error);
    const fail = async (why: string) => {
      await child.kill(this.opts.graceMs);
      throw new SetupError(`${this.name}: ${why} (command: ${this.cmd})`);
    };
    if (f === "eof") return fail("exited before answering hello");
    if (f === "timeout") return fail(`no hello answer within ${this.opts.timeoutMs} ms`);
    if (f instanceof Error) return fail(`bad hello answer: ${f.message}`);
    let hello: Hello;
    try {
      hello = parseHello(f);
    } catch (e) {
      return fail(`bad hello answer: ${(e as Error).message}`);
    }
    if (hello.protocol !== PROTOCOL_VERSION) {
      return fail(`speaks protocol ${hello.protocol}, this harness speaks ${PROTOCOL_VERSION}`);
    }
    this.hello = hello;
    return child;
  }

  /** Spawns and handshakes. */
  async start(): Promise<Hello> {
    this.child = await this.spawn();
    return this.hello!;
  }

  /** Runs requests pipelined within the window; respawns after a crash, timeout or protocol error. */
  async run(
    requests: readonly Request[],
    onOutcome: (index: number, o: Outcome) => void,
  ): Promise<void> {
    const payloads = requests.map((r, i) => frame(requestPayload(r, i)));
    let sent = 0;
    let done = 0;
    while (done < requests.length) {
      if (!this.child) {
        try {
          this.child = await this.spawn();
        } catch (e) {
          for (; done < requests.length; done++) {
            onOutcome(done, { status: "crash", detail: (e as Error).message });
          }
          return;
        }
        sent = done;
      }
      const child = this.child;
      if (sent - done <= this.opts.window >> 1 && sent < requests.length) {
        const end = Math.min(requests.length, done + this.opts.window);
        let size = 0;
        for (let i = sent; i < end; i++) size += payloads[i]!.length;
        const batch = new Uint8Array(size);
        for (let at = 0; sent < end; sent++) {
          batch.set(payloads[sent]!, at);
          at += payloads[sent]!.length;
        }
        child.write(batch);
      }
      let outcome: Outcome;
      let restartChild = false;
      try {
        const f = await child.nextFrame(this.opts.timeoutMs);
        if (f === "eof") {
          const st = await raceTimeout(child.proc.status, this.opts.graceMs);
          const how = st === "timeout"
            ? "closed its stdout"
            : st.signal
            ? `killed by ${st.signal}`
            : `exited with ${st.code}`;
          outcome = { status: "crash", detail: `${how} before answering` };
          restartChild = true;
        } else if (f === "timeout") {
          outcome = {
            status: "timeout",
            detail: `no answer within ${this.opts.timeoutMs} ms; process group killed`,
          };
          restartChild = true;
        } else {
          outcome = toOutcome(parseAnswer(f, requests[done]!.op, done));
        }
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        outcome = { status: "protocol", detail: e.message };
        restartChild = true;
      }
      onOutcome(done, outcome);
      done++;
      if (restartChild) {
        await child.kill(this.opts.graceMs);
        this.child = undefined;
      }
    }
  }

  /** Closes stdin, waits briefly, kills what is left of the group. */
  async close(): Promise<void> {
    await this.child?.close(1000, this.opts.graceMs);
    this.child = undefined;
  }
}

function toOutcome(a: Answer): Outcome {
  if (a.kind === "unsupported") return { status: "unsupported", detail: a.reason };
  if (a.kind === "error") return { status: "error", detail: a.message };
  return { status: "answer", answer: a };
}

/** An external implementation in per-case mode: one process per request (`CMD OP`). */
export class PerCaseTestee implements Testee {
  /** Name given on the command line. */
  readonly name: string;
  private readonly cmd: string;
  private readonly opts: Required<Omit<ProcessOptions, "cwd">> & { cwd?: string };

  /** Describes a testee run as `sh -c 'CMD OP'` per request. */
  constructor(name: string, cmd: string, opts: ProcessOptions = {}) {
    this.name = name;
    this.cmd = cmd;
    this.opts = { timeoutMs: 5000, window: 2, graceMs: 200, ...opts };
  }

  private async once(op: string, payload: Uint8Array): Promise<Uint8Array | Failure> {
    const child = new Child(`${this.cmd} "$@"`, [op], this.opts.cwd);
    child.write(payload);
    await child.writer.close().catch(() => {});
    const out = await child.readAll(this.opts.timeoutMs, MAX_FRAME);
    if (out === "timeout" || out === "oversize") {
      await child.kill(this.opts.graceMs);
      return out === "timeout"
        ? {
          status: "timeout",
          detail: `no answer within ${this.opts.timeoutMs} ms; process group killed`,
        }
        : { status: "protocol", detail: `answer exceeds ${MAX_FRAME} bytes` };
    }
    const st = await raceTimeout(child.proc.status, this.opts.timeoutMs);
    if (st === "timeout") {
      await child.kill(this.opts.graceMs);
      return { status: "timeout", detail: "did not exit after answering" };
    }
    try {
      Deno.kill(-child.proc.pid, "SIGKILL");
    } catch { /* group gone */ }
    if (!st.success) {
      return {
        status: "crash",
        detail: st.signal ? `killed by ${st.signal}` : `exited with ${st.code}`,
      };
    }
    return out;
  }

  /** Runs `CMD hello`. */
  async start(): Promise<Hello> {
    const out = await this.once("hello", helloPayload());
    if (!(out instanceof Uint8Array)) {
      throw new SetupError(`${this.name}: hello failed: ${out.detail}`);
    }
    try {
      const h = parseHello(out);
      if (h.protocol !== PROTOCOL_VERSION) {
        throw new ProtocolError(
          `speaks protocol ${h.protocol}, this harness speaks ${PROTOCOL_VERSION}`,
        );
      }
      return h;
    } catch (e) {
      throw new SetupError(`${this.name}: bad hello answer: ${(e as Error).message}`);
    }
  }

  /** Runs each request in its own process, `window` at a time. */
  async run(
    requests: readonly Request[],
    onOutcome: (index: number, o: Outcome) => void,
  ): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const r = requests[i]!;
        const out = await this.once(r.op, requestPayload(r, i));
        if (!(out instanceof Uint8Array)) {
          onOutcome(i, out);
          continue;
        }
        try {
          onOutcome(i, toOutcome(parseAnswer(out, r.op, i)));
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          onOutcome(i, { status: "protocol", detail: e.message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.opts.window) }, worker));
  }

  /** Nothing stays running between cases. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
