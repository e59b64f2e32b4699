// The bundled registry on a host without the tools: what cannot be built or run here is an
// entry marked unavailable (with the reason and the fix), never a throw; the reference stays.
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { bundledTestees } from "./bundled.ts";
import { forgetProbes } from "../harness/host.ts";

async function withEnv<T>(vars: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  forgetProbes();
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(old)) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
    forgetProbes();
  }
}

Deno.test("bundled: no C compiler (an empty cache, CC missing): the C implementations are unavailable with the fix", async () => {
  const cache = await Deno.makeTempDir();
  try {
    const entries = await withEnv(
      { CRCONFORM_CACHE: cache, CC: "/nonexistent/cc", CRCONFORM_PROBE_NO_QEMU_USER: "1" },
      () => bundledTestees(),
    );
    strictEqual(entries[0]!.testee.name, "reference");
    ok(!entries[0]!.unavailable);
    const na = entries.filter((e) => e.unavailable);
    deepStrictEqual(na.map((e) => e.testee.name).filter((n) => !n.startsWith("golden")), [
      "c",
      "seed-c-x86_64",
      "seed-c-i386",
    ]);
    for (const e of na) {
      match(e.unavailable!.fix, /^tools\/deno\/deno task setup \(Debian: apt-get install /);
    }
    const c = na.find((e) => e.testee.name === "c")!;
    match(c.unavailable!.reason, /^no C compiler to build it \(\/nonexistent\/cc: not found\)$/);
    match(c.unavailable!.fix, /apt-get install gcc libc6-dev\)$/);
    // Started anyway (fuzz --impl c, say), it is a setup error that says why and how to fix.
    await c.testee.start().then(
      () => ok(false, "started"),
      (e) => match((e as Error).message, /^c: unavailable here: no C compiler .*; fix: tools\//),
    );
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("bundled: no setsid(1) (macOS, say): the process testees are unavailable, never a hang", async () => {
  const entries = await withEnv({ PATH: "/nonexistent" }, () => bundledTestees());
  const na = entries.filter((e) => e.unavailable && !e.testee.name.startsWith("golden"));
  strictEqual(na.map((e) => e.testee.name).join(" "), "c seed-c-x86_64 seed-c-i386");
  for (const e of na) {
    strictEqual(
      e.unavailable!.reason,
      "no setsid(1) here to start testee processes (setsid: not found)",
    );
  }
  ok(!entries[0]!.unavailable, "the reference runs in process");
});
