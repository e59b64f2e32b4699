/**
 * Test helper: starts a {@link Child} the way this process's environment
 * makes the harness start one (`CRCONFORM_PROBE_NO_SETSID=1`: the detached
 * spawn), in process-group containment, running a shell that starts a
 * grandchild; both carry a marker of its own. Prints, as JSON,
 * how it was spawned, the child's pid and the process groups of both (read
 * with ps(1)), then kills the child and prints what is left of the marker's
 * processes.
 *
 * @module
 */
import { Child } from "../child.ts";
import { spawnsThroughSetsid } from "../containment.ts";
import { leftovers, settle } from "./leftovers.ts";

// Made here, so that this process's own command line does not carry it.
const marker = `crconform-group-${crypto.randomUUID()}`;

async function pgidOf(pid: number): Promise<number> {
  const out = await new Deno.Command("ps", { args: ["-o", "pgid=", "-p", String(pid)] }).output();
  return Number(new TextDecoder().decode(out.stdout).trim());
}

// The grandchild's marker is made by the child's shell ("g" before its own $0), so that only
// the grandchild's command line carries it.
const script = `sh -c 'sleep 300; :' "g$0" & wait`;
const child = new Child("/bin/sh", ["-c", script, marker], undefined, false, "group");
let grandchild = "";
// Until the grandchild's shell runs (a loaded host starts it late; the bound is only a backstop).
for (let i = 0; i < 6000 && !grandchild; i++) {
  grandchild = await leftovers(`g${marker}`);
  if (!grandchild) await new Promise((r) => setTimeout(r, 10));
}
const grandchildPid = Number(grandchild.split(" ")[0]);
const before = {
  setsid: spawnsThroughSetsid(),
  pid: child.pid,
  pgid: await pgidOf(child.pid),
  grandchildPid,
  grandchildPgid: grandchildPid ? await pgidOf(grandchildPid) : 0,
};
await child.kill(100);
console.log(JSON.stringify({ ...before, status: await child.status, left: await settle(marker) }));
