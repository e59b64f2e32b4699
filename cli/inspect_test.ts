// inspect reads a bounded amount: an endless or huge file is cut, said so, and stops.
import { match, strictEqual } from "node:assert/strict";
import { checkpoint } from "../reference/checkpoint.ts";
import { defaultCheckpointEnv, defaultTaskState } from "../reference/types.ts";
import { MAX_INSPECT, readBounded } from "./inspect.ts";

const CLI = new URL("./inspect.ts", import.meta.url).pathname;

async function inspectCli(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--v8-flags=--max-old-space-size=256", CLI, ...args],
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: out.code,
    out: text(out.stdout),
    err: text(out.stderr),
  };
}

Deno.test("inspect /dev/zero: reads 1 MiB, says so, exits 1, in little memory", async () => {
  const r = await inspectCli("/dev/zero");
  strictEqual(r.code, 1, r.err);
  match(r.err, /\/dev\/zero: larger than 1048576 bytes .*inspected its first 1048576 bytes/);
  match(r.out, /unknown record type 0/);
  const j = await inspectCli("/dev/zero", "--json");
  strictEqual(j.code, 1);
  strictEqual(JSON.parse(j.out).readBytes, MAX_INSPECT);
});

Deno.test("inspect of a real image reads it whole and exits 0", async () => {
  const dir = await Deno.makeTempDir();
  const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64"));
  await Deno.writeFile(`${dir}/img`, image);
  const r = await inspectCli(`${dir}/img`);
  strictEqual(r.code, 0, r.err);
  strictEqual(r.err, "");
  const b = await readBounded(`${dir}/img`, image.length);
  strictEqual(b.more, false);
  strictEqual(b.bytes.length, image.length);
  const c = await readBounded(`${dir}/img`, 10);
  strictEqual(c.more, true);
  strictEqual(c.bytes.length, 10);
  await Deno.remove(dir, { recursive: true });
});
