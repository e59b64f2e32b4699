/**
 * Test helpers: what this host allows, probed on their own (not through the
 * harness under test), so that a test whose precondition is missing is
 * ignored with the reason instead of failing on a host unlike ours.
 *
 * @module
 */
import { leftovers } from "./leftovers.ts";

/** Runs a command; undefined when it succeeded, else the first line of why not. */
function whyNot(cmd: string, args: string[]): string | undefined {
  try {
    const r = new Deno.Command(cmd, { args, stdin: "null", stdout: "null", stderr: "piped" })
      .outputSync();
    if (r.success) return undefined;
    return new TextDecoder().decode(r.stderr).trim().split("\n")[0] || `${cmd} exited ${r.code}`;
  } catch (e) {
    return `${cmd}: ${(e as Error).message}`;
  }
}

/**
 * Why testees get no PID namespace here (`CRCONFORM_CONTAIN=group` forces
 * the process group; else this host cannot make one, as root or inside a
 * user namespace), or undefined when they get one.
 */
export function noPidNamespace(): string | undefined {
  let forced: string | undefined;
  try {
    forced = Deno.env.get("CRCONFORM_CONTAIN");
  } catch { /* no env permission: probe */ }
  if (forced === "group") return "CRCONFORM_CONTAIN=group: testees get no PID namespace";
  const plain = whyNot("unshare", ["--pid", "--fork", "true"]);
  if (plain === undefined) return undefined;
  const user = whyNot("unshare", ["--user", "--map-root-user", "--pid", "--fork", "true"]);
  return user === undefined ? undefined : `no PID namespace here: ${plain}; ${user}`;
}

/** Why this host cannot set a parent-death signal through setpriv(1), or undefined when it can. */
export function noPdeathsig(): string | undefined {
  const why = whyNot("setpriv", ["--pdeathsig", "KILL", "true"]);
  return why === undefined ? undefined : `no setpriv --pdeathsig here: ${why}`;
}

/**
 * Whether a grandchild that calls setsid() here survives a SIGKILL of the
 * process group it left (so the process-group fallback can be shown to let
 * it escape); undefined when it does, else why not. Leaves nothing behind.
 */
export async function noSetsidEscape(): Promise<string | undefined> {
  const marker = `crconform-probe-setsid-${crypto.randomUUID()}`;
  const p = new Deno.Command("setsid", {
    args: [
      "sh",
      "-c",
      `setsid sh -c 'echo left; exec >/dev/null; sleep 60; :' ${marker} & sleep 60`,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const reader = p.stdout.getReader();
    await reader.read(); // the grandchild has called setsid()
    reader.releaseLock();
    await p.stdout.cancel();
  } catch (e) {
    return `setsid(1) failed: ${(e as Error).message}`;
  }
  try {
    Deno.kill(-p.pid, "SIGKILL");
  } catch { /* gone */ }
  await p.status;
  const left = await leftovers(marker);
  for (const line of left.split("\n").filter(Boolean)) {
    try {
      Deno.kill(Number(line.split(" ")[0]), "SIGKILL");
    } catch { /* gone */ }
  }
  return left ? undefined : "a setsid() grandchild does not outlive its former group here";
}
