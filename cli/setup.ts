/**
 * `deno task setup [--dry-run] [GROUP...]`: installs the optional host
 * tools with apt-get (Debian, Ubuntu), the only command of the project that
 * installs anything. The groups (`harness/host.ts` {@link HOST_TOOLS}):
 * `gate` (the default: gcc, gcc-multilib, qemu-user, util-linux, Chromium,
 * xmllint), `kernel` (the patched kernel's build and boot: linux-source-6.1,
 * its build tools, QEMU system), `arm64` (the arm64 cross check), `all`.
 * `--dry-run` installs nothing and prints every package, the tool and
 * feature that needs it, and whether it is here. Without apt-get or root it
 * says what to install by hand; it exits non-zero only when asked to
 * install and that fails.
 *
 * @example
 * ```sh
 * tools/deno/deno task setup --dry-run all
 * ```
 *
 * @module
 */
import { HOST_TOOLS, type HostTool, TOOL_GROUPS, type ToolGroup, which } from "../harness/host.ts";

/** One package of the plan: the tools that need it and whether it is installed. */
export interface PackageLine {
  /** The Debian package. */
  readonly pkg: string;
  /** The tools that need it. */
  readonly tools: readonly HostTool[];
  /** dpkg says it is installed (`unknown`: no dpkg here). */
  readonly status: "installed" | "missing" | "unknown";
  /** It is in a group asked for. */
  readonly wanted: boolean;
}

/** The usage text. */
export const SETUP_USAGE = `usage: deno task setup [--dry-run] [GROUP...]

Installs the optional host tools with apt-get (run as root; Debian or Ubuntu).
GROUP: ${TOOL_GROUPS.join(", ")} or all (default: gate). Nothing else in
crconform installs anything; without these tools the features that need
them are skipped or reported unavailable (deno task doctor says which).

  --dry-run   install nothing: print each package, what needs it, and
              whether it is installed`;

/** The installed state of packages, asked of dpkg-query; undefined without dpkg. */
async function dpkgStatus(pkgs: readonly string[]): Promise<Map<string, boolean> | undefined> {
  if (!which("dpkg-query")) return undefined;
  const r = await new Deno.Command("dpkg-query", {
    args: ["-W", "-f=${Package} ${Status}\\n", ...pkgs],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  if (!r) return undefined;
  const out = new Map(pkgs.map((p) => [p, false]));
  for (const line of new TextDecoder().decode(r.stdout).split("\n")) {
    const [name, ...status] = line.trim().split(" ");
    // multiarch names come back as name:arch
    const pkg = name?.replace(/:.*$/, "");
    if (pkg && out.has(pkg) && status.join(" ").endsWith("install ok installed")) {
      out.set(pkg, true);
    }
  }
  return out;
}

/**
 * Every package of every tool, in table order (each once, with the tools
 * that need it), marked installed or missing, and wanted when its tool's
 * group is in `groups`.
 */
export async function plan(groups: ReadonlySet<ToolGroup>): Promise<PackageLine[]> {
  const byPkg = new Map<string, HostTool[]>();
  for (const t of HOST_TOOLS) {
    for (const p of t.packages) byPkg.set(p, [...(byPkg.get(p) ?? []), t]);
  }
  const dpkg = await dpkgStatus([...byPkg.keys()]);
  return [...byPkg].map(([pkg, tools]) => ({
    pkg,
    tools,
    status: dpkg ? (dpkg.get(pkg) ? "installed" : "missing") : "unknown",
    wanted: tools.some((t) => groups.has(t.group)),
  }));
}

/** The missing (or, without dpkg, unknown) wanted packages. */
export function toInstall(lines: readonly PackageLine[]): string[] {
  return lines.filter((l) => l.wanted && l.status !== "installed").map((l) => l.pkg);
}

/** The dry run's table: package, status, group, tool and the feature that needs it (once per tool). */
export function formatPlan(lines: readonly PackageLine[]): string {
  const w = Math.max(...lines.map((l) => l.pkg.length));
  const out = [`${"package".padEnd(w)}  ${"status".padEnd(9)}  ${"group".padEnd(6)}  needed by`];
  const told = new Set<HostTool>();
  for (const l of lines) {
    const groups = [...new Set(l.tools.map((x) => x.group))].join(",");
    const why = l.tools.map((t) => told.has(t) ? t.name : `${t.name}: ${t.feature}`).join("; ");
    l.tools.forEach((t) => told.add(t));
    out.push(`${l.pkg.padEnd(w)}  ${l.status.padEnd(9)}  ${groups.padEnd(6)}  ${why}`);
  }
  return out.join("\n");
}

/** The groups named on the command line (default `gate`), or a usage error message. */
export function parseGroups(words: readonly string[]): Set<ToolGroup> | string {
  if (!words.length) return new Set(["gate"]);
  const out = new Set<ToolGroup>();
  for (const w of words) {
    if (w === "all") TOOL_GROUPS.forEach((g) => out.add(g));
    else if ((TOOL_GROUPS as readonly string[]).includes(w)) out.add(w as ToolGroup);
    else return `setup: unknown group ${w} (${TOOL_GROUPS.join(", ")} or all)`;
  }
  return out;
}

async function apt(args: string[]): Promise<boolean> {
  console.log(`setup: apt-get ${args.join(" ")}`);
  const r = await new Deno.Command("apt-get", {
    args,
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return r.success;
}

/** The user id, or undefined where it cannot be read (no `--allow-sys`, Windows). */
function uid(): number | null {
  try {
    return Deno.uid();
  } catch {
    return null;
  }
}

/** Runs `deno task setup` with `args`; returns the exit code. */
export async function setup(args: readonly string[]): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    console.log(SETUP_USAGE);
    return 0;
  }
  const dry = args.includes("--dry-run");
  const flags = args.filter((a) => a.startsWith("-") && a !== "--dry-run");
  if (flags.length) {
    console.error(`setup: unknown option ${flags[0]}\n\n${SETUP_USAGE}`);
    return 2;
  }
  const groups = parseGroups(args.filter((a) => !a.startsWith("-")));
  if (typeof groups === "string") {
    console.error(`${groups}\n\n${SETUP_USAGE}`);
    return 2;
  }
  const lines = await plan(groups);
  const missing = toInstall(lines);
  const named = [...groups].join(" ");
  if (dry) {
    console.log(formatPlan(lines));
    console.log(
      missing.length
        ? `would install (${named}): ${missing.join(" ")}`
        : `nothing to install for ${named}`,
    );
    return 0;
  }
  if (!missing.length) {
    console.log(`setup: every package for ${named} is installed`);
    return 0;
  }
  const byHand = `install by hand: ${missing.join(" ")}`;
  if (!which("apt-get")) {
    console.error(`setup: no apt-get on this host (not Debian or Ubuntu): ${byHand}`);
    return 1;
  }
  if (uid() !== 0) {
    console.error(
      `setup: apt-get needs root: run it as root (sudo tools/deno/deno task setup ${named}), ` +
        `or ${byHand}`,
    );
    return 1;
  }
  if (!(await apt(["update", "-q"]))) {
    console.error("setup: apt-get update failed");
    return 1;
  }
  if (!(await apt(["install", "-y", "-q", "--no-install-recommends", ...missing]))) {
    console.error(`setup: apt-get install failed: ${byHand}`);
    return 1;
  }
  console.log(`setup: installed ${missing.join(" ")}`);
  return 0;
}

if (import.meta.main) Deno.exit(await setup(Deno.args));
