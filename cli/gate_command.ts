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
 * The command that runs the gate again, as it works from the directory the
 * user ran it from (`deno task` runs in the repository but says where it was
 * started in `INIT_CWD`): the pinned wrapper, by a relative path, from inside
 * the repository; Deno itself on the gate's absolute path from anywhere else.
 */
export function gateCommand(): string {
  const cwd = Deno.cwd().replace(/\/*$/, "/");
  // Only `deno task` moves a run into the repository; elsewhere INIT_CWD may be anyone's (npm's).
  const init = Deno.env.get("INIT_CWD");
  const from = cwd === REPO && init ? init.replace(/\/*$/, "/") : cwd;
  if (from.startsWith(REPO)) {
    const up = from.slice(REPO.length).split("/").filter(Boolean).map(() => "..");
    return `${[...up, "tools/deno/deno"].join("/")} task conform`;
  }
  return `${quote(Deno.execPath())} run -A ${quote(`${REPO}cli/conform.ts`)}`;
}
