/**
 * Test helpers: which processes a test's marker argument still names, so a
 * test can show that nothing a testee started is left behind.
 *
 * @module
 */

/** Processes whose command line carries the marker: "pid command" lines. */
export async function leftovers(marker: string): Promise<string> {
  const out = await new Deno.Command("pgrep", { args: ["-af", marker], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

/**
 * Waits for the marker's processes to be gone, polling (a generous bound of
 * 15 s, so a loaded host is not taken for a leak); returns what is left.
 */
export async function settle(marker: string): Promise<string> {
  let left = "";
  for (let i = 0; i < 300; i++) {
    left = await leftovers(marker);
    if (!left) return "";
    await new Promise((r) => setTimeout(r, 50));
  }
  return left;
}
