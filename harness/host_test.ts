// The host probes: the i386 probe program against hand-read bytes (and, where qemu-i386 is at
// hand, against an independent loader), the test switches forcing each probe off, and the
// reason and fix an unavailable seed-c-i386 gets.
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import {
  forgetProbes,
  HOST_TOOLS,
  hostLine,
  I386_PROBE_EXIT,
  i386Exec,
  i386Runner,
  NO_I386_SWITCH,
  NO_QEMU_USER_SWITCH,
  qemuUser,
  tinyI386Elf,
  which,
} from "./host.ts";

/** Runs `f` with environment variables set (undefined: removed), the probes forgotten around it. */
async function withEnv<T>(vars: Record<string, string | undefined>, f: () => Promise<T>) {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  const set = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      x === undefined ? Deno.env.delete(k) : Deno.env.set(k, x);
    }
  };
  set(vars);
  forgetProbes();
  try {
    return await f();
  } finally {
    set(old);
    forgetProbes();
  }
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
  await withEnv({ [NO_I386_SWITCH]: "1", [NO_QEMU_USER_SWITCH]: "1" }, async () => {
    deepStrictEqual(await i386Exec(), { ok: false, detail: `forced off by ${NO_I386_SWITCH}` });
    deepStrictEqual(await qemuUser(), {
      ok: false,
      detail: `forced off by ${NO_QEMU_USER_SWITCH}`,
    });
    const r = await i386Runner();
    ok(!("prefix" in r));
    strictEqual(
      r.reason,
      `this host cannot execute 32-bit x86 programs (forced off by ${NO_I386_SWITCH}) and has ` +
        `no qemu-i386 to emulate them (forced off by ${NO_QEMU_USER_SWITCH})`,
    );
    strictEqual(r.fix, "tools/deno/deno task setup (Debian: apt-get install qemu-user)");
    match(await hostLine(), /; i386 programs: no; /);
  });
});

Deno.test({
  name: "probes: only i386 execution forced off, with qemu-i386 here: i386 programs run under it",
  ignore: !QEMU,
  fn: async () => {
    await withEnv({ [NO_I386_SWITCH]: "1", [NO_QEMU_USER_SWITCH]: undefined }, async () => {
      strictEqual((await i386Exec()).ok, false);
      deepStrictEqual(await qemuUser(), { ok: true, detail: QEMU });
      deepStrictEqual(await i386Runner(), { prefix: [QEMU] });
      match(await hostLine(), /; i386 programs: under qemu-i386; /);
    });
  },
});

Deno.test("probes: a switch set to 0 or empty is off; probes answer once per process until forgotten", async () => {
  await withEnv({ [NO_I386_SWITCH]: "0", [NO_QEMU_USER_SWITCH]: "" }, async () => {
    const a = await i386Exec();
    ok(!a.detail.includes("forced off"), a.detail);
    ok(!(await qemuUser()).detail.includes("forced off"));
    Deno.env.set(NO_I386_SWITCH, "1");
    deepStrictEqual(await i386Exec(), a, "the answer is cached");
    forgetProbes();
    strictEqual((await i386Exec()).detail, `forced off by ${NO_I386_SWITCH}`);
  });
});

Deno.test("probes: a missing command is a clear 'not found', never a throw", async () => {
  await withEnv({ PATH: "/nonexistent", [NO_QEMU_USER_SWITCH]: undefined }, async () => {
    strictEqual(which("qemu-i386"), undefined);
    deepStrictEqual(await qemuUser(), { ok: false, detail: "qemu-i386: not found" });
    const xmllint = HOST_TOOLS.find((t) => t.name === "xmllint")!;
    deepStrictEqual(await xmllint.probe(), { ok: false, detail: "xmllint: not found" });
  });
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
