// The gate's exit codes, report files and expectation handling, end to end.
import { match, ok, strictEqual } from "node:assert/strict";

const CLI = new URL("./conform.ts", import.meta.url).pathname;
const HOSTILE = new URL("../harness/testdata/hostile.ts", import.meta.url).pathname;
const impl = (name: string, mode: string) =>
  `${name}=exec ${Deno.execPath()} run --no-check --allow-run ${HOSTILE} ${mode}`;

async function conform(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "--cases", "2", ...args],
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, out: text(out.stdout), err: text(out.stderr) };
}

Deno.test("conform exits 0 when every implementation conforms, and writes JSON and JUnit", async () => {
  const dir = await Deno.makeTempDir();
  const r = await conform(
    "--no-bundled",
    "--impl",
    impl("good", "none"),
    "--filter",
    "*/x86_64/head/*",
    "--json",
    `${dir}/r.json`,
    "--junit",
    `${dir}/r.xml`,
  );
  strictEqual(r.code, 0, r.out + r.err);
  match(r.out, /good \(hostile-none\): CONFORMS/);
  const json = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
  strictEqual(json.implementations[0].results.length, json.runs);
  ok(json.implementations[0].results.every((x: { status: string }) => x.status === "pass"));
  match(await Deno.readTextFile(`${dir}/r.xml`), /<testsuite name="good" tests="\d+" failures="0"/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("conform exits 1 on a difference and explains it in one glance with a re-run command", async () => {
  const r = await conform(
    "--no-bundled",
    "--impl",
    impl("bad", "wrong-abi"),
    "--filter",
    "checkpoint/x86_64/plain",
  );
  strictEqual(r.code, 1);
  match(r.out, /bad \(hostile-wrong-abi\): DOES NOT CONFORM/);
  match(r.out, /FAIL checkpoint\/x86_64\/plain/);
  match(r.out, /image\.length: expected 432 got 424/);
  match(r.out, /TASK\.hdr\.len @0x0ea: expected 9800 got 9000/);
  match(
    r.out,
    /re-run: deno task conform --only bad --impl 'bad=exec .*' --filter checkpoint\/x86_64\/plain/,
  );
});

Deno.test("conform: known failures pass the gate; a stale entry fails it; --update-expect rewrites the list", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/expect.txt`;
  await Deno.writeTextFile(file, "[bad]\ncheckpoint/x86_64/* # the wrong ABI\n");
  const args = [
    "--no-bundled",
    "--impl",
    impl("bad", "wrong-abi"),
    "--filter",
    "checkpoint/x86_64/plain",
    "--filter",
    "restart/x86_64/valid",
  ];
  strictEqual((await conform(...args, "--expect", file)).code, 0);
  await Deno.writeTextFile(
    file,
    "[bad]\ncheckpoint/x86_64/* # the wrong ABI\nrestart/x86_64/valid # fixed long ago\n",
  );
  const stale = await conform(...args, "--expect", file);
  strictEqual(stale.code, 1);
  match(stale.out, /XPASS restart\/x86_64\/valid@seed/);
  match(stale.out, /stale expectation \(line 3: restart\/x86_64\/valid\)/);
  strictEqual((await conform(...args, "--expect", file, "--update-expect")).code, 1);
  strictEqual(
    await Deno.readTextFile(file),
    "# crconform known failures: `deno task conform --expect FILE --update-expect` rewrites this file.\n[bad]\ncheckpoint/x86_64/*  # the wrong ABI\n",
  );
  strictEqual((await conform(...args, "--expect", file)).code, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("conform exits 2 on usage and setup errors", async () => {
  const usage = await conform("--shard", "3/2");
  strictEqual(usage.code, 2);
  match(usage.err, /--shard: expected K\/N with 1 <= K <= N, found 3\/2/);
  strictEqual((await conform("--abi", "arm")).code, 2);
  const setup = await conform("--no-bundled", "--impl", "gone=/nonexistent/testee");
  strictEqual(setup.code, 2);
  match(setup.out, /setup: gone: exited before answering hello/);
});
