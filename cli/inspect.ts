/**
 * `deno task inspect FILE [--abi x86_64|i386] [--json]`: prints an annotated
 * dump of a checkpoint image (offset, record, field, value, raw hex). It
 * reads at most {@link MAX_INSPECT} bytes (an image is a few KiB): from a
 * larger file, or an endless one such as `/dev/zero`, it inspects the first
 * {@link MAX_INSPECT} bytes, says so, and exits 1.
 *
 * @module
 */
import { abiNames } from "../reference/abi.ts";
import { parseArgs } from "node:util";
import type { AbiName } from "../reference/layout.ts";
import { formatInspection, inspect, inspectionToJson } from "../reference/inspect.ts";

/** The most bytes inspect reads: 1 MiB (a seed image is under 5 KiB; the fuzzer's are at most 64 KiB). */
export const MAX_INSPECT = 1 << 20;

const USAGE = `usage: deno task inspect FILE [--abi x86_64|i386] [--json]
(reads at most ${MAX_INSPECT} bytes of FILE)`;

/** The first `limit` bytes of a file, and whether it had more (never reads more than limit + 1). */
export async function readBounded(
  path: string,
  limit: number,
): Promise<{ bytes: Uint8Array; more: boolean }> {
  const f = await Deno.open(path);
  try {
    const buf = new Uint8Array(limit + 1);
    let n = 0;
    while (n < buf.length) {
      const r = await f.read(buf.subarray(n));
      if (r === null) break;
      n += r;
    }
    return { bytes: buf.slice(0, Math.min(n, limit)), more: n > limit };
  } finally {
    f.close();
  }
}

/** Runs the CLI; returns the exit code (0 decoded cleanly, 1 a problem was found, 2 usage). */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        abi: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  if (values.abi !== undefined && !abiNames().includes(values.abi as AbiName)) {
    console.error(`--abi: expected ${abiNames().join(" or ")}, found ${values.abi}`);
    return 2;
  }
  let read: { bytes: Uint8Array; more: boolean };
  try {
    read = await readBounded(positionals[0]!, MAX_INSPECT);
  } catch (e) {
    console.error(`cannot read ${positionals[0]}: ${(e as Error).message}`);
    return 2;
  }
  const ins = inspect(read.bytes, values.abi as AbiName | undefined);
  const cut = read.more
    ? `${
      positionals[0]
    }: larger than ${MAX_INSPECT} bytes (an image is a few KiB): inspected its first ${MAX_INSPECT} bytes and stopped reading`
    : undefined;
  if (values.json) {
    const json = inspectionToJson(ins) as Record<string, unknown>;
    console.log(
      JSON.stringify(cut ? { ...json, readBytes: MAX_INSPECT, truncated: cut } : json, null, 2),
    );
  } else console.log(formatInspection(ins));
  if (cut) console.error(`inspect: ${cut}`);
  return ins.problem || cut ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
