// deno task doctor: one line per probe, seed-c-i386's way to run, and for each missing thing the
// feature it affects and the fix; with the probes forced off, what a host without i386 sees.
import { match, ok, strictEqual } from "node:assert/strict";
import { HOST_TOOLS } from "../harness/host.ts";

const CLI = new URL("./doctor.ts", import.meta.url).pathname;

async function doctor(env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", CLI], env }).output();
  return { code: out.code, out: new TextDecoder().decode(out.stdout) };
}

Deno.test("doctor: the host, every probe, seed-c-i386's way to run, and what is missing with its fix", async () => {
  const r = await doctor({ CRCONFORM_PROBE_NO_I386: "1", CRCONFORM_PROBE_NO_QEMU_USER: "1" });
  strictEqual(r.code, 0);
  const lines = r.out.trimEnd().split("\n");
  strictEqual(lines[0], "crconform doctor: what this host can do (probed)");
  match(
    lines[1]!,
    /^host: (linux|darwin|windows|\w+)\/(x86_64|aarch64), \d+ cores, Deno \d+\.\d+\.\d+$/,
  );
  const names = ["32-bit x86 execution", ...HOST_TOOLS.map((t) => t.name)];
  names.forEach((n, i) =>
    match(lines[2 + i]!, new RegExp(`^(ok |no ) ${n.replace(/[()+]/g, "\\$&")} +\\S`))
  );
  match(lines[2]!, /^no {2}32-bit x86 execution +forced off by CRCONFORM_PROBE_NO_I386$/);
  match(r.out, /^no {2}qemu-user \(qemu-i386\) +forced off by CRCONFORM_PROBE_NO_QEMU_USER$/m);
  match(
    r.out,
    /^seed-c-i386: unavailable here: this host cannot execute 32-bit x86 programs .*; fix: tools\/deno\/deno task setup \(Debian: apt-get install qemu-user\)$/m,
  );
  const at = lines.indexOf("missing, and what it affects:");
  ok(at > 0);
  // Each missing thing: its feature, then its fix.
  match(lines[at + 1]!, /^ {2}32-bit x86 execution: seed-c-i386 runs natively/);
  match(lines[at + 2]!, /^ {4}fix: a kernel with IA32 emulation/);
  match(
    r.out,
    /^ {2}qemu-user \(qemu-i386\): runs seed-c-i386 .*\n {4}fix: tools\/deno\/deno task setup \(Debian: apt-get install qemu-user\)$/m,
  );
  match(
    lines.at(-1)!,
    /^\(probe switches set: CRCONFORM_PROBE_NO_I386, CRCONFORM_PROBE_NO_QEMU_USER\)$/,
  );
});
