/**
 * Whether this host can build and run seed-c for an ABI, for the tests that
 * need it: the command that runs the binary (under qemu-i386 where this host
 * cannot execute i386 programs, as the gate runs it), or why it cannot, for
 * the test's ignore reason. One probe for every seed-c test.
 *
 * @module
 */
import { buildSeedC } from "../../harness/build.ts";
import { i386Runner } from "../../harness/host.ts";

/** The probe's answer: the command line that runs seed-c, or why it cannot run here. */
export type SeedCProbe = { readonly bin: string; readonly why?: undefined } | {
  readonly bin?: undefined;
  readonly why: string;
};

/**
 * Builds seed-c for `abi` and asks it `hello`. With `native`, only a binary
 * this host executes itself will do (the fills tests drive the shim's memory
 * through the process's environment and time it): an i386 binary under qemu
 * is then refused, with why.
 */
export async function probeSeedC(abi: string, native = false): Promise<SeedCProbe> {
  if (native && abi === "x86_64" && Deno.build.arch !== "x86_64") {
    return { why: "not an x86_64 host" };
  }
  const runner = abi === "i386" ? await i386Runner() : { prefix: [] };
  if (!("prefix" in runner)) return { why: `seed-c-${abi} cannot run here: ${runner.reason}` };
  if (native && runner.prefix.length) {
    return { why: `seed-c-${abi} runs here only under ${runner.prefix[0]}` };
  }
  let bin: string;
  try {
    bin = await buildSeedC(abi);
  } catch (e) {
    return { why: `seed-c-${abi} does not build here: ${(e as Error).message.split("\n")[0]}` };
  }
  const [cmd, ...args] = [...runner.prefix, bin];
  const cmdline = [cmd, ...args].join(" ");
  try {
    const p = await new Deno.Command(cmd!, {
      args: [...args, "hello"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    if (p.success && new TextDecoder().decode(p.stdout).includes("features io")) {
      return { bin: cmdline };
    }
    return { why: `seed-c-${abi} does not answer hello here (${cmdline})` };
  } catch (e) {
    return { why: `seed-c-${abi} cannot run here: ${(e as Error).message.split("\n")[0]}` };
  }
}
