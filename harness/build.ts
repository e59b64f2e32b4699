/**
 * Builds the C programs the gate runs (the bundled C implementation, its
 * mutants, the seed's own code, test testees) on first use, cached by a
 * hash of every input file, the command and the flags, under
 * {@link cacheRoot}.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { SetupError } from "../protocol/testee.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** A build failed: the message carries the command's output. */
export class BuildError extends SetupError {
  /** The error\'s class name. */
  override readonly name: string = "BuildError";
}

/**
 * The cache directory for builds: `$CRCONFORM_CACHE`, else
 * `$XDG_CACHE_HOME/crconform`, else `~/.cache/crconform`, else `.cache/` in
 * the repository. Never inside the user's working directory.
 */
export function cacheRoot(): string {
  const env = (k: string) => Deno.env.get(k) || undefined;
  const explicit = env("CRCONFORM_CACHE");
  if (explicit) return explicit.replace(/\/+$/, "");
  const xdg = env("XDG_CACHE_HOME") ?? (env("HOME") ? `${env("HOME")}/.cache` : undefined);
  return xdg ? `${xdg.replace(/\/+$/, "")}/crconform` : `${ROOT}.cache`;
}

/** What to build and from what. */
export interface BuildSpec {
  /** Short name for the cache folder and messages (`c`, `seed-c-i386`). */
  readonly name: string;
  /** Input files, relative to the repository root; their contents key the cache. */
  readonly inputs: readonly string[];
  /** The command, run from the repository root; `{out}` in an argument is the output folder. */
  readonly command: readonly string[];
  /** The file the command produces inside the output folder. */
  readonly output: string;
}

/** Every file under a repository folder whose name matches `pattern`, relative to the root. */
export function filesUnder(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(`${ROOT}${rel}`)) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.isFile && pattern.test(e.name)) out.push(p);
    }
  };
  walk(dir.replace(/\/+$/, ""));
  return out.sort();
}

/** The cache key of a build: SHA-256 over the inputs' names and contents and the command. */
export async function buildKey(spec: BuildSpec): Promise<string> {
  const h = createHash("sha256");
  for (const f of [...spec.inputs].sort()) {
    h.update(`${f}\0`).update(await Deno.readFile(`${ROOT}${f}`)).update("\0");
  }
  h.update(JSON.stringify(spec.command));
  return h.digest("hex").slice(0, 16);
}

/**
 * Builds once per distinct input and returns the output's path; a build in
 * progress elsewhere is not disturbed (each builds into its own temporary
 * folder and renames it into place).
 *
 * @throws {BuildError} when the command fails.
 */
export async function buildCached(spec: BuildSpec): Promise<string> {
  const out = `${cacheRoot()}/build/${spec.name}-${await buildKey(spec)}`;
  const bin = `${out}/${spec.output}`;
  try {
    if (Deno.statSync(bin).isFile) return bin;
  } catch { /* not built yet */ }
  const tmp = `${out}.tmp${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(tmp, { recursive: true });
  const [cmd, ...args] = spec.command.map((a) => a.replaceAll("{out}", tmp));
  const r = await new Deno.Command(cmd!, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
    .output()
    .catch((e) => {
      throw new BuildError(`building ${spec.name}: cannot run ${cmd}: ${e.message}`, { cause: e });
    });
  if (!r.success) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    const err = new TextDecoder().decode(r.stderr).slice(0, 4000);
    throw new BuildError(`building ${spec.name} (${spec.command.join(" ")}) failed:\n${err}`);
  }
  await Deno.rename(tmp, out).catch(async () => await Deno.remove(tmp, { recursive: true }));
  return bin;
}

/** True when the C implementation's sources are present in this checkout. */
export function haveCSources(): boolean {
  try {
    return Deno.statSync(`${ROOT}impls/c/build.sh`).isFile;
  } catch {
    return false;
  }
}

/**
 * The wrapper the bundled C builds run through: their script, with
 * `-ftrivial-auto-var-init=pattern` last when the compiler takes it (a
 * local read before it is written holds a pattern, not a fresh stack's 0).
 */
export const STACK_INIT = "harness/with_stack_init.sh";

/**
 * Builds `impls/c` with extra gcc flags (e.g. `-DMUTANT=m03`), and pattern
 * stack init where the compiler has it ({@link STACK_INIT}); returns the
 * binary's path.
 */
export function buildC(flags: readonly string[] = []): Promise<string> {
  return buildCached({
    name: "c",
    inputs: [...filesUnder("impls/c", /\.(c|h|sh)$/), STACK_INIT],
    command: ["sh", STACK_INIT, "impls/c/build.sh", "{out}", ...flags],
    output: "crconform",
  });
}

/** True when the seed-c sources (the seed's code in user space) are present in this checkout. */
export function haveSeedCSources(): boolean {
  try {
    return Deno.statSync(`${ROOT}impls/seed-c/build.sh`).isFile &&
      Deno.statSync(`${ROOT}golden/recipe/port`).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Builds `impls/seed-c` for an ABI (the seed's own code, compiled unmodified
 * against a user-space shim), with extra gcc flags, and pattern stack init
 * where the compiler has it ({@link STACK_INIT}: the port's one
 * uninitialised local, a record header, then holds a pattern; the gate
 * never compares those bytes); returns the binary's path. The fill
 * experiment (`impls/seed-c/fills.ts`) builds its own, each stack init named.
 */
export function buildSeedC(abi: string, flags: readonly string[] = []): Promise<string> {
  return buildCached({
    name: `seed-c-${abi}`,
    inputs: [
      ...filesUnder("impls/seed-c", /\.(c|h|sh)$/),
      ...filesUnder("golden/recipe/port", /./),
      STACK_INIT,
    ],
    command: ["sh", STACK_INIT, "impls/seed-c/build.sh", "{out}", abi, ...flags],
    output: "seed-c",
  });
}

/** Builds a single-file C testee from the repository (a test testee, say). */
export function buildSingleC(path: string, flags: readonly string[] = []): Promise<string> {
  const name = path.replace(/^.*\//, "").replace(/\.c$/, "");
  return buildCached({
    name,
    inputs: [path],
    command: [
      Deno.env.get("CC") ?? "gcc",
      "-std=c99",
      "-O2",
      "-Wall",
      "-Wextra",
      "-Werror",
      "-pedantic",
      ...flags,
      "-o",
      `{out}/${name}`,
      path,
    ],
    output: name,
  });
}
