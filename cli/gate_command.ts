/**
 * How to run the gate again from where the user is: the command printed in
 * re-run and replay lines, and shell quoting for its arguments.
 *
 * @module
 */

const REPO = new URL("../", import.meta.url).pathname;

/** Quotes a word for a POSIX shell when it needs it. */
export const quote = (s: string): string =>
  /^[\w@%+=:,./*-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The command that runs the gate again, as it works from the current
 * directory: the pinned wrapper from the repository root, else Deno itself
 * on the gate's absolute path.
 */
export function gateCommand(): string {
  return Deno.cwd().replace(/\/*$/, "/") === REPO
    ? "tools/deno/deno task conform"
    : `${quote(Deno.execPath())} run -A ${quote(`${REPO}cli/conform.ts`)}`;
}
