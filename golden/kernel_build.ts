/**
 * Building the capture kernel: Linux 6.1 with crconform's port of the 2008
 * checkpoint/restart seed (the recipe in `golden/recipe/`) and the static
 * capture init, cached by a hash of every input (see {@link buildKeys}) under
 * `${cacheRoot()}/kernel` ({@link kernelCacheDir}). The builds do not depend
 * on where the checkout or the cache is, nor on the time: two builds from
 * different paths give byte-identical kernels and inits. What a build is
 * doing is streamed as it happens (phases, apt, a line every 30 s with the
 * objects compiled so far). Nothing here runs at import time.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { cacheRoot } from "../harness/build.ts";
import { formatElapsed, runCommand, runStreaming, withLock } from "./run.ts";

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

/**
 * The kernel configurations the recipe builds per ABI: `base`
 * (tinyconfig + `config.fragment`: no automatic stack initialisation, as in
 * 2008) and variants, each one more fragment merged on top and built
 * separately (a different compiler flag for every object: no sharing).
 * `stackpattern`: `INIT_STACK_ALL_PATTERN` (gcc
 * `-ftrivial-auto-var-init=pattern`), for the stack half of the
 * definedness probe. `fastio`: `X86_IOPL_IOPERM` (the live init writes its
 * results to QEMU's isa-debugcon port from user space) and no PS/2 probing,
 * for the live kernel only (`golden/recipe/LIVE.md`); never captured.
 */
export const KERNEL_VARIANTS: Readonly<
  Record<
    "base" | "stackpattern" | "fastio",
    { readonly fragment?: string; readonly what: string }
  >
> = Object.freeze({
  base: { what: "INIT_STACK_NONE (no automatic stack initialisation, as in 2008)" },
  stackpattern: {
    fragment: "config.stackpattern",
    what: "INIT_STACK_ALL_PATTERN (every stack variable pattern-initialised)",
  },
  fastio: {
    fragment: "config.fastio",
    what: "ioperm() for the live init's isa-debugcon channel, no PS/2 probing",
  },
});
/** A kernel configuration of the recipe. */
export type KernelVariant = keyof typeof KERNEL_VARIANTS;

const HERE = new URL(".", import.meta.url).pathname;
/** The recipe folder: port, config fragments, build scripts, init. */
export const RECIPE: string = `${HERE}recipe/`;

/**
 * The kernel cache: `${cacheRoot()}/kernel` (`$CRCONFORM_CACHE/kernel`, else
 * `$XDG_CACHE_HOME/crconform/kernel`, else `~/.cache/crconform/kernel`):
 * the pristine source (1.5 GB), one build folder per ABI, variant and key
 * (1.5 GB for a base build with its tree, 1 MB for a variant), and the boot
 * runs. Shared by every checkout (builds of one kernel are serialised).
 */
export function kernelCacheDir(): string {
  return `${cacheRoot()}/kernel`;
}

/** Options of {@link ensureKernel}. */
export interface EnsureKernelOptions {
  /** Cache directory. @default {@link kernelCacheDir} */
  cacheDir?: string;
  /** Progress messages (phases, apt, build progress). @default writes to stderr */
  log?: (msg: string) => void;
  /** Which configuration. @default "base" */
  variant?: KernelVariant;
  /** Interval of the build progress lines, ms. @default 30000 */
  progressEveryMs?: number;
}

/** A built capture kernel. */
export interface KernelBuild {
  /** The ABI it was built for. */
  abi: KernelAbi;
  /** The configuration. */
  variant: KernelVariant;
  /** Path of the kernel image. */
  bzImage: string;
  /**
   * Path of the static init: the capture init (`golden/recipe/init.c`) for
   * `base` and `stackpattern`, the live init (`golden/recipe/liveinit.c`)
   * for `fastio`.
   */
  initBin: string;
  /** Path of the tree's `usr/gen_init_cpio`, built for the host. */
  genInitCpio: string;
  /** dpkg version of `linux-source-6.1` that was built (e.g. `6.1.192-2`). */
  sourceVersion: string;
  /** `make kernelrelease` of the build (e.g. `6.1.192`). */
  kernelRelease: string;
  /** Cache key of the kernel image (the variant's key for a variant; see {@link buildKeys}). */
  kernelKey: string;
  /** Cache key: kernel and init together. */
  key: string;
  /** The build directory. */
  dir: string;
}

/** Recipe files (relative to `golden/recipe/`) that key the base kernel build. */
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

/** Cache keys of the builds of one ABI (see {@link buildKeys}). */
export interface BuildKeys {
  /** The base kernel: linux-source version, ABI, port, config.fragment, apply.sh, build.sh. */
  kernel: string;
  /** The init: init.c, build-init.sh and the base kernel key (its tree provides nolibc). */
  init: string;
  /** Base kernel and init together. */
  key: string;
  /** The live init (`fastio` only): liveinit.c, build-liveinit.sh and the base kernel key. */
  liveInit: string;
  /** Per variant, the kernel key: the base key plus the variant's name and fragment. */
  variants: Readonly<Record<KernelVariant, string>>;
}

/**
 * Cache keys of a build. `kernel`: SHA-256 over the linux-source version,
 * the ABI and every kernel recipe file (port sources, config fragment,
 * apply.sh, build.sh) — names the build directory. `init`: over init.c and
 * build-init.sh (plus the kernel key, whose tree provides nolibc) — names
 * the init binary, so an init change does not rebuild the kernel. `key`:
 * both together. `variants`: a variant's kernel key, over the base kernel
 * key, its name and its fragment (`variants.base` = `kernel`). First 16 hex
 * digits each. `liveInit`: over liveinit.c and build-liveinit.sh (plus the
 * kernel key), the init of the `fastio` variant; no capture depends on it.
 * Paths and times are not inputs: the builds do not depend on them.
 */
export async function buildKeys(sourceVersion: string, abi: KernelAbi): Promise<BuildKeys> {
  const kernel = await hashFiles(
    `linux-source-6.1=${sourceVersion}\nabi=${abi}\n`,
    await recipeFiles(),
  );
  const init = await hashFiles(`kernel=${kernel}\n`, ["init.c", "build-init.sh"]);
  const liveInit = await hashFiles(`kernel=${kernel}\n`, ["liveinit.c", "build-liveinit.sh"]);
  const key = createHash("sha256").update(`${kernel}:${init}`).digest("hex").slice(0, 16);
  const variants = { base: kernel } as Record<KernelVariant, string>;
  for (
    const [v, spec] of Object.entries(KERNEL_VARIANTS) as [KernelVariant, { fragment?: string }][]
  ) {
    if (spec.fragment) {
      variants[v] = await hashFiles(`kernel=${kernel}\nvariant=${v}\n`, [spec.fragment]);
    }
  }
  return { kernel, init, key, liveInit, variants };
}

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

/** What `build.log` shows so far: objects compiled (CC/AS lines) and the last one. */
export async function buildLogProgress(
  buildLog: string,
): Promise<{ objects: number; last?: string }> {
  const text = await Deno.readTextFile(buildLog).catch(() => "");
  let objects = 0;
  let last: string | undefined;
  for (const m of text.matchAll(/^\s+(?:CC|AS)\s+(\S+)$/gm)) {
    objects++;
    last = m[1];
  }
  return { objects, last };
}

/** Objects compiled by an earlier finished build of `abi` in the cache (an estimate for progress lines). */
async function earlierObjectCount(cache: string, abi: KernelAbi): Promise<number | undefined> {
  try {
    for await (const e of Deno.readDir(cache)) {
      if (!e.isDirectory || !e.name.startsWith(`build-${abi}-`) || e.name.endsWith(".tmp")) {
        continue;
      }
      const n = Number(
        (await Deno.readTextFile(`${cache}/${e.name}/objects`).catch(() => "")).trim(),
      );
      if (n > 0) return n;
    }
  } catch { /* no cache yet */ }
  return undefined;
}

/**
 * Makes sure a capture kernel for `abi` (and `variant`) is built and returns
 * its paths.
 *
 * Runs `golden/recipe/setup.sh` (checks for the Debian packages that
 * `deno task setup gate kernel` installs, and unpacks linux-source-6.1 once into `<cache>/src-<version>/pristine`), then, when
 * `<cache>/build-<abi>-<kernel key>/DONE` is missing, `golden/recipe/build.sh`
 * (copy of the pristine tree, port applied, tinyconfig + fragment, bzImage)
 * into a temporary folder renamed into place, then `build-init.sh` when
 * `init-<init key>` is missing. A variant builds the base kernel too (its
 * tree gives the init, the same binary for every variant) and then its own
 * kernel in `<cache>/build-<abi>-<variant>-<variant key>/` (whose source
 * tree is deleted after the build: about 1.5 GB per base build, a few MB per
 * variant). A cold build took 3m47s (x86_64) and 3m26s (i386) on this
 * 2-core machine when idle, up to 8 min when busy. Every phase, apt's output, and every 30 s the number of
 * objects compiled go to `log`. Builds of the same kernel by two processes
 * sharing the cache are serialised by a lock file.
 */
export async function ensureKernel(
  abi: KernelAbi,
  opts: EnsureKernelOptions = {},
): Promise<KernelBuild> {
  if (!isKernelAbi(abi)) throw new Error(`ensureKernel: no kernel recipe for ABI ${abi}`);
  const variant = opts.variant ?? "base";
  if (!Object.hasOwn(KERNEL_VARIANTS, variant)) {
    throw new Error(`ensureKernel: no kernel variant ${variant}`);
  }
  const cache = opts.cacheDir ?? kernelCacheDir();
  const log = opts.log ?? ((m: string) => console.error(m));
  const every = opts.progressEveryMs ?? 30000;
  await Deno.mkdir(cache, { recursive: true });
  const tSetup = Date.now();
  const setup = await runStreaming("sh", [`${RECIPE}setup.sh`, cache], {
    log,
    prefix: "  ",
    heartbeat: () =>
      Promise.resolve(`setup: still running (${formatElapsed(Date.now() - tSetup)})`),
    everyMs: every,
  });
  const m = /SOURCE_VERSION=(\S+)/.exec(setup);
  if (!m) throw new Error(`setup.sh did not report SOURCE_VERSION:\n${setup}`);
  const sourceVersion = m[1]!;
  if (Date.now() - tSetup > 2000) {
    log(`setup: packages and source ready in ${formatElapsed(Date.now() - tSetup)}`);
  }
  const keys = await buildKeys(sourceVersion, abi);
  const pristine = `${cache}/src-${sourceVersion}/pristine`;

  const build = async (v: KernelVariant, dir: string) => {
    if (await exists(`${dir}/DONE`)) return;
    await withLock(`${dir}.lock`, log, async () => {
      if (await exists(`${dir}/DONE`)) return;
      const name = v === "base" ? abi : `${abi} ${v}`;
      const tmp = `${dir}.tmp`;
      log(
        `kernel ${name}: building (linux-source ${sourceVersion}, key ${keys.variants[v]}; ` +
          `a cold build takes 3.5-4 min on 2 idle cores, up to 8 min on a busy machine)`,
      );
      const t0 = Date.now();
      const fragment = KERNEL_VARIANTS[v].fragment;
      const expected = await earlierObjectCount(cache, abi);
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      await runStreaming(
        "sh",
        [`${RECIPE}build.sh`, abi, pristine, tmp, ...(fragment ? [fragment] : [])],
        {
          log: (l) =>
            log(`kernel ${name}: ${l.replace(/^build: /, "")} (${formatElapsed(Date.now() - t0)})`),
          heartbeat: async () => {
            const p = await buildLogProgress(`${tmp}/build.log`);
            return p.objects
              ? `${p.objects}${
                expected ? ` of about ${expected}` : ""
              } objects compiled so far (last: ${p.last})`
              : `still preparing the tree`;
          },
          everyMs: every,
        },
      );
      const p = await buildLogProgress(`${tmp}/build.log`);
      await Deno.writeTextFile(`${tmp}/objects`, `${p.objects}\n`);
      // A variant needs only its bzImage (the init comes from the base tree): drop its 1.5 GB tree.
      if (v !== "base") await Deno.remove(`${tmp}/src`, { recursive: true });
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.rename(tmp, dir);
      log(`kernel ${name}: built in ${formatElapsed(Date.now() - t0)} (${p.objects} objects)`);
    });
  };

  const baseDir = `${cache}/build-${abi}-${keys.kernel}`;
  await build("base", baseDir);
  const again = await buildKeys(sourceVersion, abi);
  if (again.key !== keys.key || again.variants[variant] !== keys.variants[variant]) {
    throw new Error("ensureKernel: recipe files changed during the build; run again");
  }
  let initBin = `${baseDir}/init-${keys.init}`;
  if (!(await exists(initBin))) {
    log(`init ${abi}: building (key ${keys.init})`);
    await runCommand("sh", [`${RECIPE}build-init.sh`, abi, `${baseDir}/src`, initBin]);
  }
  if (variant === "fastio") {
    initBin = `${baseDir}/liveinit-${keys.liveInit}`;
    if (!(await exists(initBin))) {
      log(`live init ${abi}: building (key ${keys.liveInit})`);
      await runCommand("sh", [`${RECIPE}build-liveinit.sh`, abi, `${baseDir}/src`, initBin]);
    }
  }
  let dir = baseDir;
  if (variant !== "base") {
    dir = `${cache}/build-${abi}-${variant}-${keys.variants[variant]}`;
    await build(variant, dir);
  }
  const kernelKey = keys.variants[variant];
  return {
    abi,
    variant,
    bzImage: `${dir}/bzImage`,
    initBin,
    genInitCpio: `${baseDir}/gen_init_cpio`,
    sourceVersion,
    kernelRelease: (await Deno.readTextFile(`${dir}/kernelrelease`)).trim(),
    kernelKey,
    key: variant === "base" ? keys.key : createHash("sha256").update(
      `${kernelKey}:${variant === "fastio" ? keys.liveInit : keys.init}`,
    ).digest("hex").slice(0, 16),
    dir,
  };
}
