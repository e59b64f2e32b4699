/**
 * Builds mechanical mutants (`mechanical.ts`) of a C testee the way its own
 * build script builds it, and compares their optimised object code with the
 * original's (Trivial Compiler Equivalence).
 *
 * The build script is run once, unmodified, with `CC` pointing at a wrapper
 * that records every compiler command it runs (so the flags have one source
 * of truth: `impls/seed-c/build.sh`, `impls/c/build.sh`). A mutant is then
 * one recorded compile command with the mutated file in place of the
 * original, `-g0`, no `-Werror` (a mutant that only warns is still a
 * mutant), `-iquote` the original folder and `-fmacro-prefix-map` back to it
 * (so quoted includes and `__FILE__` are the original's); its object code
 * (`objdump -s -r`: every section's bytes and every relocation, no file
 * names) keys the TCE comparison, and the recorded link command with that
 * object in place of the original's makes its binary. Everything is cached
 * under the build cache, by content.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { buildKey, cacheRoot, filesUnder, STACK_INIT } from "../../harness/build.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A C testee whose files are mutated. */
export interface MutationTarget {
  /** Short name (`seed-c`, `c`). */
  readonly name: string;
  /** The files mutated, repository-relative. */
  readonly files: readonly string[];
  /** Every input of the build (repository-relative): their contents key the cache. */
  readonly inputs: () => string[];
  /** The build command, from the repository root; `{out}` is the output folder. */
  readonly command: readonly string[];
  /** The program the build makes, inside the output folder. */
  readonly output: string;
  /** Macros whose arguments are never mutated. */
  readonly skipCalls?: readonly string[];
  /** The ABIs its binary declares. */
  readonly abis: readonly string[];
}

/** The two targets: the seed's own C (seed-c x86_64) and impls/c. */
export const TARGETS: Readonly<Record<string, MutationTarget>> = {
  "seed-c": {
    name: "seed-c",
    files: ["sys", "checkpoint", "restart"].map((f) => `golden/recipe/port/checkpoint/${f}.c`),
    inputs: () => [
      ...filesUnder("impls/seed-c", /\.(c|h|sh)$/),
      ...filesUnder("golden/recipe/port", /./),
      STACK_INIT,
    ],
    command: ["sh", STACK_INIT, "impls/seed-c/build.sh", "{out}", "x86_64"],
    output: "seed-c",
    abis: ["x86_64"],
  },
  "c": {
    name: "c",
    files: ["impls/c/crconform.c"],
    inputs: () => [...filesUnder("impls/c", /\.(c|h|sh)$/), STACK_INIT],
    command: ["sh", STACK_INIT, "impls/c/build.sh", "{out}"],
    output: "crconform",
    skipCalls: ["MUT"],
    abis: ["x86_64", "i386"],
  },
};

/** A recorded build: where it is and the compiler commands it ran. */
export interface RecordedBuild {
  /** The target. */
  readonly target: MutationTarget;
  /** Its folder in the cache. */
  readonly dir: string;
  /** The original program. */
  readonly binary: string;
  /** Every compiler command, as argv (compiler first). */
  readonly commands: readonly (readonly string[])[];
}

const WRAPPER = `#!/bin/sh
f=$(mktemp "$CRCONFORM_RECORD/cmd.XXXXXX")
for a in "$CRCONFORM_REAL_CC" "$@"; do printf '%s\\0' "$a"; done >"$f"
exec "$CRCONFORM_REAL_CC" "$@"
`;

async function run(cmd: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const r = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    const err = new TextDecoder().decode(r.stderr).slice(0, 2000);
    throw new Error(`${cmd.join(" ")} failed:\n${err}`);
  }
  return new TextDecoder().decode(r.stdout);
}

/** Runs the target's build script once with a recording compiler (cached by content). */
export async function recordBuild(target: MutationTarget): Promise<RecordedBuild> {
  // The recorded commands name this checkout's files by absolute path: the checkout is an input.
  const key = await buildKey({
    name: target.name,
    inputs: target.inputs(),
    command: [...target.command, WRAPPER, ROOT],
    output: target.output,
  });
  const dir = `${cacheRoot()}/mechanical/${target.name}-${key}`;
  const done = `${dir}/commands.json`;
  try {
    const commands = JSON.parse(await Deno.readTextFile(done));
    return { target, dir, binary: `${dir}/base/${target.output}`, commands };
  } catch { /* not recorded yet */ }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${dir}/record`, { recursive: true });
  await Deno.writeTextFile(`${dir}/cc.sh`, WRAPPER, { mode: 0o755 });
  await run(target.command.map((a) => a.replaceAll("{out}", `${dir}/base`)), {
    CC: `${dir}/cc.sh`,
    CRCONFORM_RECORD: `${dir}/record`,
    CRCONFORM_REAL_CC: Deno.env.get("CC") ?? "gcc",
  });
  const commands: string[][] = [];
  for (const e of [...Deno.readDirSync(`${dir}/record`)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    const text = await Deno.readTextFile(`${dir}/record/${e.name}`);
    commands.push(text.split("\0").slice(0, -1));
  }
  await Deno.writeTextFile(done, JSON.stringify(commands));
  return { target, dir, binary: `${dir}/base/${target.output}`, commands };
}

const real = (p: string) => {
  try {
    return Deno.realPathSync(p.startsWith("/") ? p : `${ROOT}${p}`);
  } catch {
    return undefined;
  }
};

/** The recorded command that compiles `file`, and the index of its source argument. */
function compileOf(b: RecordedBuild, file: string): { argv: readonly string[]; src: number } {
  const want = real(file);
  for (const argv of b.commands) {
    const src = argv.findIndex((a, i) => i > 0 && a.endsWith(".c") && real(a) === want);
    if (src > 0) return { argv, src };
  }
  throw new Error(`the build of ${b.target.name} compiles no ${file}`);
}

const outOf = (argv: readonly string[]) => argv[argv.indexOf("-o") + 1];

/**
 * A recorded compile command rewritten for a variant: the source argument
 * (index `src`) becomes `source`, the output becomes `out` (dropped with its
 * `-o` when undefined), and every flag `drop` names is left out.
 */
function rewritten(
  argv: readonly string[],
  src: number,
  source: string,
  out: string | undefined,
  drop: (flag: string) => boolean,
): string[] {
  const cmd: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-o") {
      if (out !== undefined) cmd.push("-o", out);
      i++;
    } else if (i === src) cmd.push(source);
    else if (!drop(a)) cmd.push(a);
  }
  return cmd;
}

/** What compiling one file's variant gave. */
export interface Compiled {
  /** The TCE key (hash of the object code), or undefined when it did not compile. */
  readonly key?: string;
  /** The object, when compiled. */
  readonly object?: string;
  /** The compiler's first error line, when it did not compile. */
  readonly error?: string;
}

/**
 * Compiles `text` as `file` of the build (optimised, no debug info), cached
 * by content, and returns its TCE key and object.
 */
export async function compileVariant(
  b: RecordedBuild,
  file: string,
  text: string,
): Promise<Compiled> {
  const { argv, src } = compileOf(b, file);
  const h = createHash("sha256").update(file).update("\0").update(text).update("\0")
    .update(JSON.stringify(argv)).digest("hex").slice(0, 20);
  const dir = `${b.dir}/work/${h}`;
  const base = file.replace(/^.*\//, "");
  const object = `${dir}/${base.replace(/\.c$/, ".o")}`;
  try {
    const r = JSON.parse(await Deno.readTextFile(`${dir}/result.json`)) as Compiled;
    return r.key ? { ...r, object } : r;
  } catch { /* not compiled yet */ }
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/${base}`, text);
  const origDir = real(argv[src]!)!.replace(/\/[^/]*$/, "");
  const cmd = rewritten(
    argv,
    src,
    `${dir}/${base}`,
    undefined,
    (a) => a === "-Werror" || a === "-pedantic-errors" || /^-g/.test(a) || a === "-c",
  );
  cmd.push(
    "-g0",
    "-c",
    "-iquote",
    origDir,
    `-fmacro-prefix-map=${dir}=${origDir}`,
    "-o",
    object,
  );
  let result: Compiled;
  try {
    await run(cmd);
    const dump = await run(["objdump", "-s", "-r", object]);
    const norm = dump.split("\n").filter((l) => !l.includes(object) && !l.includes("file format"))
      .join("\n");
    result = { key: createHash("sha256").update(norm).digest("hex").slice(0, 24) };
  } catch (e) {
    const msg = (e as Error).message.split("\n").find((l) => /error/.test(l)) ?? "";
    result = { error: msg.replace(`${dir}/`, "").slice(0, 200) };
  }
  await Deno.writeTextFile(`${dir}/result.json`, JSON.stringify(result));
  return result.key ? { ...result, object } : result;
}

/**
 * Links the program with `object` in place of `file`'s original object
 * (cached by the object's TCE key); returns the program's path.
 */
export async function linkVariant(
  b: RecordedBuild,
  file: string,
  c: Compiled,
): Promise<string> {
  if (!c.key || !c.object) throw new Error(`${file}: nothing compiled to link`);
  const bin = `${b.dir}/bins/${c.key}/${b.target.output}`;
  try {
    if (Deno.statSync(bin).isFile) return bin;
  } catch { /* not linked yet */ }
  const { argv, src } = compileOf(b, file);
  const obj = outOf(argv)!;
  const final = b.commands.find((a) => outOf(a) === `${b.dir}/base/${b.target.output}`);
  if (!final) throw new Error(`the build of ${b.target.name} never links ${b.target.output}`);
  const tmp = `${bin}.tmp${Deno.pid}`;
  await Deno.mkdir(tmp.replace(/\/[^/]*$/, ""), { recursive: true });
  const cmd: string[] = [];
  for (let i = 0; i < final.length; i++) {
    const a = final[i]!;
    if (a === "-o") cmd.push("-o", tmp), i++;
    else if (a === "-Werror") continue;
    else if (a === obj || (final === argv && i === src)) cmd.push(c.object);
    else cmd.push(a);
  }
  await run(cmd);
  await Deno.rename(tmp, bin);
  return bin;
}

/** The flags of a memory-checker build: AddressSanitizer, frames kept for its reports. */
export const MEMCHECK_FLAGS: readonly string[] = ["-fsanitize=address", "-fno-omit-frame-pointer"];

/**
 * How a memory-checker program is run: leaks are not behaviour (a program
 * may leave freeing to its exit), and an error ends it at once.
 */
export const MEMCHECK_ENV = "ASAN_OPTIONS=detect_leaks=0:abort_on_error=0";

/**
 * Builds `text` as `file` with a memory checker ({@link MEMCHECK_FLAGS}),
 * cached by content; the program's path. Only a target whose build compiles
 * and links in one command (impls/c) can be built so: for another, or when
 * the compiler cannot, `undefined` with why.
 */
export async function memcheckVariant(
  b: RecordedBuild,
  file: string,
  text: string,
): Promise<{ bin: string } | { why: string }> {
  const { argv, src } = compileOf(b, file);
  if (outOf(argv) !== `${b.dir}/base/${b.target.output}`) {
    return { why: `${b.target.name} compiles and links apart: not built with a memory checker` };
  }
  const h = createHash("sha256").update(file).update("\0").update(text).update("\0")
    .update(JSON.stringify(argv)).update(JSON.stringify(MEMCHECK_FLAGS)).digest("hex").slice(0, 20);
  const dir = `${b.dir}/memcheck/${h}`;
  const bin = `${dir}/${b.target.output}`;
  try {
    if (Deno.statSync(bin).isFile) return { bin };
  } catch { /* not built yet */ }
  await Deno.mkdir(dir, { recursive: true });
  const base = file.replace(/^.*\//, "");
  await Deno.writeTextFile(`${dir}/${base}`, text);
  const origDir = real(argv[src]!)!.replace(/\/[^/]*$/, "");
  const cmd = rewritten(argv, src, `${dir}/${base}`, `${bin}.tmp`, (a) => a === "-Werror");
  cmd.push(...MEMCHECK_FLAGS, "-iquote", origDir);
  try {
    await run(cmd);
  } catch (e) {
    return {
      why: `no memory-checker build: ${(e as Error).message.split("\n")[0]!.slice(0, 160)}`,
    };
  }
  await Deno.rename(`${bin}.tmp`, bin);
  return { bin };
}
