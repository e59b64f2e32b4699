/**
 * Options shared by the testees that run external programs.
 *
 * @module
 */

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
