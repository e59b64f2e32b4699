/**
 * Building the capture kernel: Linux 6.1 with crconform's port of the 2008
 * checkpoint/restart seed (the recipe in `golden/recipe/`) and the static
 * capture init, cached by a hash of every input (see {@link buildKeys}).
 * Nothing here runs at import time.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * The ABIs the capture recipe builds a kernel for (`make ARCH=<abi>`), each
 * with the QEMU system emulator that boots it. The one list of capture ABIs.
 */
export const KERNEL_TARGETS: Readonly<Record<"x86_64" | "i386", { readonly qemu: string }>> = Object
  .freeze({
    x86_64: { qemu: "qemu-system-x86_64" },
    i386: { qemu: "qemu-system-i386" },
  });
/** An ABI the capture recipe builds a kernel for. */
export type KernelAbi = keyof typeof KERNEL_TARGETS;
/** Every capture ABI, in a stable order. */
export const KERNEL_ABIS: readonly KernelAbi[] = Object.freeze(
  Object.keys(KERNEL_TARGETS) as KernelAbi[],
);
/** True when the capture recipe builds a kernel for `abi`. */
export function isKernelAbi(abi: string): abi is KernelAbi {
  return Object.hasOwn(KERNEL_TARGETS, abi);
}

const HERE = new URL(".", import.meta.url).pathname;
/** The recipe folder: port, config fragment, build scripts, init. */
export const RECIPE: string = `${HERE}recipe/`;
const REPO = new URL("../", import.meta.url).pathname;
/** Default cache directory for source trees, builds and boot runs (gitignored). */
export const DEFAULT_CACHE: string = `${REPO}.cache/kernel`;

/** Options of {@link ensureKernel}. */
export interface EnsureKernelOptions {
  /** Cache directory. @default `<repo>/.cache/kernel` */
  cacheDir?: string;
  /** Progress messages (setup, build). @default writes to stderr */
  log?: (msg: string) => void;
}

/** A built capture kernel. */
export interface KernelBuild {
  /** The ABI it was built for. */
  abi: KernelAbi;
  /** Path of the kernel image. */
  bzImage: string;
  /** Path of the static capture init (`golden/recipe/init.c`). */
  initBin: string;
  /** Path of the tree's `usr/gen_init_cpio`, built for the host. */
  genInitCpio: string;
  /** dpkg version of `linux-source-6.1` that was built (e.g. `6.1.192-2`). */
  sourceVersion: string;
  /** `make kernelrelease` of the build (e.g. `6.1.192`). */
  kernelRelease: string;
  /** Cache key: hash of source version, ABI, every recipe file and init.c (see {@link buildKeys}). */
  key: string;
  /** The build directory. */
  dir: string;
}

const dec = new TextDecoder();

export async function runCommand(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${out.code}):\n${dec.decode(out.stderr).slice(-4000)}`,
    );
  }
  return dec.decode(out.stdout);
}

/** Recipe files (relative to `golden/recipe/`) that key the kernel build. */
export async function recipeFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(`${RECIPE}${rel}`)) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(p);
      else if (p.startsWith("port/") || /^(config\.fragment|apply\.sh|build\.sh)$/.test(p)) {
        out.push(p);
      }
    }
  };
  await walk("");
  return out.sort();
}

async function hashFiles(prefix: string, files: readonly string[]): Promise<string> {
  const h = createHash("sha256");
  h.update(prefix);
  for (const f of files) {
    const data = await Deno.readFile(`${RECIPE}${f}`);
    h.update(`${f}\n${data.length}\n`);
    h.update(data);
  }
  return h.digest("hex").slice(0, 16);
}

/**
 * Cache keys of a build. `kernel`: SHA-256 over the linux-source version,
 * the ABI and every kernel recipe file (port sources, config fragment,
 * apply.sh, build.sh) — names the build directory. `init`: over init.c and
 * build-init.sh (plus the kernel key, whose tree provides nolibc) — names
 * the init binary, so an init change does not rebuild the kernel. `key`:
 * both together. First 16 hex digits each.
 */
export async function buildKeys(
  sourceVersion: string,
  abi: KernelAbi,
): Promise<{ kernel: string; init: string; key: string }> {
  const kernel = await hashFiles(
    `linux-source-6.1=${sourceVersion}\nabi=${abi}\n`,
    await recipeFiles(),
  );
  const init = await hashFiles(`kernel=${kernel}\n`, ["init.c", "build-init.sh"]);
  const key = createHash("sha256").update(`${kernel}:${init}`).digest("hex").slice(0, 16);
  return { kernel, init, key };
}

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure a capture kernel for `abi` is built and returns its paths.
 *
 * Runs `golden/recipe/setup.sh` (installs missing Debian packages, unpacks
 * linux-source-6.1 once into `<cache>/src-<version>/pristine`), then, when
 * `<cache>/build-<abi>-<kernel key>/DONE` is missing, `golden/recipe/build.sh`
 * (copy of the pristine tree, port applied, tinyconfig + fragment, bzImage),
 * then `build-init.sh` when `init-<init key>` is missing. A cold build took
 * about 8.5 min (x86_64, copy included) on this 2-core machine.
 * Not safe to run twice concurrently for the same ABI.
 */
export async function ensureKernel(
  abi: KernelAbi,
  opts: EnsureKernelOptions = {},
): Promise<KernelBuild> {
  if (!isKernelAbi(abi)) throw new Error(`ensureKernel: no kernel recipe for ABI ${abi}`);
  const cache = opts.cacheDir ?? DEFAULT_CACHE;
  const log = opts.log ?? ((m: string) => console.error(m));
  await Deno.mkdir(cache, { recursive: true });
  const setup = await runCommand("sh", [`${RECIPE}setup.sh`, cache]);
  const m = /SOURCE_VERSION=(\S+)/.exec(setup);
  if (!m) throw new Error(`setup.sh did not report SOURCE_VERSION:\n${setup}`);
  const sourceVersion = m[1]!;
  const keys = await buildKeys(sourceVersion, abi);
  const key = keys.key;
  const dir = `${cache}/build-${abi}-${keys.kernel}`;
  if (!(await exists(`${dir}/DONE`))) {
    log(`kernel: building ${abi} (linux-source ${sourceVersion}, key ${keys.kernel}) in ${dir}`);
    const t0 = Date.now();
    await runCommand("sh", [
      `${RECIPE}build.sh`,
      abi,
      `${cache}/src-${sourceVersion}/pristine`,
      dir,
    ]);
    log(`kernel: ${abi} built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const again = await buildKeys(sourceVersion, abi);
  if (again.key !== keys.key) {
    throw new Error("ensureKernel: recipe files changed during the build; run again");
  }
  const initBin = `${dir}/init-${keys.init}`;
  if (!(await exists(initBin))) {
    await runCommand("sh", [`${RECIPE}build-init.sh`, abi, `${dir}/src`, initBin]);
  }
  return {
    abi,
    bzImage: `${dir}/bzImage`,
    initBin,
    genInitCpio: `${dir}/gen_init_cpio`,
    sourceVersion,
    kernelRelease: (await Deno.readTextFile(`${dir}/kernelrelease`)).trim(),
    key,
    dir,
  };
}
