/**
 * The live kernel as a testee (`kernel-<abi>`): the patched kernel itself,
 * booted in QEMU once per batch — the `fastio` variant with the live init,
 * the batch in the initramfs and the results on the isa-debugcon port
 * (`golden/recipe/LIVE.md`).
 *
 * @module
 */
import type { KernelVersion } from "../reference/types.ts";
import type { Hello, Request } from "../protocol/codec.ts";
import { type Outcome, SetupError, type Testee } from "../protocol/testee.ts";
import { answer, bundleCases, notACheckpoint, runnable, seedHello } from "./golden.ts";
import { BUNDLE_HEADER_SIZE, bundleEntrySize } from "./bundle.ts";
import { ensureKernel, type KernelAbi, type KernelBuild } from "./kernel_build.ts";
import { LIVE_BOOT_ARGS, LIVE_MAX_BUNDLE, runLiveKernel } from "./live_boot.ts";
import { LiveStreamError } from "./live_stream.ts";
import { versionFromRelease } from "./serial.ts";

/** Options of {@link LiveKernelTestee}. */
export interface LiveKernelOptions {
  /** Progress lines (build, boot progress of large batches). @default writes to stderr */
  log?: (msg: string) => void;
  /**
   * Most cases in one boot; a larger batch (or one whose bundle would pass
   * half of {@link LIVE_MAX_BUNDLE}) boots several times. @default 400000
   */
  maxPerBoot?: number;
  /** A `fastio` build to boot, instead of building or finding one with `ensureKernel`. */
  build?: KernelBuild;
  /** The kernel cache (builds, and the folders of boots). @default kernelCacheDir() */
  cacheDir?: string;
}

/**
 * The patched kernel itself, booted in QEMU for each batch: the `fastio`
 * variant with the live init, the batch in the initramfs and the results on
 * the isa-debugcon port (`golden/recipe/LIVE.md`), booted like the `zeroed`
 * capture boot (built and cached on first use).
 */
export class LiveKernelTestee implements Testee {
  /** `kernel-<abi>`. */
  readonly name: string;
  private kernel: KernelVersion | undefined;
  private build: KernelBuild | undefined;
  private readonly log: (msg: string) => void;
  private readonly maxPerBoot: number;
  private readonly cacheDir: string | undefined;

  /** A live kernel of `abi`. */
  constructor(readonly abi: KernelAbi, opts: LiveKernelOptions = {}) {
    this.name = `kernel-${abi}`;
    this.log = opts.log ?? ((m) => console.error(m));
    this.maxPerBoot = opts.maxPerBoot ?? 400_000;
    this.build = opts.build;
    this.cacheDir = opts.cacheDir;
  }

  /** One boot's worth of requests: a streamed suite comes in runs of at least this many. */
  get batch(): number {
    return this.maxPerBoot;
  }

  /** Builds (or finds) the kernel and the live init. */
  async start(): Promise<Hello> {
    try {
      this.build ??= await ensureKernel(this.abi, {
        variant: "fastio",
        log: this.log,
        cacheDir: this.cacheDir,
      });
      this.kernel = versionFromRelease(this.build.kernelRelease);
    } catch (e) {
      throw new SetupError(`${this.name}: ${(e as Error).message}`);
    }
    return seedHello(this.name, this.abi);
  }

  /**
   * Boots once per {@link LiveKernelOptions.maxPerBoot} runnable requests
   * (fewer when their bundle would pass half of {@link LIVE_MAX_BUNDLE});
   * the rest are unsupported. A boot whose result stream is malformed or
   * cut short gives its cases a `protocol` outcome; one that cannot be made,
   * `crash`. A record the capture interpretation rejects (the init's `R`
   * record of a failed checkpoint) stops the run with that error, as it
   * stops a capture.
   */
  async run(
    requests: readonly Request[],
    onOutcome: (index: number, o: Outcome) => void,
  ): Promise<void> {
    const batch: { i: number; r: Request & { op: "restart" } }[] = [];
    requests.forEach((r, i) => {
      if (r.op !== "restart") onOutcome(i, notACheckpoint);
      else if (!runnable(r.env, this.kernel!)) {
        onOutcome(i, {
          status: "unsupported",
          detail:
            "environment a kernel cannot take on (version, comm, or a file without a read method)",
        });
      } else batch.push({ i, r });
    });
    for (let from = 0, to = 0; from < batch.length; from = to) {
      let bytes = BUNDLE_HEADER_SIZE;
      while (to < batch.length && to - from < this.maxPerBoot && bytes < LIVE_MAX_BUNDLE / 2) {
        // The id is the request's index in decimal: one byte per digit.
        bytes += bundleEntrySize(String(batch[to]!.i).length, batch[to]!.r.image.length);
        to++;
      }
      const part = batch.slice(from, to);
      const cases = part.map(({ i, r }) => ({ id: String(i), image: r.image, env: r.env }));
      const big = part.length >= 5000;
      let run: Awaited<ReturnType<typeof runLiveKernel>>;
      try {
        run = await runLiveKernel(this.abi, bundleCases(cases), {
          build: this.build,
          ensure: { cacheDir: this.cacheDir },
          bootArgs: LIVE_BOOT_ARGS,
          onProgress: big
            ? (done, total, ms) =>
              this.log(`${this.name}: ${done} of ${total} results (${(ms / 1000).toFixed(1)} s)`)
            : undefined,
        });
      } catch (e) {
        // A malformed or cut result stream, or a boot that could not be made: every case of
        // this boot gets that as its outcome (never a pass), and the next boot goes on.
        if (!(e instanceof LiveStreamError || e instanceof SetupError)) throw e;
        const status = e instanceof LiveStreamError ? "protocol" : "crash";
        for (const { i } of part) onOutcome(i, { status, detail: e.message });
        continue;
      }
      if (big) {
        this.log(
          `${this.name}: ${run.restarts.size} results in one boot of ${
            (run.bootMs / 1000).toFixed(1)
          } s (${run.memoryMiB} MiB, bundle ${run.bytes.bundle} bytes, results ${run.bytes.results} bytes)`,
        );
      }
      for (const { i, r } of part) {
        const k = run.restarts.get(String(i));
        onOutcome(
          i,
          k ? answer(r, k) : {
            status: "crash",
            detail: run.timedOut ? "the VM timed out" : "no result from the VM",
          },
        );
      }
    }
  }

  /** Nothing stays running between batches. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
