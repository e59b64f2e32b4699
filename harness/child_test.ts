// How a child is put in its own process group: through setsid(1), or, where setsid(1) is
// missing (macOS, a minimal container; forced here by CRCONFORM_PROBE_NO_SETSID=1), by a
// detached spawn. Either way it leads its group and killing it kills what it started. Each
// case runs in a child process (the probe is read once per process).
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { spawnsThroughSetsid } from "./containment.ts";

const GROUP_CHILD = new URL("./testdata/group_child.ts", import.meta.url).pathname;

interface Seen {
  setsid: { ok: boolean; detail: string };
  pid: number;
  pgid: number;
  grandchildPid: number;
  grandchildPgid: number;
  status: { code: number | null; signal: string | null };
  left: string;
}

async function groupChild(env: Record<string, string>): Promise<Seen> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", GROUP_CHILD],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  strictEqual(out.code, 0, text(out.stderr));
  return JSON.parse(text(out.stdout));
}

function leadsItsGroupAndTakesItDown(seen: Seen) {
  ok(seen.pid > 0 && seen.grandchildPid > 0, JSON.stringify(seen));
  strictEqual(seen.pgid, seen.pid, "the child leads its own process group (ps -o pgid=)");
  strictEqual(seen.grandchildPgid, seen.pid, "the grandchild is in the child's group");
  ok(seen.grandchildPid !== seen.pid);
  deepStrictEqual(seen.status, { code: null, signal: "SIGTERM" });
  strictEqual(seen.left, "", "killing the child killed its grandchild");
}

/** Why ps(1), which reads the process groups here, cannot run (a container without procps), or undefined. */
function noPs(): string | undefined {
  try {
    const r = new Deno.Command("ps", {
      args: ["-o", "pgid=", "-p", String(Deno.pid)],
      stdout: "null",
      stderr: "null",
    })
      .outputSync();
    return r.success ? undefined : `ps -o pgid= exited ${r.code}`;
  } catch (e) {
    return `no ps(1): ${(e as Error).message}`;
  }
}
const NO_PS = noPs();
if (NO_PS) console.error(`child_test: ignored: ${NO_PS}`);

Deno.test({
  name:
    "child: without setsid(1) (CRCONFORM_PROBE_NO_SETSID=1) a detached spawn leads its own group, and killing it kills a grandchild",
  ignore: NO_PS !== undefined,
  async fn() {
    const seen = await groupChild({ CRCONFORM_PROBE_NO_SETSID: "1" });
    deepStrictEqual(seen.setsid, { ok: false, detail: "forced off by CRCONFORM_PROBE_NO_SETSID" });
    leadsItsGroupAndTakesItDown(seen);
  },
});

const SETSID = spawnsThroughSetsid();
if (!SETSID.ok) console.error(`child_test: the setsid(1) case ignored: ${SETSID.detail}`);

Deno.test({
  name:
    "child: through setsid(1) the same: it leads its own group, and killing it kills a grandchild",
  ignore: !SETSID.ok || NO_PS !== undefined,
  async fn() {
    const seen = await groupChild({});
    strictEqual(seen.setsid.ok, true);
    leadsItsGroupAndTakesItDown(seen);
  },
});
