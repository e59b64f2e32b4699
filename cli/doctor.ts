/**
 * `deno task doctor`: what this host can do, as the gate probes it
 * (`harness/host.ts`): OS, architecture, cores, PID namespaces, executing
 * i386 programs, qemu-user, gcc and its `-m32` link, QEMU system, Chromium,
 * xmllint, the arm64 cross tools, the kernel source; how seed-c-i386 will
 * run; and for each missing thing, the feature it affects and the fix. It
 * changes nothing and exits 0 (a CI log then says why something was
 * skipped).
 *
 * @module
 */
import {
  type Capability,
  cores,
  fixFor,
  HOST_TOOLS,
  i386Exec,
  i386Runner,
  NO_I386_SWITCH,
  NO_QEMU_USER_SWITCH,
} from "../harness/host.ts";

/** One probed row: what, whether it is there, what was seen, what lacks without it, the fix. */
export interface DoctorRow {
  /** What was probed. */
  readonly name: string;
  /** The probe's answer. */
  readonly found: Capability;
  /** The feature that needs it. */
  readonly feature: string;
  /** The fix when missing. */
  readonly fix?: string;
}

/** Every probe's row, in the order doctor prints them. */
export async function doctorRows(): Promise<DoctorRow[]> {
  const i386: DoctorRow = {
    name: "32-bit x86 execution",
    found: await i386Exec(),
    feature: "seed-c-i386 runs natively; without it, under qemu-i386 (else unavailable)",
    fix: "a kernel with IA32 emulation (CONFIG_IA32_EMULATION), or qemu-user: " +
      fixFor("qemu-user (qemu-i386)"),
  };
  const tools = await Promise.all(HOST_TOOLS.map(async (t) => ({
    name: t.name,
    found: await t.probe(),
    feature: t.feature,
    fix: fixFor(t.name),
  })));
  return [i386, ...tools];
}

/** The doctor's text: the host line, one line per probe, seed-c-i386's way to run, what is missing. */
export async function doctorReport(): Promise<string> {
  const rows = await doctorRows();
  const w = Math.max(...rows.map((r) => r.name.length));
  const out = [
    `crconform doctor: what this host can do (probed)`,
    `host: ${Deno.build.os}/${Deno.build.arch}, ${cores()} cores, Deno ${Deno.version.deno}`,
  ];
  for (const r of rows) {
    out.push(`${r.found.ok ? "ok " : "no "} ${r.name.padEnd(w)}  ${r.found.detail}`);
  }
  const run = await i386Runner();
  out.push(
    "prefix" in run
      ? `seed-c-i386: ${run.prefix.length ? `runs under ${run.prefix[0]}` : "runs natively"}`
      : `seed-c-i386: unavailable here: ${run.reason}; fix: ${run.fix}`,
  );
  const missing = rows.filter((r) => !r.found.ok);
  if (missing.length) {
    out.push("", "missing, and what it affects:");
    for (const r of missing) out.push(`  ${r.name}: ${r.feature}`, `    fix: ${r.fix}`);
  } else out.push("", "nothing missing");
  const forced = [NO_I386_SWITCH, NO_QEMU_USER_SWITCH].filter((k) => Deno.env.get(k));
  if (forced.length) out.push(`(probe switches set: ${forced.join(", ")})`);
  return out.join("\n");
}

if (import.meta.main) console.log(await doctorReport());
