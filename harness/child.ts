/**
 * A supervised child process, contained so that nothing it starts outlives
 * it: always in its own process group (through setsid(1), else a detached
 * spawn), and in a new PID namespace where the machine allows it (through
 * `unshare --pid --fork --kill-child`, with a user namespace when not
 * root; without one, a one-line warning says that a descendant calling
 * setsid() can escape). Either way it is tied to the gate's life where
 * setpriv(1) can set a parent-death signal: a gate killed with SIGKILL
 * takes its testees with it. Its stdout is read through a bounded frame
 * reader, waits can be aborted, timeouts never leave a timer behind, and
 * every live child can be killed at once on the way out.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { concat } from "../reference/bytes.ts";
import { FrameReader, MAX_FRAME } from "../protocol/codec.ts";
import {
  type Containment,
  containmentFor,
  type ContainmentKind,
  spawnsThroughSetsid,
} from "./containment.ts";

/** `p`, or "timeout" after `ms`; the timer is cleared either way (no timer piles up per case). */
export function raceTimeout<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), ms));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** How a child ended. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: string | null;
}

export { type Containment, containment, type ContainmentKind } from "./containment.ts";

/** Every child not yet known to have exited (see {@link killAllChildren}). */
const live = new Set<Child>();

/**
 * SIGKILLs every live child and everything it started, synchronously: for
 * a process that must exit at once (a second interrupt).
 */
export function killAllChildren(): void {
  for (const c of live) c.killNow();
}

/**
 * The init of the PID namespace that unshare(1) process `pid` made (the
 * testee, seen from here) and whether it has a SIGTERM handler, asked of
 * ps(1): Deno reads /proc only with every permission. Undefined when
 * unknown.
 */
async function nsInit(pid: number): Promise<{ pid: number; catchesTerm: boolean } | undefined> {
  try {
    const out = await new Deno.Command("ps", {
      args: ["-o", "pid=,caught=", "--ppid", String(pid)],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    const m = /^\s*(\d+)\s+([0-9a-f]+)/i.exec(new TextDecoder().decode(out.stdout));
    if (!m) return undefined;
    return { pid: Number(m[1]), catchesTerm: (BigInt(`0x${m[2]}`) & (1n << 14n)) !== 0n };
  } catch {
    return undefined;
  }
}

/**
 * A spawned child in its own process group (started through setsid(1), or
 * detached where setsid(1) is missing) and,
 * where possible, its own PID namespace, so the whole of it, descendants
 * included, can be killed at once; with a frame reader over its stdout.
 * Pipes go through `node:child_process` (why, with measurements:
 * `docs/PERFORMANCE.md`).
 */
export class Child {
  private readonly proc: ChildProcess;
  readonly frames = new FrameReader();
  /** Resolves when the process has exited (in a namespace: and everything it started). */
  readonly status: Promise<ExitStatus>;
  /** How it is contained. */
  readonly containment: Containment;
  /** The child process has exited (its descendants may live on when contained by group only). */
  gone = false;
  /** Its stdout reached end of file. */
  eof = false;
  /** An abort signal given to {@link abortOn} fired: waits return "aborted". */
  aborted = false;
  private wake: (() => void) | undefined;
  private chunks: Uint8Array[] | undefined;
  private size = 0;
  private unwatch: (() => void) | undefined;

  constructor(
    cmd: string,
    args: string[],
    cwd?: string,
    collect = false,
    contain?: ContainmentKind,
  ) {
    // A path followed by plain words (no shell syntax) is run directly: a
    // shell in between costs a fork and an exec per spawn.
    const words = /^[\w@%+=:,.-]*\/[\w@%+=:,./-]*( [\w@%+=:,./-]+)*$/.test(cmd)
      ? cmd.split(" ")
      : undefined;
    const [file, argv] = words
      ? [words[0]!, [...words.slice(1), ...args]]
      : ["sh", ["-c", `${cmd} "$@"`, "sh", ...args]];
    this.containment = containmentFor(contain);
    // setsid(1) makes it a process group leader (see docs/PERFORMANCE.md for
    // why not Node's `detached`, the fallback where setsid(1) is missing);
    // setpriv(1) ties it to this process's life; unshare(1) then forks the
    // testee as the init of a new PID namespace, which takes every
    // descendant with it.
    const line = [...this.containment.prefix, file, ...argv];
    const stdio: ["pipe", "pipe", "ignore"] = ["pipe", "pipe", "ignore"];
    this.proc = spawnsThroughSetsid().ok
      ? spawn("setsid", line, { stdio, cwd })
      : spawn(line[0]!, line.slice(1), { stdio, cwd, detached: true });
    live.add(this);
    if (collect) this.chunks = [];
    const poke = () => {
      const w = this.wake;
      this.wake = undefined;
      w?.();
    };
    this.poke = poke;
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
      const ended = (st: ExitStatus) => {
        this.gone = true;
        live.delete(this);
        this.unwatch?.();
        resolve(st);
        poke();
      };
      this.proc.on("exit", (code, signal) => ended({ code, signal }));
      this.proc.on("error", () => {
        this.eof = true;
        ended({ code: 127, signal: null });
      });
    });
  }

  private readonly poke: () => void;

  /** The process id (and process group id). */
  get pid(): number {
    return this.proc.pid ?? 0;
  }

  /** Makes waits return "aborted" once `signal` fires (and at once if it has). */
  abortOn(signal: AbortSignal | undefined): void {
    if (!signal) return;
    const on = () => {
      this.aborted = true;
      this.poke();
    };
    if (signal.aborted) return on();
    signal.addEventListener("abort", on, { once: true });
    const prev = this.unwatch;
    this.unwatch = () => {
      prev?.();
      signal.removeEventListener("abort", on);
    };
  }

  /** Writes in progress in pieces ({@link writePieces}): later writes wait for them. */
  private writing: Promise<void> | undefined;

  /** Writes bytes (after any pieces still being written); a dead child is reported on the next read, not here. */
  write(bytes: Uint8Array): void {
    if (this.writing) this.after(() => this.put(bytes));
    else this.put(bytes);
  }

  private put(bytes: Uint8Array): void {
    if (!this.proc.stdin!.destroyed) this.proc.stdin!.write(bytes);
  }

  private after(f: () => void | Promise<void>): void {
    const w: Promise<void> = this.writing = (this.writing ?? Promise.resolve()).then(f).finally(
      () => {
        if (this.writing === w) this.writing = undefined;
      },
    );
  }

  /**
   * Writes bytes in pieces cut at `cuts` (ascending offsets), each piece its
   * own write, with a pause of `pauseMs` (a macrotask) between them, so that
   * a reader blocked on its input sees a piece alone; writes after it wait
   * for it. Nothing waits for it here: answers are read meanwhile.
   */
  writePieces(bytes: Uint8Array, cuts: readonly number[], pauseMs = 1): void {
    this.after(async () => {
      let from = 0;
      for (const c of cuts) {
        this.put(bytes.subarray(from, c));
        from = c;
        await new Promise((r) => setTimeout(r, pauseMs));
      }
      this.put(bytes.subarray(from));
    });
  }

  /** Closes the child's stdin (after any pieces still being written). */
  endInput(): void {
    const end = () => {
      if (!this.proc.stdin!.destroyed) this.proc.stdin!.end();
    };
    if (this.writing) this.after(end);
    else end();
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

  /** The next frame if one is already buffered (see {@link take}). Throws ProtocolError for oversized frames. */
  tryFrame(): Uint8Array | undefined {
    return this.take();
  }

  /**
   * A buffered frame, to be read at once: a view into the reader's buffer,
   * since more output takes an event; a copy when output was paused, since
   * resuming may deliver some before the caller reads it.
   */
  private take(): Uint8Array | undefined {
    if (!this.proc.stdout!.isPaused()) return this.frames.nextView();
    const f = this.frames.next();
    if (f) this.proc.stdout!.resume();
    return f;
  }

  /**
   * The next frame (see {@link take}), "eof", "timeout" after `ms`, or "aborted". When the
   * child itself has exited, a descendant holding stdout open does not keep
   * the harness waiting: after a short grace it is "eof" too. Throws
   * ProtocolError for oversized frames.
   */
  async nextFrame(ms: number): Promise<Uint8Array | "eof" | "timeout" | "aborted"> {
    const deadline = Date.now() + ms;
    let goneAt: number | undefined;
    for (;;) {
      if (this.aborted) return "aborted";
      const f = this.take();
      if (f) return f;
      if (this.eof) return "eof";
      if (this.gone) goneAt ??= Date.now();
      const now = Date.now();
      if (goneAt !== undefined && now - goneAt >= 100) return "eof";
      if (now >= deadline) return "timeout";
      await this.wait(Math.min(deadline - now, goneAt !== undefined ? 100 : deadline - now));
    }
  }

  /**
   * Reads all of stdout (the child was made with `collect`); "timeout",
   * "oversize" or "aborted" otherwise.
   */
  async readAll(
    ms: number,
    limit: number,
  ): Promise<Uint8Array | "timeout" | "oversize" | "aborted"> {
    const deadline = Date.now() + ms;
    while (!this.eof) {
      if (this.aborted) return "aborted";
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

  /**
   * SIGKILL now, without waiting: the group, which holds the namespace's
   * init (whose death takes every process in the namespace) and unshare(1)
   * (whose death kills the init, should it have left the group).
   */
  killNow(): void {
    this.signal("SIGKILL");
  }

  /**
   * SIGKILLs what is left of the group (briefly, until none is left), then
   * waits for the child: in a namespace, unshare(1) exits only once its
   * init is gone, and the init only once nothing it started is left.
   */
  async reap(): Promise<void> {
    for (let i = 0; i < 15; i++) {
      try {
        Deno.kill(-this.pid, "SIGKILL");
      } catch {
        break; // the group is empty
      }
      await new Promise((r) => setTimeout(r, i < 10 ? 1 : 10));
    }
    await this.status;
  }

  /**
   * SIGTERM everything, then SIGKILL after the grace; resolves when the
   * child is gone (in a namespace: with everything it started).
   */
  async kill(graceMs: number): Promise<void> {
    if (!this.gone) {
      this.signal("SIGTERM");
      const init = this.containment.kind === "namespace" ? await nsInit(this.pid) : undefined;
      // A namespace's init ignores the signals it has no handler for: when
      // the testee has none, SIGTERM would have ended it, so no long grace.
      await raceTimeout(this.status, init?.catchesTerm === false ? Math.min(graceMs, 20) : graceMs);
      if (!this.gone && init) {
        // The init first, so that unshare(1) reaps it once the namespace is empty.
        try {
          Deno.kill(init.pid, "SIGKILL");
        } catch { /* gone */ }
        await raceTimeout(this.status, 1000);
      }
    }
    await this.reap();
    this.proc.stdout!.destroy();
    this.proc.stdin!.destroy();
  }

  /**
   * Closes stdin and waits up to `ms` for a clean exit, then kills
   * everything. Returns how it exited by itself, or undefined when it had
   * to be killed.
   */
  async close(ms: number, graceMs: number): Promise<ExitStatus | undefined> {
    this.endInput();
    const st = await raceTimeout(this.status, ms);
    if (st === "timeout") return void await this.kill(graceMs);
    await this.reap(); // grandchildren left in the group
    this.proc.stdout!.destroy();
    return st;
  }
}
