/**
 * What the testees that run external programs share: their options and the
 * bookkeeping of the start or run in progress ({@link Activity}).
 *
 * @module
 */
import type { ContainmentKind } from "./containment.ts";

/** Options for process testees. */
export interface ProcessOptions {
  /** Per-case timeout in ms, counted from when the case is sent (per case: from its spawn). @default 5000 */
  timeoutMs?: number;
  /**
   * Persistent mode: requests kept in flight (default 64). Per case:
   * processes running at once (default: the number of cores).
   */
  window?: number;
  /** Grace between SIGTERM and SIGKILL, ms. @default 200 */
  graceMs?: number;
  /** Persistent mode: the pause between the pieces of a frame written in pieces, ms. @default 1 */
  piecePauseMs?: number;
  /** Working directory. */
  cwd?: string;
  /** Containment: a PID namespace where possible (default), or the process group only. */
  contain?: ContainmentKind;
}

/** The options with their defaults filled in (an option given as undefined takes the default). */
export function withDefaults(
  opts: ProcessOptions,
  window: number,
): Required<Omit<ProcessOptions, "cwd" | "contain">> & Pick<ProcessOptions, "cwd" | "contain"> {
  return {
    timeoutMs: opts.timeoutMs ?? 5000,
    window: Math.max(1, opts.window ?? window),
    graceMs: opts.graceMs ?? 200,
    piecePauseMs: opts.piecePauseMs ?? 1,
    cwd: opts.cwd,
    contain: opts.contain,
  };
}

/**
 * The least time a testee's hello gets, whatever the per-case timeout:
 * starting up may be slow (a JIT, a VM, a loaded host). PROTOCOL.md says 30 s.
 */
export const HELLO_MIN_MS = 30_000;

/**
 * The least time a persistent testee gets to exit once its stdin reaches end
 * of file, whatever the per-case timeout (PROTOCOL.md: 5 s): shutting down may
 * be slow (a VM, a loaded host), but one still running then does not conform.
 */
export const END_MIN_MS = 5_000;

/** The number of cores (the default number of per-case processes at once). */
export function cores(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

/**
 * The start or run in progress on a testee, and how to stop it: a close()
 * during one aborts {@link Activity.signal} and waits for it to end.
 */
export class Activity {
  #halt = new AbortController();
  #active: Promise<unknown> | undefined;

  /** Fired by {@link Activity.stop} while something is in progress. */
  get signal(): AbortSignal {
    return this.#halt.signal;
  }

  /** A fresh signal for a new start, if the last one was used. */
  renew(): void {
    if (this.#halt.signal.aborted) this.#halt = new AbortController();
  }

  /** Runs `p` as the activity in progress. */
  async track<T>(p: Promise<T>): Promise<T> {
    this.#active = p;
    try {
      return await p;
    } finally {
      if (this.#active === p) this.#active = undefined;
    }
  }

  /** Aborts what is in progress and waits for it; false when nothing was. */
  async stop(): Promise<boolean> {
    if (!this.#active) return false;
    this.#halt.abort();
    await this.#active.catch(() => {});
    return true;
  }
}
