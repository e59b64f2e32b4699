// The gate where setsid(1) is missing (macOS, minimal containers): every testee is spawned
// detached instead, and a user's --impl gets the same verdict, persistent and per case.
import { match, strictEqual } from "node:assert/strict";
import { buildC } from "../harness/build.ts";

const CLI = new URL("./conform.ts", import.meta.url).pathname;

/** The C implementation's binary, or why this host cannot build it. */
async function builtC(): Promise<{ bin?: string; why?: string }> {
  try {
    return { bin: await buildC() };
  } catch (e) {
    return { why: `impls/c does not build here: ${(e as Error).message.split("\n")[0]}` };
  }
}
const C = await builtC();
if (C.why) console.error(`no_setsid_test: ignored: ${C.why}`);

/** The gate over the C implementation as a user's --impl (36 restart runs), with `env`. */
async function overC(spec: string, env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      ...["--cases", "2", "--fuzz", "0", "--no-bundled", "--impl", `mine=${spec}`],
      ...["--op", "restart", "--abi", "x86_64", "--filter", "*/x86_64/head/*"],
    ],
    env: { NO_COLOR: "1", ...env },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, out: text(out.stdout), err: text(out.stderr) };
}

Deno.test({
  name:
    "conform: without setsid(1) (macOS: nothing on PATH) an --impl is spawned detached and conforms",
  ignore: !C.bin,
  async fn() {
    // No setsid, setpriv, unshare or ps: a process group made by the detached spawn, no
    // parent-death signal (both said once), and the same verdict.
    const r = await overC(C.bin!, { PATH: "/nonexistent" });
    strictEqual(r.code, 0, r.out + r.err);
    match(r.out, /^mine \(crconform-c-1\.0\): CONFORMS restart × x86_64 × seed,hardened — 36 runs/);
    match(r.err, /no PID namespace for testees here \(unshare: not found\)/);
    match(r.err, /no parent-death signal here \(setpriv --pdeathsig: setpriv: not found\)/);
  },
});

Deno.test({
  name:
    "conform: CRCONFORM_PROBE_NO_SETSID=1: per case, every process spawned detached, never through setsid(1)",
  ignore: !C.bin,
  async fn() {
    // A setsid(1) first on PATH that passes the probe (`setsid true`) but starts nothing else:
    // the run conforms only if no testee was started through it.
    const dir = await Deno.makeTempDir();
    try {
      const fake = '#!/bin/sh\n[ "$*" = true ] && exit 0\nexit 97\n';
      await Deno.writeTextFile(`${dir}/setsid`, fake, { mode: 0o755 });
      const env = { CRCONFORM_PROBE_NO_SETSID: "1", PATH: `${dir}:${Deno.env.get("PATH")}` };
      const r = await overC(`percase:${C.bin}`, env);
      strictEqual(r.code, 0, r.out + r.err);
      match(
        r.out,
        /^mine \(crconform-c-1\.0\): CONFORMS restart × x86_64 × seed,hardened — 36 runs/,
      );
      // The failing setsid(1) is what the gate would have used without the switch.
      const without = await overC(`percase:${C.bin}`, { PATH: env.PATH });
      strictEqual(without.code, 2, without.out + without.err);
      match(without.out, /setup: mine: hello failed: exited with 97/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
