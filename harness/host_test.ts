// The host probes: the i386 probe program against hand-read bytes (and, where qemu-i386 is at
// hand, against an independent loader), the test switches forcing each probe off, and the
// reason and fix an unavailable seed-c-i386 gets.
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import {
  HOST_TOOLS,
  I386_PROBE_EXIT,
  NO_I386_SWITCH,
  NO_QEMU_USER_SWITCH,
  tinyI386Elf,
  which,
} from "./host.ts";

const PROBES = new URL("./testdata/probes.ts", import.meta.url).pathname;

/** What the probes answer in a child process with `env` added (undefined: removed). */
async function probesWith(env: Record<string, string | undefined>) {
  const clear = Object.keys(env).filter((k) => env[k] === undefined);
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
  const base = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([k]) => !clear.includes(k)),
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", PROBES],
    env: { ...base, ...set } as Record<string, string>,
    clearEnv: true,
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  strictEqual(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(text);
}

Deno.test("tinyI386Elf: an ELF32 i386 executable whose one segment exits 42 (bytes read by hand)", () => {
  const b = tinyI386Elf();
  strictEqual(b.length, 96);
  // e_ident: \x7fELF, ELFCLASS32, ELFDATA2LSB, EV_CURRENT, SysV
  deepStrictEqual([...b.subarray(0, 8)], [0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]);
  // e_type ET_EXEC=2, e_machine EM_386=3, e_version 1, e_entry 0x08048054, e_phoff 52
  deepStrictEqual([...b.subarray(16, 32)], [
    2,
    0,
    3,
    0,
    1,
    0,
    0,
    0,
    0x54,
    0x80,
    0x04,
    0x08,
    52,
    0,
    0,
    0,
  ]);
  // e_ehsize 52, e_phentsize 32, e_phnum 1
  deepStrictEqual([...b.subarray(40, 46)], [52, 0, 32, 0, 1, 0]);
  // PT_LOAD from offset 0 at 0x08048000, 96 bytes, R+X
  deepStrictEqual([...b.subarray(52, 80)], [
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x80,
    0x04,
    0x08,
    0,
    0x80,
    0x04,
    0x08,
    96,
    0,
    0,
    0,
    96,
    0,
    0,
    0,
    5,
    0,
    0,
    0,
  ]);
  // mov eax, 1 (exit); mov ebx, 42; int 0x80
  deepStrictEqual([...b.subarray(84)], [0xb8, 1, 0, 0, 0, 0xbb, 42, 0, 0, 0, 0xcd, 0x80]);
  strictEqual(I386_PROBE_EXIT, 42);
});

const QEMU = which("qemu-i386");

Deno.test({
  name: "tinyI386Elf: qemu-i386 (an independent loader) runs it and it exits 42",
  ignore: !QEMU,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeFile(`${dir}/p`, tinyI386Elf(), { mode: 0o755 });
    const r = await new Deno.Command(QEMU!, { args: [`${dir}/p`] }).output();
    strictEqual(r.code, 42);
    await Deno.remove(dir, { recursive: true });
  },
});
if (!QEMU) {
  console.log("host_test: no qemu-i386 on PATH: the cross-check of the probe program is skipped");
}

Deno.test("probes forced off: no i386 execution, no qemu-user: seed-c-i386 unavailable with the reason and the fix", async () => {
  const p = await probesWith({ [NO_I386_SWITCH]: "1", [NO_QEMU_USER_SWITCH]: "1" });
  deepStrictEqual(p.i386Exec, { ok: false, detail: `forced off by ${NO_I386_SWITCH}` });
  deepStrictEqual(p.qemuUser, { ok: false, detail: `forced off by ${NO_QEMU_USER_SWITCH}` });
  deepStrictEqual(p.i386Runner, {
    reason: `this host cannot execute 32-bit x86 programs (forced off by ${NO_I386_SWITCH}) and ` +
      `has no qemu-i386 to emulate them (forced off by ${NO_QEMU_USER_SWITCH})`,
    fix: "tools/deno/deno task setup (Debian: apt-get install qemu-user)",
  });
  match(
    p.hostLine,
    /^host \w+\/\w+, \d+ cores; i386 programs: no; PID namespaces: (yes|no \(process group\))$/,
  );
});

Deno.test({
  name: "probes: only i386 execution forced off, with qemu-i386 here: i386 programs run under it",
  ignore: !QEMU,
  fn: async () => {
    const p = await probesWith({ [NO_I386_SWITCH]: "1", [NO_QEMU_USER_SWITCH]: undefined });
    strictEqual(p.i386Exec.ok, false);
    deepStrictEqual(p.qemuUser, { ok: true, detail: QEMU });
    deepStrictEqual(p.i386Runner, { prefix: [QEMU] });
    match(p.hostLine, /; i386 programs: under qemu-i386; /);
  },
});

Deno.test("probes: a switch set to 0 or empty is off", async () => {
  const p = await probesWith({ [NO_I386_SWITCH]: "0", [NO_QEMU_USER_SWITCH]: "" });
  ok(!p.i386Exec.detail.includes("forced off"), p.i386Exec.detail);
  ok(!p.qemuUser.detail.includes("forced off"), p.qemuUser.detail);
});

Deno.test("probes: a missing command is a clear 'not found', never a throw", async () => {
  const p = await probesWith({ PATH: "/nonexistent", [NO_QEMU_USER_SWITCH]: undefined });
  strictEqual(p.which, null);
  deepStrictEqual(p.qemuUser, { ok: false, detail: "qemu-i386: not found" });
  deepStrictEqual(p.xmllint, { ok: false, detail: "xmllint: not found" });
});

Deno.test("HOST_TOOLS: every tool names its feature and Debian packages, once", () => {
  const names = HOST_TOOLS.map((t) => t.name);
  strictEqual(new Set(names).size, names.length);
  for (const t of HOST_TOOLS) {
    ok(t.feature.length > 20, t.name);
    ok(t.packages.length > 0 && t.packages.every((p) => /^[a-z0-9][a-z0-9.+-]+$/.test(p)), t.name);
  }
  for (
    const need of ["gcc-multilib", "qemu-user", "qemu-system-x86", "chromium", "libxml2-utils"]
  ) {
    ok(HOST_TOOLS.some((t) => t.packages.includes(need)), need);
  }
});
