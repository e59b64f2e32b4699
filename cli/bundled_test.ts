// The bundled registry on a host without the tools: what cannot be built or run here is an
// entry marked unavailable (with the reason and the fix), never a throw; the reference stays.
// Each case runs in a child process with its own environment (tests share one process's).
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";

const ENTRIES = new URL("./testdata/bundled_entries.ts", import.meta.url).pathname;

interface Listed {
  entries: { name: string; unavailable: { reason: string; fix: string } | null }[];
  started: string | null;
}

async function entriesWith(env: Record<string, string>): Promise<Listed> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", ENTRIES], env })
    .output();
  strictEqual(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("bundled: no C compiler (an empty cache, CC missing): the C implementations are unavailable with the fix", async () => {
  const cache = await Deno.makeTempDir();
  try {
    const { entries, started } = await entriesWith({
      CRCONFORM_CACHE: cache,
      CC: "/nonexistent/cc",
      CRCONFORM_PROBE_NO_QEMU_USER: "1",
    });
    strictEqual(entries[0]!.name, "reference");
    strictEqual(entries[0]!.unavailable, null);
    const na = entries.filter((e) => e.unavailable && !e.name.startsWith("golden"));
    strictEqual(na.map((e) => e.name).join(" "), "c seed-c-x86_64 seed-c-i386");
    for (const e of na) {
      match(e.unavailable!.fix, /^tools\/deno\/deno task setup \(Debian: apt-get install /);
    }
    const c = na.find((e) => e.name === "c")!;
    strictEqual(c.unavailable!.reason, "no C compiler to build it (/nonexistent/cc: not found)");
    match(c.unavailable!.fix, /apt-get install gcc libc6-dev\)$/);
    // Started anyway (fuzz --impl c, say), it is a setup error that says why and how to fix.
    match(started!, /^c: unavailable here: no C compiler .*; fix: tools\//);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("bundled: no setsid(1) (macOS, say): the process testees are still available (spawned detached)", async () => {
  const { entries } = await entriesWith({ CRCONFORM_PROBE_NO_SETSID: "1" });
  // Exactly what this host offers with setsid(1): the switch makes nothing unavailable.
  const { entries: usual } = await entriesWith({});
  deepStrictEqual(entries, usual);
  ok(entries.some((e) => e.name === "c"), "the C implementation is listed");
  strictEqual(entries[0]!.unavailable, null, "the reference runs in process");
});
