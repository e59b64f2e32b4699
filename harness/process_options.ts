/**
 * Options shared by the testees that run external programs.
 *
 * @module
 */
import type { ContainmentKind } from "./child.ts";

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
    cwd: opts.cwd,
    contain: opts.contain,
  };
}

/** The number of cores (the default number of per-case processes at once). */
export function cores(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}
