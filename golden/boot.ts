/**
 * Booting the capture kernel once under QEMU TCG with deterministic guest
 * time, and collecting what its init observed ({@link runKernel}).
 *
 * @module
 */
import { UTS_LEN } from "../reference/layout.ts";
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
import {
  interpretRecords,
  type KernelRun,
  parseFrames,
  parseRecords,
  SerialStreamError,
  versionFromRelease,
} from "./serial.ts";

const dec = new TextDecoder();

/** Options of {@link runKernel}. */
export interface RunKernelOptions {
  /** Restart cases for the batch (written to `/cases.bin`). */
  restartCases?: readonly BundleCase[];
  /** Run the checkpoint scenarios and the leak finding. @default false */
  scenarios?: boolean;
  /**
   * Extra kernel command-line words, e.g. `init_on_alloc=1` or
   * `init_on_alloc=0 page_poison=1 slub_debug=P` (definedness probes), or
   * `crmode=spin` (the EAGAIN-spin finding; never finishes by itself).
   */
  bootArgs?: string;
  /** Host timeout; QEMU is killed after it. @default 120000 */
  timeoutMs?: number;
  /** A build from {@link ensureKernel}; built on demand when absent. */
  build?: KernelBuild;
  /** Directory for this run's files. @default a new dir under `<cache>/runs/` */
  runDir?: string;
  /** QEMU `-icount shift`. @default 3 */
  icountShift?: number;
  /** Options passed to {@link ensureKernel} when `build` is absent. */
  ensure?: EnsureKernelOptions;
}

/** The guest wall clock at power-on (QEMU `-rtc base`). */
export const RTC_BASE = "2008-04-01T00:00:00";
/** {@link RTC_BASE} in seconds since the epoch: the mtime of every initramfs entry. */
export const RTC_BASE_EPOCH = Date.parse(`${RTC_BASE}Z`) / 1000;

/**
 * Runs QEMU to its end, killed (SIGKILL) after `timeoutMs`: its exit
 * status and output, whether it was killed, and how long it ran. `watch`
 * starts when QEMU does (given the start time) and is stopped when it ends.
 */
export async function runQemu(
  qemu: string,
  args: string[],
  timeoutMs: number,
  watch?: (t0: number) => { stop(): void },
): Promise<{ status: Deno.CommandOutput; timedOut: boolean; bootMs: number }> {
  const t0 = Date.now();
  const child = new Deno.Command(qemu, { args, stdout: "piped", stderr: "piped" }).spawn();
  const during = watch?.(t0);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutMs);
  const status = await child.output();
  clearTimeout(timer);
  during?.stop();
  return { status, timedOut, bootMs: Date.now() - t0 };
}

/**
 * The QEMU arguments every boot shares: no default devices, no display, no
 * reboot, `memoryMiB` of guest memory, TCG with deterministic guest time
 * (`-icount shift=N,sleep=off`, `-rtc base=RTC_BASE,clock=vm`), no monitor.
 */
export function deterministicQemuArgs(memoryMiB: number, icountShift = 3): string[] {
  return [
    "-nodefaults",
    "-display",
    "none",
    "-no-reboot",
    "-m",
    String(memoryMiB),
    "-accel",
    "tcg",
    "-icount",
    `shift=${icountShift},sleep=off`,
    "-rtc",
    `base=${RTC_BASE},clock=vm`,
    "-monitor",
    "none",
  ];
}

/**
 * Writes `dir/initramfs.cpio` from `gen_init_cpio` lines (`file` entries
 * name files already in `dir`); returns its path. The initramfs is a function
 * of its contents only: every entry gets the mtime {@link RTC_BASE} (`-t` for
 * directories and nodes, `utime` for the files), so neither the build time of
 * the init nor the time of the run reaches the guest.
 *
 * @throws {SetupError} when gen_init_cpio fails.
 */
export async function writeInitramfs(
  dir: string,
  build: KernelBuild,
  lines: readonly string[],
): Promise<string> {
  for (const line of lines) {
    const [kind, , source] = line.split(" ");
    if (kind === "file") await Deno.utime(source!, RTC_BASE_EPOCH, RTC_BASE_EPOCH);
  }
  await Deno.writeTextFile(`${dir}/initramfs.list`, lines.join("\n") + "\n");
  const cpio = await new Deno.Command(build.genInitCpio, {
    args: ["-t", String(RTC_BASE_EPOCH), `${dir}/initramfs.list`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!cpio.success) {
    throw new SetupError(`gen_init_cpio failed: ${dec.decode(cpio.stderr).trim()}`);
  }
  await Deno.writeFile(`${dir}/initramfs.cpio`, cpio.stdout);
  return `${dir}/initramfs.cpio`;
}

/**
 * Boots the capture kernel once and returns what it observed.
 *
 * QEMU: `-accel tcg -icount shift=N,sleep=off -rtc base=2008-04-01T00:00:00,clock=vm`
 * (deterministic guest time), `-m 128`, `-no-reboot`, first serial port =
 * kernel console (file), second = data port (file). The initramfs holds
 * `/init`, device nodes and, when given, `/cases.bin`.
 *
 * @throws {SerialStreamError} when the data stream is malformed; a timeout
 * is not an error (see `timedOut`, `complete`).
 */
export async function runKernel(abi: KernelAbi, opts: RunKernelOptions = {}): Promise<KernelRun> {
  const build = opts.build ?? (await ensureKernel(abi, opts.ensure));
  if (build.abi !== abi) throw new Error(`runKernel: build is for ${build.abi}, not ${abi}`);
  const cache = opts.ensure?.cacheDir ?? kernelCacheDir();
  let dir = opts.runDir;
  if (!dir) {
    await Deno.mkdir(`${cache}/runs`, { recursive: true });
    dir = await Deno.makeTempDir({ dir: `${cache}/runs`, prefix: `${abi}-` });
  } else await Deno.mkdir(dir, { recursive: true });
  const cases = opts.restartCases ?? [];
  await Deno.copyFile(build.initBin, `${dir}/init`);
  const list = [
    "dir /dev 0755 0 0",
    "nod /dev/console 0600 0 0 c 5 1",
    "nod /dev/ttyS1 0600 0 0 c 4 65",
    "nod /dev/null 0666 0 0 c 1 3",
    "dir /proc 0755 0 0",
    "dir /tmp 01777 0 0",
    `file /init ${dir}/init 0755 0 0`,
  ];
  if (cases.length) {
    await Deno.writeFile(`${dir}/cases.bin`, encodeBundle(cases));
    list.push(`file /cases.bin ${dir}/cases.bin 0644 0 0`);
  }
  const initramfs = await writeInitramfs(dir, build, list);

  const consoleLog = `${dir}/console.log`;
  const serialLog = `${dir}/data.log`;
  const append = ["console=ttyS0", "panic=-1", "quiet"];
  if (opts.scenarios) append.push("crscen=1");
  if (opts.bootArgs) append.push(...opts.bootArgs.split(/\s+/).filter(Boolean));
  const qemu = KERNEL_TARGETS[abi].qemu;
  const qemuArgs = [
    ...deterministicQemuArgs(128, opts.icountShift),
    "-serial",
    `file:${consoleLog}`,
    "-serial",
    `file:${serialLog}`,
    "-kernel",
    build.bzImage,
    "-initrd",
    initramfs,
    "-append",
    append.join(" "),
  ];
  const { status, timedOut, bootMs } = await runQemu(qemu, qemuArgs, opts.timeoutMs ?? 120000);
  if (!status.success && !timedOut) {
    throw new Error(`${qemu} failed (exit ${status.code}): ${dec.decode(status.stderr)}`);
  }
  const log = await Deno.readTextFile(serialLog).catch(() => "");
  const frames = parseFrames(log, { allowTruncatedTail: timedOut });
  const recs = interpretRecords(parseRecords(frames.data), cases.map((c) => c.id));
  if (recs.abiName && recs.abiName !== abi) {
    throw new SerialStreamError(`init reports ABI ${recs.abiName}, booted ${abi}`);
  }
  const u = recs.uname;
  const cut = (b: Uint8Array | undefined) => (b ?? new Uint8Array(UTS_LEN + 1)).slice(0, UTS_LEN);
  return {
    abi,
    sourceVersion: build.sourceVersion,
    kernelRelease: build.kernelRelease,
    key: build.key,
    kernel: versionFromRelease(build.kernelRelease),
    uts: { release: cut(u[2]), version: cut(u[3]), machine: cut(u[4]) },
    uname: u,
    checkpoints: recs.checkpoints,
    restarts: recs.restarts,
    findings: recs.findings,
    timedOut,
    complete: recs.complete,
    finalCrid: recs.finalCrid,
    serialLog,
    consoleLog,
    bootMs,
    qemuArgs: [qemu, ...qemuArgs],
    qemuCommand: [qemu, ...qemuArgs].map((a) =>
      a.replaceAll(`${dir}/`, "").replaceAll(`${build.dir}/`, "")
    ),
    variant: build.variant,
  };
}
