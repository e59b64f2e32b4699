/**
 * One boot of the live kernel: the `fastio` kernel variant with the live
 * init (`golden/recipe/liveinit.c`), a restart bundle in the initramfs, and
 * the results coming back on QEMU's isa-debugcon port as CRC-checked binary
 * frames (`golden/recipe/LIVE.md`). Deterministic guest time as in the
 * capture boots; progress while the guest works. The capture boots
 * (`boot.ts`) are a separate path and do not use any of this.
 *
 * @module
 */
import { SetupError } from "../protocol/testee.ts";
import { type BundleCase, encodeBundle } from "./bundle.ts";
import {
  ensureKernel,
  type EnsureKernelOptions,
  KERNEL_TARGETS,
  type KernelAbi,
  type KernelBuild,
  kernelCacheDir,
} from "./kernel_build.ts";
import { deterministicQemuArgs, runQemu, writeInitramfs } from "./boot.ts";
import type { KernelRestartResult } from "./serial.ts";
import { interpretLiveRecords, LiveStreamError, parseLiveFrames } from "./live_stream.ts";
import { parseRecords } from "./serial.ts";

const dec = new TextDecoder();

/** The kernel command line of a live boot after `console=ttyS0 panic=-1 quiet`: zeroed allocations, like the `zeroed` capture boot. */
export const LIVE_BOOT_ARGS = "init_on_alloc=1";

/** Options of {@link runLiveKernel}. */
export interface LiveRunOptions {
  /** A `fastio` build from {@link ensureKernel}; built on demand when absent. */
  build?: KernelBuild;
  /** Extra kernel command-line words. @default {@link LIVE_BOOT_ARGS} */
  bootArgs?: string;
  /** Host timeout, ms. @default 60 s + 2 ms per case */
  timeoutMs?: number;
  /** Called about every `progressEveryMs` while the guest works: results so far, of all. */
  onProgress?: (done: number, total: number, elapsedMs: number) => void;
  /** @default 2000 */
  progressEveryMs?: number;
  /** Options for {@link ensureKernel} when `build` is absent. */
  ensure?: EnsureKernelOptions;
  /**
   * Keep the run folder (initramfs, results, console log); it is always kept
   * when the boot fails, and the error names it. @default false
   */
  keep?: boolean;
}

/** What one live boot produced. */
export interface LiveRun {
  /** Results by case id (every case of the bundle when `complete`). */
  restarts: Map<string, KernelRestartResult>;
  /** True when the init's end record arrived and every case has its result. */
  complete: boolean;
  /** True when the host timeout killed QEMU. */
  timedOut: boolean;
  /** Wall-clock time of the boot (QEMU start to exit), ms. */
  bootMs: number;
  /** Bytes of the bundle and of the result stream. */
  bytes: { bundle: number; results: number };
  /** Guest memory, MiB. */
  memoryMiB: number;
  /** The run folder (deleted unless `keep`). */
  dir: string;
}

/** Guest memory for a bundle: the initramfs image and its unpacked copy, plus 96 MiB. */
export function liveMemoryMiB(bundleBytes: number): number {
  const need = 96 + Math.ceil((2 * bundleBytes) / (1 << 20));
  return Math.max(128, Math.ceil(need / 64) * 64);
}

/** The largest bundle a live boot takes (i386 low memory holds the initramfs twice). */
export const LIVE_MAX_BUNDLE = 256 << 20;

/**
 * Boots the `fastio` kernel once with `cases` and returns their results.
 *
 * @throws {LiveStreamError} when the result stream is malformed, reports
 * another ABI, ends without every result, or QEMU exits without a stream;
 * {@link SetupError} when QEMU or gen_init_cpio fails; `SerialStreamError`
 * for a record the capture interpretation rejects (a failed checkpoint).
 */
export async function runLiveKernel(
  abi: KernelAbi,
  cases: readonly BundleCase[],
  opts: LiveRunOptions = {},
): Promise<LiveRun> {
  const build = opts.build ?? (await ensureKernel(abi, { ...opts.ensure, variant: "fastio" }));
  if (build.abi !== abi || build.variant !== "fastio") {
    throw new Error(
      `runLiveKernel: expected a fastio build for ${abi}, got ${build.variant} ${build.abi}`,
    );
  }
  const bundle = encodeBundle(cases);
  if (bundle.length > LIVE_MAX_BUNDLE) {
    throw new LiveStreamError(
      `bundle of ${bundle.length} bytes (${cases.length} cases), at most ${LIVE_MAX_BUNDLE}: split the batch`,
    );
  }
  const cache = opts.ensure?.cacheDir ?? kernelCacheDir();
  await Deno.mkdir(`${cache}/runs`, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: `${cache}/runs`, prefix: `live-${abi}-` });
  let failed = false;
  try {
    const initramfs = await liveInitramfs(dir, build, bundle);
    const results = `${dir}/results.bin`;
    const memoryMiB = liveMemoryMiB(bundle.length);
    const append = ["console=ttyS0", "panic=-1", "quiet"];
    append.push(...(opts.bootArgs ?? LIVE_BOOT_ARGS).split(/\s+/).filter(Boolean));
    const qemu = KERNEL_TARGETS[abi].qemu;
    const args = [
      ...deterministicQemuArgs(memoryMiB),
      "-serial",
      `file:${dir}/console.log`,
      "-chardev",
      `file,id=results,path=${results}`,
      "-device",
      "isa-debugcon,iobase=0xe9,chardev=results",
      "-kernel",
      build.bzImage,
      "-initrd",
      initramfs,
      "-append",
      append.join(" "),
    ];
    const { status, timedOut, bootMs } = await runQemu(
      qemu,
      args,
      opts.timeoutMs ?? 60_000 + 2 * cases.length,
      opts.onProgress ? (t0) => watchProgress(results, cases.length, t0, opts) : undefined,
    );
    if (!status.success && !timedOut) {
      throw new SetupError(
        `${qemu} failed (exit ${status.code}): ${dec.decode(status.stderr).trim()}`,
      );
    }
    const stream = await Deno.readFile(results).catch(() => new Uint8Array(0));
    if (!stream.length && !timedOut) {
      const console = await Deno.readTextFile(`${dir}/console.log`).catch(() => "");
      throw new LiveStreamError(
        `QEMU exited without a result stream; console: ${console.trim().slice(-400)}`,
      );
    }
    const frames = parseLiveFrames(stream, { allowTruncatedTail: timedOut });
    const recs = interpretLiveRecords(frames.data, cases, { bundleBytes: bundle.length });
    if (recs.abiName && recs.abiName !== abi) {
      throw new LiveStreamError(`the live init reports ABI ${recs.abiName}, booted ${abi}`);
    }
    return {
      restarts: recs.restarts,
      complete: recs.complete,
      timedOut,
      bootMs,
      bytes: { bundle: bundle.length, results: stream.length },
      memoryMiB,
      dir,
    };
  } catch (e) {
    failed = true;
    if (e instanceof Error) e.message += ` (run folder kept: ${dir})`;
    throw e;
  } finally {
    if (!opts.keep && !failed) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Writes `/init` (the live init) and `/cases.bin` into a deterministic initramfs; returns its path. */
async function liveInitramfs(dir: string, build: KernelBuild, bundle: Uint8Array) {
  await Deno.copyFile(build.initBin, `${dir}/init`);
  await Deno.writeFile(`${dir}/cases.bin`, bundle);
  const initramfs = await writeInitramfs(dir, build, [
    "dir /dev 0755 0 0",
    "nod /dev/console 0600 0 0 c 5 1",
    "nod /dev/null 0666 0 0 c 1 3",
    "dir /tmp 01777 0 0",
    `file /init ${dir}/init 0755 0 0`,
    `file /cases.bin ${dir}/cases.bin 0644 0 0`,
  ]);
  await Deno.remove(`${dir}/cases.bin`);
  return initramfs;
}

/** Polls the growing result stream and reports how many results have arrived. */
function watchProgress(
  path: string,
  total: number,
  t0: number,
  opts: LiveRunOptions,
): { stop: () => void } {
  let offset = 0, seq = 0, done = 0;
  const tick = async () => {
    try {
      const f = await Deno.open(path, { read: true });
      try {
        await f.seek(offset, Deno.SeekMode.Start);
        const chunks: Uint8Array[] = [];
        const buf = new Uint8Array(1 << 20);
        for (let n; (n = await f.read(buf)) !== null;) chunks.push(buf.slice(0, n));
        const tail = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
        let at = 0;
        for (const c of chunks) tail.set(c, (at += c.length) - c.length);
        const fr = parseLiveFrames(tail, { allowTruncatedTail: true, firstSeq: seq });
        offset += fr.bytes;
        seq += fr.frames;
        for (const r of parseRecords(fr.data)) if (r.tag === "S" || r.tag === "R") done++;
      } finally {
        f.close();
      }
    } catch { /* not there yet, or malformed: the final parse says why */ }
    opts.onProgress!(done, total, Date.now() - t0);
  };
  const id = setInterval(tick, opts.progressEveryMs ?? 2000);
  return { stop: () => clearInterval(id) };
}
