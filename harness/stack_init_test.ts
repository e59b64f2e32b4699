/**
 * The bundled C builds' stack init (`harness/with_stack_init.sh`): where the
 * compiler takes `-ftrivial-auto-var-init=pattern`, a local never written
 * holds the compiler's documented pattern byte (gcc 0xfe, clang 0xaa), not
 * the 0 a fresh process's stack happens to hold.
 *
 * @module
 */
import { ok, strictEqual } from "node:assert/strict";
import { buildCached, STACK_INIT } from "./build.ts";

const CC = Deno.env.get("CC") ?? "gcc";

async function sh(cmd: string, args: string[], input?: string) {
  const p = new Deno.Command(cmd, {
    args,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
  }
  const r = await p.output();
  return { ok: r.success, out: new TextDecoder().decode(r.stdout) };
}

const takesPattern = await sh(CC, [
  "-Werror",
  "-ftrivial-auto-var-init=pattern",
  "-x",
  "c",
  "-c",
  "-o",
  "/dev/null",
  "-",
], "int main(void) { return 0; }\n").then((r) => r.ok, () => false);

const NO_PATTERN = takesPattern
  ? undefined
  : `${CC} does not take -ftrivial-auto-var-init=pattern (gcc >= 12, clang >= 8)`;
if (NO_PATTERN) console.error(`stack_init_test: ignored: ${NO_PATTERN}`);

Deno.test({
  name: "with_stack_init.sh: a local never written holds the compiler's pattern byte",
  ignore: NO_PATTERN !== undefined,
  async fn() {
    const bin = await buildCached({
      name: "uninit",
      inputs: ["harness/testdata/uninit.c", "harness/testdata/uninit.sh", STACK_INIT],
      command: ["sh", STACK_INIT, "harness/testdata/uninit.sh", "{out}"],
      output: "uninit",
    });
    const version = (await sh(CC, ["--version"])).out;
    const r = await sh(bin, []);
    ok(r.ok);
    strictEqual(r.out.trim(), /clang/i.test(version) ? "aa" : "fe");
  },
});
