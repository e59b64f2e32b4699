/**
 * A supervised child process: spawned in its own process group (through
 * setsid(1)) so the whole group can be killed, with its stdout read through
 * a bounded frame reader, and timeouts that never leave a timer behind.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { concat } from "../reference/bytes.ts";
import { FrameReader, MAX_FRAME } from "../protocol/codec.ts";

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

/**
 * A spawned child in its own process group (started through setsid(1)), so
 * the whole group, grandchildren included, can be killed at once; with a
 * frame reader over its stdout. Pipes go through `node:child_process`
 * (why, with measurements: `docs/PERFORMANCE.md`).
 */
export class Child {
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
    // setsid(1) makes it a process group leader (see docs/PERFORMANCE.md for
    // why not Node's `detached`).
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

  /** The next frame if one is already buffered (no waiting). Throws ProtocolError for oversized frames. */
  tryFrame(): Uint8Array | undefined {
    const f = this.frames.next();
    if (f && this.proc.stdout!.isPaused()) this.proc.stdout!.resume();
    return f;
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
