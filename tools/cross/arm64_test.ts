// The arm64 check on a small selection: impls/c and seed-c (x86_64 layout) built for aarch64,
// where char is unsigned, conform under qemu-aarch64. Ignored, with the reason, where the cross
// compiler or qemu-aarch64 is missing (tools/cross/arm64.sh --probe says which).
import { match, strictEqual } from "node:assert/strict";

const SCRIPT = new URL("./arm64.sh", import.meta.url).pathname;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const probe = new Deno.Command("sh", { args: [SCRIPT, "--probe"], stdout: "null", stderr: "piped" })
  .outputSync();
const missing = probe.success ? undefined : text(probe.stderr).trim();
if (missing) console.error(`arm64_test: SKIPPED: ${missing}`);

Deno.test({
  name: "arm64: impls/c and seed-c built for aarch64 (unsigned char) conform under qemu-aarch64",
  ignore: missing !== undefined,
  async fn() {
    const out = await new Deno.Command("sh", {
      args: [SCRIPT, "--cases", "1", "--fuzz", "0", "--abi", "x86_64"],
      env: { CROSS_STRICT: "1", NO_COLOR: "1", CRCONFORM_PROGRESS_MS: "100000" },
    }).output();
    const stdout = text(out.stdout), stderr = text(out.stderr);
    strictEqual(out.code, 0, stdout + stderr);
    match(stderr, /char is unsigned/);
    match(stdout, /^c-arm64 \(crconform-c-1\.0\): CONFORMS /m);
    match(stdout, /^seed-c-arm64 \(seed-c-x86_64\): CONFORMS /m);
    match(stdout, /^2 of 2 implementations conform$/m);
  },
});
