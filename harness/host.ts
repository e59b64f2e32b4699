/**
 * What this host can do, probed (never assumed) and each probe run once
 * per process: PID namespaces, executing 32-bit x86 programs, qemu-user's
 * `qemu-i386`, a C compiler and its `-m32` link, QEMU system, Chromium,
 * xmllint, the arm64 cross tools, the kernel source; and the one table of
 * the optional host tools ({@link HOST_TOOLS}: which Debian packages give
 * each, and which feature needs it) that `deno task setup` installs and
 * `deno task doctor` prints.
 *
 * One cohesive thing: the probes and the table of the tools they probe
 * (each probe is a few lines; splitting them would split the table).
 *
 * Switches read by the probes alone, for tests: `CRCONFORM_PROBE_NO_I386=1`
 * (this host "cannot execute" i386 programs),
 * `CRCONFORM_PROBE_NO_QEMU_USER=1` (qemu-user is "absent") and
 * `CRCONFORM_PROBE_NO_SETSID=1` (setsid(1) is "absent": testees are spawned
 * detached; read by `harness/containment.ts`).
 *
 * @module
 */
import { cacheRoot } from "./build.ts";
import { containment } from "./child.ts";
import { spawnsThroughSetsid } from "./containment.ts";

export { NO_SETSID_SWITCH } from "./containment.ts";

/** What a probe found: whether the thing works here and what was seen (a version), or why not. */
export interface Capability {
  /** It works here. */
  readonly ok: boolean;
  /** What was found (a version line, a path), or why it does not work. */
  readonly detail: string;
}

/** Why a bundled implementation cannot run on this host, and the command that fixes it. */
export interface Unavailability {
  /** What is missing here. */
  readonly reason: string;
  /** The command (or step) that makes it available. */
  readonly fix: string;
}

/** The switch that makes the i386 probe say this host cannot execute i386 programs. */
export const NO_I386_SWITCH = "CRCONFORM_PROBE_NO_I386";
/** The switch that makes the qemu-user probe say `qemu-i386` is absent. */
export const NO_QEMU_USER_SWITCH = "CRCONFORM_PROBE_NO_QEMU_USER";

/** The command that installs the optional host tools. */
export const SETUP_COMMAND = "tools/deno/deno task setup";

const memo = new Map<string, Promise<Capability>>();

/** Runs `probe` once per process under `key`; later calls get the same answer. */
function once(key: string, probe: () => Promise<Capability>): Promise<Capability> {
  let p = memo.get(key);
  if (!p) memo.set(key, p = probe().catch((e) => ({ ok: false, detail: (e as Error).message })));
  return p;
}

function switchedOff(name: string): boolean {
  try {
    const v = Deno.env.get(name);
    return v !== undefined && v !== "" && v !== "0";
  } catch {
    return false;
  }
}

/** The full path of `cmd` found on `PATH`, or undefined. */
export function which(cmd: string): string | undefined {
  if (cmd.includes("/")) return isFile(cmd) ? cmd : undefined;
  let path = "";
  try {
    path = Deno.env.get("PATH") ?? "";
  } catch { /* no env permission: nothing found */ }
  for (const dir of path.split(":")) {
    if (dir && isFile(`${dir}/${cmd}`)) return `${dir}/${cmd}`;
  }
  return undefined;
}

function isFile(p: string): boolean {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
}

/** Runs a command; the first line of its output when it exits 0 (or with `code`), else why not. */
async function runs(
  cmd: string,
  args: readonly string[],
  opts: { code?: number; cwd?: string; line?: RegExp } = {},
): Promise<Capability> {
  let r: Deno.CommandOutput;
  try {
    r = await new Deno.Command(cmd, {
      args: [...args],
      cwd: opts.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "not found" : (e as Error).message;
    return { ok: false, detail: `${cmd}: ${why}` };
  }
  const dec = new TextDecoder();
  const text = `${dec.decode(r.stdout)}\n${dec.decode(r.stderr)}`;
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const first = (opts.line ? lines.find((l) => opts.line!.test(l)) : undefined) ?? lines[0] ?? "";
  const want = opts.code ?? 0;
  if (r.code === want) return { ok: true, detail: first };
  return {
    ok: false,
    detail: `${cmd} ${args.join(" ")}: exited ${r.code}${r.signal ? ` (${r.signal})` : ""}${
      first ? `: ${first}` : ""
    }`,
  };
}

/** The exit code of {@link tinyI386Elf}: a distinctive one, so a run proves its code ran. */
export const I386_PROBE_EXIT = 42;

/**
 * A complete static i386 Linux program of 96 bytes that exits with
 * {@link I386_PROBE_EXIT} (`mov eax, 1; mov ebx, 42; int 0x80`): an ELF
 * header, one loadable segment at 0x08048000, the code. Executing it needs
 * no compiler, no libc and no 32-bit library, only the kernel's (or
 * qemu-i386's) i386 support.
 */
export function tinyI386Elf(): Uint8Array {
  const code = [0xb8, 1, 0, 0, 0, 0xbb, I386_PROBE_EXIT, 0, 0, 0, 0xcd, 0x80];
  const ehsize = 52, phsize = 32, base = 0x08048000;
  const b = new Uint8Array(ehsize + phsize + code.length);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]); // ELF, 32-bit, little-endian, version 1, SysV
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true); // EV_CURRENT
  v.setUint32(24, base + ehsize + phsize, true); // entry: the code
  v.setUint32(28, ehsize, true); // program headers right after this header
  v.setUint16(40, ehsize, true);
  v.setUint16(42, phsize, true);
  v.setUint16(44, 1, true); // one program header
  v.setUint32(ehsize + 0, 1, true); // PT_LOAD
  v.setUint32(ehsize + 8, base, true); // vaddr
  v.setUint32(ehsize + 12, base, true); // paddr
  v.setUint32(ehsize + 16, b.length, true); // filesz
  v.setUint32(ehsize + 20, b.length, true); // memsz
  v.setUint32(ehsize + 24, 5, true); // PF_R | PF_X
  v.setUint32(ehsize + 28, 0x1000, true); // align
  b.set(code, ehsize + phsize);
  return b;
}

/** Writes {@link tinyI386Elf} under the build cache (once) and returns its path. */
async function i386ProbeFile(): Promise<string> {
  const dir = `${cacheRoot()}/probe`;
  const path = `${dir}/i386-exit${I386_PROBE_EXIT}`;
  if (isFile(path)) return path;
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.writeFile(tmp, tinyI386Elf(), { mode: 0o755 });
  await Deno.rename(tmp, path);
  return path;
}

/** This host executes 32-bit x86 programs itself (runs {@link tinyI386Elf}). */
export function i386Exec(): Promise<Capability> {
  return once("i386", async () => {
    if (switchedOff(NO_I386_SWITCH)) {
      return { ok: false, detail: `forced off by ${NO_I386_SWITCH}` };
    }
    const probe = await i386ProbeFile();
    try {
      // (an exec the kernel refuses with ENOEXEC is retried by the C library through sh,
      // which then fails to read the binary as a script: the exit code tells, not the text)
      const r = await new Deno.Command(probe, { stdin: "null", stdout: "null", stderr: "null" })
        .output();
      if (r.code === I386_PROBE_EXIT) return { ok: true, detail: "a static i386 program ran" };
      const how = r.signal ? `killed by ${r.signal}` : `exit ${r.code}, not ${I386_PROBE_EXIT}`;
      return { ok: false, detail: `the kernel did not run a static i386 program (${how})` };
    } catch (e) {
      return {
        ok: false,
        detail: `a static i386 program could not start: ${(e as Error).message}`,
      };
    }
  });
}

/** qemu-user's `qemu-i386` is here and runs {@link tinyI386Elf}; its detail is its path. */
export function qemuUser(): Promise<Capability> {
  return once("qemu-i386", async () => {
    if (switchedOff(NO_QEMU_USER_SWITCH)) {
      return { ok: false, detail: `forced off by ${NO_QEMU_USER_SWITCH}` };
    }
    const qemu = which("qemu-i386");
    if (!qemu) return { ok: false, detail: "qemu-i386: not found" };
    const r = await runs(qemu, [await i386ProbeFile()], { code: I386_PROBE_EXIT });
    return r.ok ? { ok: true, detail: qemu } : r;
  });
}

/** The C compiler (`$CC`, else gcc): its version line. */
export function cc(): Promise<Capability> {
  return once("cc", () => runs(ccName(), ["--version"]));
}

/** The C compiler the builds use: `$CC`, else gcc. */
export function ccName(): string {
  try {
    return Deno.env.get("CC") || "gcc";
  } catch {
    return "gcc";
  }
}

/** The C compiler links a 32-bit x86 program (`-m32`: the i386 libc and libgcc are here). */
export function ccM32(): Promise<Capability> {
  return once("cc-m32", async () => {
    const dir = await Deno.makeTempDir({ prefix: "crconform-m32-" });
    try {
      await Deno.writeTextFile(`${dir}/t.c`, "int main(void) { return 0; }\n");
      const r = await runs(ccName(), ["-m32", "t.c", "-o", "t"], { cwd: dir });
      return r.ok ? { ok: true, detail: `${ccName()} -m32 links` } : r;
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  });
}

/**
 * setsid(1) (util-linux: Linux only), through which process testees start
 * where it runs; without it they are spawned detached, slower per spawn
 * (`harness/containment.ts` probes it; its detail here is its path).
 */
export function setsid(): Promise<Capability> {
  return once("setsid", () => {
    const s = spawnsThroughSetsid();
    return Promise.resolve(s.ok ? { ok: true, detail: which("setsid") ?? s.detail } : s);
  });
}

/** The C compiler's target (`-dumpmachine`, e.g. `x86_64-linux-gnu`). */
export function ccTarget(): Promise<Capability> {
  return once("cc-target", () => runs(ccName(), ["-dumpmachine"]));
}

/** Testees can get their own PID namespace (`unshare`), else only a process group. */
export function pidNamespaces(): Promise<Capability> {
  return once("pidns", () => {
    const c = containment();
    return Promise.resolve(
      c.kind === "namespace"
        ? { ok: true, detail: c.prefix.join(" ").replace(/ --$/, "") }
        : { ok: false, detail: `process group only: ${c.why ?? "unshare failed"}` },
    );
  });
}

/** A command answering `--version` (or `args`). */
function tool(cmd: string, args: readonly string[] = ["--version"]): Promise<Capability> {
  return once(`tool ${cmd}`, () => runs(cmd, args));
}

/** The first of these Chromium names on PATH (`$CHROMIUM` first). */
export function chromiumPath(): string | undefined {
  let env: string | undefined;
  try {
    env = Deno.env.get("CHROMIUM") || undefined;
  } catch { /* none */ }
  for (const n of [env, "chromium", "chromium-browser", "google-chrome"]) {
    const p = n && which(n);
    if (p) return p;
  }
  return undefined;
}

/** Debian's linux-source-6.1 tarball, for the golden kernel build. */
function linuxSource(): Promise<Capability> {
  return once("linux-source", async () => {
    try {
      for await (const e of Deno.readDir("/usr/src")) {
        if (/^linux-source-6\.1.*\.tar\./.test(e.name)) {
          return { ok: true, detail: `/usr/src/${e.name}` };
        }
      }
    } catch { /* no /usr/src */ }
    return { ok: false, detail: "no /usr/src/linux-source-6.1*.tar.*" };
  });
}

/**
 * Which use a host tool serves, as `deno task setup GROUP` names it: `gate`
 * (the bundled implementations and the tests' optional checks), `kernel`
 * (building and booting the patched kernel: `deno task capture`,
 * `conform --kernel`), `arm64` (the arm64 cross check).
 */
export type ToolGroup = "gate" | "kernel" | "arm64";

/** Every {@link ToolGroup}, in the order setup lists them. */
export const TOOL_GROUPS: readonly ToolGroup[] = ["gate", "kernel", "arm64"];

/** An optional host tool: how to probe it, the Debian packages that give it, what needs it. */
export interface HostTool {
  /** Short name, as `doctor` prints it. */
  readonly name: string;
  /** The use it serves. */
  readonly group: ToolGroup;
  /** The feature that needs it, and what happens without it. */
  readonly feature: string;
  /** The Debian packages that provide it. */
  readonly packages: readonly string[];
  /** Whether it is here. */
  readonly probe: () => Promise<Capability>;
}

/**
 * The optional host tools, the one list: `deno task setup` installs their
 * packages, `deno task doctor` probes them, the gate's fixes name them.
 * None is needed to run the reference and the gate over a user's `--impl`.
 */
export const HOST_TOOLS: readonly HostTool[] = [
  {
    name: "gcc",
    group: "gate",
    feature: "the bundled C implementations (c, seed-c-*) are built with it; " +
      "without it they are unavailable",
    packages: ["gcc", "libc6-dev"],
    probe: cc,
  },
  {
    name: "gcc -m32",
    group: "gate",
    feature: "seed-c-i386 (the seed's code built for i386) is built with it; " +
      "without it seed-c-i386 is unavailable",
    packages: ["gcc-multilib"],
    probe: ccM32,
  },
  {
    name: "qemu-user (qemu-i386)",
    group: "gate",
    feature: "runs seed-c-i386 where the kernel cannot execute i386 programs; " +
      "without either, seed-c-i386 is unavailable",
    packages: ["qemu-user"],
    probe: qemuUser,
  },
  {
    name: "setsid",
    group: "gate",
    feature: "faster spawns: process testees (the bundled C ones, seed-c, an --impl) start in " +
      "their own process group through it; without it they are spawned detached, a fork of " +
      "the gate per spawn (slower in per-case mode, same verdict)",
    packages: ["util-linux"],
    probe: setsid,
  },
  {
    name: "PID namespaces (unshare)",
    group: "gate",
    feature: "a PID namespace per testee, so nothing it starts outlives the run; " +
      "without it, a process group (a setsid() descendant can escape)",
    packages: ["util-linux"],
    probe: pidNamespaces,
  },
  {
    name: "qemu-system-x86_64",
    group: "kernel",
    feature: "deno task capture and conform --kernel boot the patched kernel with it; " +
      "the committed captures need nothing",
    packages: ["qemu-system-x86"],
    probe: () => tool("qemu-system-x86_64"),
  },
  {
    name: "linux-source-6.1",
    group: "kernel",
    feature: "deno task capture and conform --kernel build the patched kernel from it",
    packages: [
      "linux-source-6.1",
      "build-essential",
      "bc",
      "bison",
      "flex",
      "libelf-dev",
      "libssl-dev",
      "cpio",
      "xz-utils",
      "python3",
    ],
    probe: linuxSource,
  },
  {
    name: "chromium",
    group: "gate",
    feature: "the HTML report's browser test (cli/html_browser_test.ts); skipped without it",
    packages: ["chromium"],
    probe: () => {
      const p = chromiumPath();
      return p ? tool(p) : Promise.resolve({ ok: false, detail: "chromium: not found" });
    },
  },
  {
    name: "xmllint",
    group: "gate",
    feature: "CI's check of the JUnit report against the xunit schema; skipped without it",
    packages: ["libxml2-utils"],
    probe: () => tool("xmllint", ["--version"]),
  },
  {
    name: "aarch64 cross toolchain",
    group: "arm64",
    feature: "the arm64 cross check (impls/c and seed-c built for arm64, run under " +
      "qemu-aarch64); skipped without it",
    // clang's aarch64 target, not Debian 12's gcc-aarch64-linux-gnu, which conflicts with
    // gcc-multilib (seed-c-i386's -m32): installing one removes the other.
    packages: [
      "clang",
      "binutils-aarch64-linux-gnu",
      "libc6-dev-arm64-cross",
      "libgcc-12-dev-arm64-cross",
      "qemu-user",
    ],
    probe: async () => {
      const gcc = await tool("aarch64-linux-gnu-gcc");
      return gcc.ok ? gcc : tool("aarch64-linux-gnu-ld");
    },
  },
];

/** The fix for a missing tool: the setup command (with its group) and the Debian packages. */
export function fixFor(name: string): string {
  const t = HOST_TOOLS.find((x) => x.name === name);
  if (!t) throw new Error(`fixFor: no host tool called ${name}`);
  const group = t.group === "gate" ? "" : ` ${t.group}`;
  return `${SETUP_COMMAND}${group} (Debian: apt-get install ${t.packages.join(" ")})`;
}

/**
 * How to run a built i386 program here: directly (an empty prefix), under
 * `qemu-i386` (its path), or not at all, with the reason and the fix.
 */
export async function i386Runner(): Promise<{ prefix: readonly string[] } | Unavailability> {
  const native = await i386Exec();
  if (native.ok) return { prefix: [] };
  const qemu = await qemuUser();
  if (qemu.ok) return { prefix: [qemu.detail] };
  const linux = Deno.build.os === "linux";
  return {
    reason: `this host cannot execute 32-bit x86 programs (${native.detail}) and has no ` +
      `qemu-i386 to emulate them (${qemu.detail})`,
    fix: linux
      ? fixFor("qemu-user (qemu-i386)")
      : "none on this OS: qemu-user emulates i386 on Linux only (run it on a Linux host)",
  };
}

/** Cores this process may use. */
export function cores(): number {
  return navigator.hardwareConcurrency ?? 1;
}

/** One line about the host for `--version`: OS, arch, cores, 32-bit execution, PID namespaces. */
export async function hostLine(): Promise<string> {
  const [i386, qemu, pidns] = await Promise.all([i386Exec(), qemuUser(), pidNamespaces()]);
  const run32 = i386.ok ? "yes" : qemu.ok ? "under qemu-i386" : "no";
  return `host ${Deno.build.os}/${Deno.build.arch}, ${cores()} cores; i386 programs: ${run32}; ` +
    `PID namespaces: ${pidns.ok ? "yes" : "no (process group)"}`;
}
