// deno task setup: the dry run's table (every package of every tool, its group and status, what
// needs it), group parsing, and an install that cannot happen (no apt-get) failing clearly.
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { formatPlan, parseGroups, plan, toInstall } from "./setup.ts";
import { HOST_TOOLS } from "../harness/host.ts";

const CLI = new URL("./setup.ts", import.meta.url).pathname;

async function setup(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env,
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, out: text(out.stdout), err: text(out.stderr) };
}

Deno.test("setup: groups default to gate; all is every group; an unknown one is an error", () => {
  deepStrictEqual([...parseGroups([]) as Set<string>], ["gate"]);
  deepStrictEqual([...parseGroups(["all"]) as Set<string>], ["gate", "kernel", "arm64"]);
  deepStrictEqual([...parseGroups(["arm64", "kernel"]) as Set<string>], ["arm64", "kernel"]);
  strictEqual(parseGroups(["gpu"]), "setup: unknown group gpu (gate, kernel, arm64 or all)");
});

Deno.test("setup: the plan lists each package once with the tools that need it; only wanted missing ones install", async () => {
  const lines = await plan(new Set(["gate"]));
  const pkgs = lines.map((l) => l.pkg);
  strictEqual(new Set(pkgs).size, pkgs.length);
  deepStrictEqual(new Set(pkgs), new Set(HOST_TOOLS.flatMap((t) => t.packages)));
  const qemu = lines.find((l) => l.pkg === "qemu-user")!;
  deepStrictEqual(qemu.tools.map((t) => t.name), [
    "qemu-user (qemu-i386)",
    "aarch64 cross toolchain",
  ]);
  ok(qemu.wanted);
  ok(!lines.find((l) => l.pkg === "linux-source-6.1")!.wanted, "a kernel package is not gate's");
  const fake = lines.map((l, i) => ({
    ...l,
    status: i % 2 ? "installed" as const : "missing" as const,
  }));
  deepStrictEqual(
    toInstall(fake),
    fake.filter((l, i) => l.wanted && i % 2 === 0).map((l) => l.pkg),
  );
  const text = formatPlan(fake).split("\n");
  strictEqual(text.length, lines.length + 1);
  match(text[0]!, /^package +status +group +needed by$/);
  // A tool's feature is told on its first package, its name alone on the others.
  match(
    text.find((l) => l.startsWith("gcc-multilib "))!,
    /^gcc-multilib +(installed|missing) +gate +gcc -m32: seed-c-i386 .* unavailable$/,
  );
  match(
    text.find((l) => l.startsWith("bison "))!,
    /^bison +(installed|missing) +kernel +linux-source-6\.1$/,
  );
});

Deno.test("setup --dry-run: prints every package and what it would install; installs nothing, exits 0", async () => {
  const r = await setup(["--dry-run", "all"]);
  strictEqual(r.code, 0, r.err);
  const lines = r.out.trim().split("\n");
  match(lines[0]!, /^package +status +group +needed by$/);
  for (const p of HOST_TOOLS.flatMap((t) => t.packages)) {
    ok(
      lines.some((l) =>
        new RegExp(`^${p.replace(/\+/g, "\\+")} +(installed|missing|unknown) `).test(l)
      ),
      p,
    );
  }
  match(
    lines.at(-1)!,
    /^(would install \(gate kernel arm64\): [a-z0-9.+ -]+|nothing to install for gate kernel arm64)$/,
  );
});

Deno.test("setup: without dpkg and apt-get (not Debian) an install fails clearly; the dry run still works", async () => {
  const env = { PATH: "/nonexistent" };
  const dry = await setup(["--dry-run"], env);
  strictEqual(dry.code, 0, dry.err);
  match(dry.out, /^gcc-multilib +unknown +gate /m);
  const r = await setup([], env);
  strictEqual(r.code, 1);
  match(
    r.err,
    /^setup: no apt-get on this host \(not Debian or Ubuntu\): install by hand: gcc libc6-dev gcc-multilib qemu-user util-linux chromium libxml2-utils\n$/,
  );
  const bad = await setup(["--now"]);
  strictEqual(bad.code, 2);
  match(bad.err, /^setup: unknown option --now/);
});
