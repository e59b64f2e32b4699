/**
 * Implementations under test. A {@link Testee} takes a batch of requests and
 * reports one {@link Outcome} per request: an answer, or what went wrong
 * (unsupported, error, crash, timeout, protocol). The harness keeps going
 * whatever a testee does: crashed testees are respawned, hung ones have
 * their whole process group killed, malformed answers are bounded.
 *
 * @module
 */
import { concat } from "../reference/bytes.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { ABI_NAMES } from "../reference/layout.ts";
import { restart } from "../reference/restart.ts";
import { PROFILES } from "../reference/types.ts";
import { type ChildProcess, spawn } from "node:child_process";
import {
  type Answer,
  encodeFrames,
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
  /** Requests kept in flight. @default 64 */
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

/** How a child ended. */
interface ExitStatus {
  readonly code: number | null;
  readonly signal: string | null;
}

/**
 * A spawned child in its own process group (started through setsid(1)), so
 * the whole group, grandchildren included, can be killed at once; with a
 * frame reader over its stdout. Node's child_process is used for the pipes:
 * on this machine it round-trips about twice as fast as Deno.Command's
 * streams.
 */
class Child {
  private readonly proc: ChildProcess;
  readonly frames = new FrameReader();
  /** Resolves when the process has exited. */
  readonly status: Promise<ExitStatus>;
  /** The child process has exited (its descendants may live on). */
  gone = false;
  /** Its stdout reached end of file. */
  eof = false;
  private wake: (() => void) | undefined;
  private chunks: Uint8Array[] | undefined;
  private size = 0;

  constructor(cmd: string, args: string[], cwd?: string, collect = false) {
    // A path followed by plain words (no shell syntax) is run directly: a
    // shell in between costs a fork and an exec per spawn.
    const words = /^[\w@%+=:,.-]*\/[\w@%+=:,./-]*( [\w@%+=:,./-]+)*$/.test(cmd)
      ? cmd.split(" ")
      : undefined;
    const [file, argv] = words
      ? [words[0]!, [...words.slice(1), ...args]]
      : ["sh", ["-c", `${cmd} "$@"`, "sh", ...args]];
    // setsid(1) makes it a process group leader. (Node's `detached` does the
    // same but forces a fork of this large process instead of posix_spawn:
    // about 4 ms more per spawn here.)
    this.proc = spawn("setsid", [file, ...argv], { stdio: ["pipe", "pipe", "ignore"], cwd });
    if (collect) this.chunks = [];
    const poke = () => {
      const w = this.wake;
      this.wake = undefined;
      w?.();
    };
    this.proc.stdout!.on("data", (d: Uint8Array) => {
      if (this.chunks) {
        this.size += d.length;
        if (this.size <= MAX_FRAME + 1) this.chunks.push(d);
      } else this.frames.push(d);
      // Bounded: a testee that floods is not buffered without limit.
      if (this.frames.pending > 2 * MAX_FRAME || this.size > MAX_FRAME + 1) {
        this.proc.stdout!.pause();
      }
      poke();
    });
    this.proc.stdout!.on("close", () => {
      this.eof = true;
      poke();
    });
    this.proc.stdin!.on("error", () => {}); // EPIPE from a dead child shows up on the next read
    this.status = new Promise((resolve) => {
      this.proc.on("exit", (code, signal) => {
        this.gone = true;
        resolve({ code, signal });
        poke();
      });
      this.proc.on("error", () => {
        this.gone = this.eof = true;
        resolve({ code: 127, signal: null });
        poke();
      });
    });
  }

  /** The process id (and process group id). */
  get pid(): number {
    return this.proc.pid ?? 0;
  }

  /** Writes bytes; a dead child is reported on the next read, not here. */
  write(bytes: Uint8Array): void {
    if (!this.proc.stdin!.destroyed) this.proc.stdin!.write(bytes);
  }

  /** Closes the child's stdin. */
  endInput(): void {
    if (!this.proc.stdin!.destroyed) this.proc.stdin!.end();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * The next frame, "eof", or "timeout" after `ms`. When the child itself has
   * exited, a descendant holding stdout open does not keep the harness
   * waiting: after a short grace it is "eof" too. Throws ProtocolError for
   * oversized frames.
   */
  async nextFrame(ms: number): Promise<Uint8Array | "eof" | "timeout"> {
    const deadline = Date.now() + ms;
    let goneAt: number | undefined;
    for (;;) {
      const f = this.frames.next();
      if (f) {
        if (this.proc.stdout!.isPaused()) this.proc.stdout!.resume();
        return f;
      }
      if (this.eof) return "eof";
      if (this.gone) goneAt ??= Date.now();
      const now = Date.now();
      if (goneAt !== undefined && now - goneAt >= 100) return "eof";
      if (now >= deadline) return "timeout";
      await this.wait(Math.min(deadline - now, goneAt !== undefined ? 100 : deadline - now));
    }
  }

  /** Reads all of stdout (the child was made with `collect`); "timeout" or "oversize" otherwise. */
  async readAll(ms: number, limit: number): Promise<Uint8Array | "timeout" | "oversize"> {
    const deadline = Date.now() + ms;
    while (!this.eof) {
      if (this.size > limit) return "oversize";
      const left = deadline - Date.now();
      if (left <= 0) return "timeout";
      await this.wait(left);
    }
    if (this.size > limit) return "oversize";
    return concat(this.chunks ?? []);
  }

  private signal(s: Deno.Signal): void {
    try {
      Deno.kill(-this.pid, s);
    } catch { /* already gone */ }
  }

  /** SIGTERM the group, then SIGKILL after the grace; waits for the child. */
  async kill(graceMs: number): Promise<void> {
    this.signal("SIGTERM");
    await raceTimeout(this.status, graceMs);
    this.signal("SIGKILL");
    await this.status;
    this.proc.stdout!.destroy();
    this.proc.stdin!.destroy();
  }

  /** Closes stdin and waits up to `ms` for a clean exit, then kills the group. */
  async close(ms: number, graceMs: number): Promise<void> {
    this.endInput();
    if ((await raceTimeout(this.status, ms)) === "timeout") return await this.kill(graceMs);
    this.signal("SIGKILL"); // grandchildren left in the group
    this.proc.stdout!.destroy();
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

  /** Describes a testee started as `sh -c CMD` (a plain path with arguments is run directly). */
  constructor(name: string, cmd: string, opts: ProcessOptions = {}) {
    this.name = name;
    this.cmd = cmd;
    this.opts = { timeoutMs: 5000, window: 64, graceMs: 200, ...opts };
  }

  private async spawn(): Promise<Child> {
    const child = new Child(this.cmd, [], this.opts.cwd);
    this.spawns++;
    child.write(frame(helloPayload()));
    // Starting up may be slow (a JIT, a VM): hello gets at least 30 s.
    const helloMs = Math.max(this.opts.timeoutMs, 30_000);
    const f = await child.nextFrame(helloMs).catch((e) => e as Error);
    const fail = async (why: string) => {
      await child.kill(this.opts.graceMs);
      throw new SetupError(`${this.name}: ${why} (command: ${this.cmd})`);
    };
    if (f === "eof") return fail("exited before answering hello");
    if (f === "timeout") return fail(`no hello answer within ${helloMs} ms`);
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
        child.write(encodeFrames(requests, sent, end));
        sent = end;
      }
      let outcome: Outcome;
      let restartChild = false;
      try {
        const f = await child.nextFrame(this.opts.timeoutMs);
        if (f === "eof") {
          const st = await raceTimeout(child.status, this.opts.graceMs);
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
    const child = new Child(this.cmd, [op], this.opts.cwd, true);
    child.write(payload);
    child.endInput();
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
    const st = await raceTimeout(child.status, this.opts.timeoutMs);
    if (st === "timeout") {
      await child.kill(this.opts.graceMs);
      return { status: "timeout", detail: "did not exit after answering" };
    }
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch { /* group gone */ }
    if (st.code !== 0) {
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
