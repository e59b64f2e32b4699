/**
 * `deno task inspect FILE [--abi x86_64|i386] [--json]`: prints an annotated
 * dump of a checkpoint image (offset, record, field, value, raw hex).
 *
 * @module
 */
import { abiNames } from "../reference/abi.ts";
import { parseArgs } from "node:util";
import type { AbiName } from "../reference/layout.ts";
import { formatInspection, inspect, inspectionToJson } from "../reference/inspect.ts";

const USAGE = "usage: deno task inspect FILE [--abi x86_64|i386] [--json]";

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
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(positionals[0]!);
  } catch (e) {
    console.error(`cannot read ${positionals[0]}: ${(e as Error).message}`);
    return 2;
  }
  const ins = inspect(bytes, values.abi as AbiName | undefined);
  console.log(values.json ? JSON.stringify(inspectionToJson(ins), null, 2) : formatInspection(ins));
  return ins.problem ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
