// The gate's exit codes, report files and expectation handling, end to end: one cohesive thing,
// the gate's command line as a user meets it.
import { match, ok, strictEqual } from "node:assert/strict";
import { answerLine, parseAnswerLine } from "../harness/answers.ts";

const CLI = new URL("./conform.ts", import.meta.url).pathname;
const HOSTILE = new URL("../harness/testdata/hostile.ts", import.meta.url).pathname;
const impl = (name: string, mode: string) =>
  `${name}=exec ${Deno.execPath()} run --no-check --allow-run ${HOSTILE} ${mode}`;

async function conform(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "--cases", "2", "--fuzz", "0", ...args],
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
    "--op",
    "restart",
    "--abi",
    "x86_64",
    "--filter",
    "*/x86_64/head/*",
    "--json",
    `${dir}/r.json`,
    "--junit",
    `${dir}/r.xml`,
  );
  strictEqual(r.code, 0, r.out + r.err);
  match(r.out, /good \(hostile-none\): CONFORMS restart × x86_64 × seed,hardened/);
  const json = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
  strictEqual(json.implementations[0].results.length, json.runs);
  ok(json.implementations[0].results.every((x: { status: string }) => x.status === "pass"));
  match(await Deno.readTextFile(`${dir}/r.xml`), /<testsuite name="good" tests="\d+" failures="0"/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("conform --answers records every answer of every implementation, as the gate compared them", async () => {
  const dir = await Deno.makeTempDir();
  const r = await conform(
    "--impl",
    impl("good", "none"),
    "--only",
    "good",
    "--only",
    "reference",
    "--op",
    "restart",
    "--abi",
    "x86_64",
    "--filter",
    "*/x86_64/head/*",
    "--json",
    `${dir}/r.json`,
    "--answers",
    `${dir}/a.jsonl`,
  );
  strictEqual(r.code, 0, r.out + r.err);
  const runs = JSON.parse(await Deno.readTextFile(`${dir}/r.json`)).runs as number;
  const lines = (await Deno.readTextFile(`${dir}/a.jsonl`)).trim().split("\n");
  const records = lines.map(parseAnswerLine);
  // One record per run sent (the two implementations get the same runs).
  strictEqual(records.length, runs);
  for (const who of ["good", "reference"]) {
    const mine = records.filter((x) => x.impl === who);
    strictEqual(mine.length, runs / 2);
    strictEqual(new Set(mine.map((x) => x.rid)).size, mine.length);
    ok(mine.every((x) => x.outcome.status === "answer"));
  }
  // The testee answers as the reference does (it conforms): the same record but for the name.
  const byRid = new Map(records.filter((x) => x.impl === "reference").map((x) => [x.rid, x]));
  for (const x of records.filter((x) => x.impl === "good")) {
    strictEqual(
      answerLine({ ...x, impl: "reference" }),
      answerLine(byRid.get(x.rid)!),
    );
  }
});

Deno.test("conform exits 1 on a difference and explains it in one glance with a re-run command", async () => {
  const r = await conform(
    "--no-bundled",
    "--impl",
    impl("bad", "wrong-abi"),
    "--op",
    "checkpoint",
    "--abi",
    "x86_64",
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
    /re-run: tools\/deno\/deno task conform --only bad --no-bundled --impl 'bad=exec .*' --op checkpoint --abi x86_64 --filter checkpoint\/x86_64\/plain/,
  );
});

Deno.test("conform: known failures pass the gate; a stale entry fails it; --update-expect rewrites the list", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/expect.txt`;
  await Deno.writeTextFile(file, "[bad]\ncheckpoint/x86_64/plain # the wrong ABI\n");
  const args = [
    "--no-bundled",
    "--impl",
    impl("bad", "wrong-abi"),
    "--abi",
    "x86_64",
    "--filter",
    "checkpoint/x86_64/plain",
    "--filter",
    "restart/x86_64/valid",
  ];
  // A rejected checkpoint writes nothing on either ABI: it passes, so the cell has a pass.
  const withPass = [...args, "--filter", "checkpoint/x86_64/syscall/flags"];
  strictEqual((await conform(...withPass, "--expect", file)).code, 0);
  await Deno.writeTextFile(
    file,
    "[bad]\ncheckpoint/x86_64/plain # the wrong ABI\nrestart/x86_64/valid # fixed long ago\n",
  );
  const stale = await conform(...withPass, "--expect", file);
  strictEqual(stale.code, 1);
  match(stale.out, /XPASS restart\/x86_64\/valid@seed/);
  match(stale.out, /stale expectation \(line 3: restart\/x86_64\/valid\)/);
  strictEqual((await conform(...withPass, "--expect", file, "--update-expect")).code, 1);
  strictEqual(
    await Deno.readTextFile(file),
    "# crconform known failures: `deno task conform --expect FILE --update-expect` rewrites this file.\n[bad]\ncheckpoint/x86_64/plain  # the wrong ABI\n",
  );
  strictEqual((await conform(...withPass, "--expect", file)).code, 0);
  // Known failures alone in a declared cell show nothing working in it: that does not conform.
  const onlyKnown = await conform(...args, "--expect", file);
  strictEqual(onlyKnown.code, 1, onlyKnown.out);
  match(onlyKnown.out, /checkpoint\/x86_64: none of its 1 runs passed/);
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

Deno.test("conform fails closed: unsupported answers, no declared ABI, an uncovered cell", async () => {
  const unsupported = await conform("--no-bundled", "--impl", impl("lazy", "unsupported"));
  strictEqual(unsupported.code, 1, unsupported.out);
  match(unsupported.out, /lazy \(hostile-unsupported\): DOES NOT CONFORM/);
  match(unsupported.out, /UNSUPPORTED/);
  const empty = await conform("--no-bundled", "--impl", impl("empty", "no-abi"));
  strictEqual(empty.code, 1, empty.out);
  match(empty.out, /nothing was compared/);
  match(empty.out, /declares no operation × ABI × profile/);
  const narrowed = await conform(
    "--no-bundled",
    "--impl",
    impl("good", "none"),
    "--filter",
    "restart/x86_64/head/*",
  );
  strictEqual(narrowed.code, 1, narrowed.out);
  match(narrowed.out, /not covered: checkpoint\/i386: declared, but no case of it was run/);
  // Every answer "unsupported" and every case listed as a known failure, in memory and streamed:
  // nothing was seen working.
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/all.txt`, "[lazy]\n* # everything\n");
  for (const mode of [[], ["--stream"]]) {
    const excused = await conform(
      "--no-bundled",
      "--impl",
      impl("lazy", "unsupported"),
      "--abi",
      "x86_64",
      "--expect",
      `${dir}/all.txt`,
      ...mode,
    );
    strictEqual(excused.code, 1, excused.out);
    match(excused.out, /restart\/x86_64\/seed: none of its \d+ runs passed/);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("conform: a selection with no case is a usage error naming the option that emptied it", async () => {
  const filter = await conform(
    "--no-bundled",
    "--impl",
    impl("good", "none"),
    "--filter",
    "nomatch/*",
  );
  strictEqual(filter.code, 2);
  match(filter.err, /no case selected: --filter left nothing/);
  const shard = await conform(
    "--no-bundled",
    "--impl",
    impl("good", "none"),
    "--shard",
    "1/1000000",
  );
  strictEqual(shard.code, 2);
  match(shard.err, /no case selected: --shard left nothing/);
  const require = await conform(
    "--no-bundled",
    "--impl",
    impl("good", "none"),
    "--require",
    "sparc/*",
  );
  strictEqual(require.code, 2);
  match(require.err, /--require: sparc\/\* names no cell/);
});

Deno.test("conform: --require fails a testee that does not declare the cell; the summary names what ran", async () => {
  const r = await conform(
    "--no-bundled",
    "--impl",
    impl("half", "restart-x86_64"),
    "--filter",
    "restart/x86_64/head/*",
    "--require",
    "restart/i386/*",
  );
  strictEqual(r.code, 1, r.out);
  match(
    r.out,
    /half \(hostile-restart-x86_64\): DOES NOT CONFORM restart × x86_64 × seed,hardened; checkpoint not declared/,
  );
  match(
    r.out,
    /not covered: restart\/i386\/seed: required by --require restart\/i386\/\*, not declared/,
  );
  const ok = await conform(
    "--no-bundled",
    "--impl",
    impl("half", "restart-x86_64"),
    "--filter",
    "restart/x86_64/head/*",
    "--require",
    "restart/x86_64/*",
  );
  strictEqual(ok.code, 0, ok.out);
});

Deno.test("conform --list of a huge suite streams: the first ids arrive while it is still generating", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "--list", "--cases", "99999999", "--fuzz", "0"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
  let lines = 0;
  const reader = child.stdout.getReader();
  const dec = new TextDecoder();
  while (lines < 20_000) {
    const { value, done } = await reader.read();
    if (done) break;
    lines += dec.decode(value).split("\n").length - 1;
  }
  child.kill("SIGKILL");
  await reader.cancel().catch(() => {});
  const status = await child.status;
  clearTimeout(guard);
  ok(lines >= 20_000, `only ${lines} ids before the end`);
  strictEqual(status.signal, "SIGKILL"); // still generating when we stopped reading
});

Deno.test("conform --stream prints what the same run as a list prints, across segments; --stream refuses reports that list every result", async () => {
  const { buildC, haveCSources } = await import("../harness/build.ts");
  if (!haveCSources()) return;
  // A mutant that fails some runs, so that failures, counts and the verdict are compared too.
  const bin = await buildC(["-DMUTANT=m05-comm-15-bytes"]);
  const args = [
    "--no-bundled",
    "--impl",
    `m=${bin}`,
    // Several segments of 4,096 runs: the testee gets several runs of requests, ids going on.
    "--cases",
    "800",
    "--fuzz",
    "0",
    "--no-shrink",
    "-q",
  ];
  const list = await conform(...args);
  const streamed = await conform(...args, "--stream");
  const timeless = (s: string) => s.replace(/[0-9.]+ s\b/g, "X s");
  strictEqual(list.code, 1, list.out + list.err);
  strictEqual(streamed.code, 1, streamed.out + streamed.err);
  match(list.out, /m \(crconform-c[^)]*\): DOES NOT CONFORM/);
  match(list.out, /(\d+) case runs/);
  ok(Number(/(\d+) case runs/.exec(list.out)![1]) > 4 * 4096);
  strictEqual(timeless(streamed.out), timeless(list.out));
  const refused = await conform("--no-bundled", "--impl", `m=${bin}`, "--stream", "--json", "x");
  strictEqual(refused.code, 2);
  match(refused.err, /--stream keeps only the results that are not passes; --json needs every run/);
});

Deno.test("conform --stream judges the known-failure list as a suite held in memory does", async () => {
  const dir = await Deno.makeTempDir();
  const list = `${dir}/expect.txt`;
  await Deno.writeTextFile(
    list,
    "restart/nothing/*  # a typo: names no case\nrestart/x86_64/head/magic@seed  # passes: stale\n",
  );
  const args = ["--no-bundled", "--impl", impl("good", "none"), "--expect", list, "-q"];
  const held = await conform(...args);
  const streamed = await conform(...args, "--stream");
  strictEqual(held.code, 1, held.out + held.err);
  strictEqual(streamed.code, 1, streamed.out + streamed.err);
  match(
    streamed.out,
    /stale expectation \(line 1: restart\/nothing\/\*\): matches no case of the suite/,
  );
  match(streamed.out, /stale expectation \(line 2: restart\/x86_64\/head\/magic@seed\)/);
  const timeless = (s: string) => s.replace(/[0-9.]+ s\b/g, "X s");
  strictEqual(timeless(streamed.out), timeless(held.out));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("conform: a bundled implementation the host cannot run is reported unavailable with its fix in every report; exit 0, or 2 with --strict", async () => {
  const dir = await Deno.makeTempDir();
  // The probes' switches: this host "cannot execute i386" and has "no qemu-i386".
  const env = { NO_COLOR: "1", CRCONFORM_PROBE_NO_I386: "1", CRCONFORM_PROBE_NO_QEMU_USER: "1" };
  const gate = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "--cases", "2", "--fuzz", "0", "--quiet", ...args],
      env,
    }).output();
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: out.code, out: text(out.stdout), err: text(out.stderr) };
  };
  const sel = ["--op", "checkpoint", "--abi", "i386", "--filter", "checkpoint/i386/plain"];
  const files = ["--json", `${dir}/r.json`, "--jsonl", `${dir}/r.jsonl`];
  const r = await gate(...sel, ...files, "--junit", `${dir}/r.xml`, "--html", `${dir}/r.html`);
  strictEqual(r.code, 0, r.out + r.err);
  match(r.out, /^seed-c-i386: UNAVAILABLE here — not run, the verdict does not count it$/m);
  match(
    r.out,
    /^ {2}why: this host cannot execute 32-bit x86 programs \(forced off by CRCONFORM_PROBE_NO_I386\) and has no qemu-i386 .*\(forced off by CRCONFORM_PROBE_NO_QEMU_USER\)$/m,
  );
  match(r.out, /^ {2}fix: tools\/deno\/deno task setup \(Debian: apt-get install qemu-user\)$/m);
  match(r.out, /^2 of 2 implementations conform \(1 unavailable here\)$/m);
  // JSON: listed under `unavailable`, not among the implementations; the schema holds.
  const { validate } = await import("../harness/report/json_schema.ts");
  const schema = JSON.parse(
    await Deno.readTextFile(new URL("../docs/report.schema.json", import.meta.url)),
  );
  const json = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
  strictEqual(validate(schema, json).length, 0, JSON.stringify(validate(schema, json)));
  strictEqual(json.conforms, true);
  strictEqual(json.unavailable.length, 1);
  strictEqual(json.unavailable[0].name, "seed-c-i386");
  match(json.unavailable[0].fix, /^tools\/deno\/deno task setup/);
  ok(!json.implementations.some((i: { name: string }) => i.name === "seed-c-i386"));
  const lines = (await Deno.readTextFile(`${dir}/r.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  const line = lines.find((l) => l.type === "unavailable");
  strictEqual(line?.name, "seed-c-i386");
  for (const l of lines) {
    strictEqual(validate(schema, l, "#/$defs/line").length, 0, JSON.stringify(l));
  }
  // JUnit: a suite of one skipped testcase carrying the reason and the fix; HTML: a row.
  const { checkJunit } = await import("../harness/report/junit_check.ts");
  const xml = await Deno.readTextFile(`${dir}/r.xml`);
  const junit = checkJunit(xml);
  strictEqual(junit.errors.length, 0, junit.errors.join("\n"));
  const suite = junit.suites.find((s) => s.name === "seed-c-i386");
  strictEqual(JSON.stringify(suite?.counted), '{"tests":1,"failures":0,"errors":0,"skipped":1}');
  match(
    xml,
    /<skipped type="unavailable" message="unavailable here \(not run, verdict unchanged\): this host cannot execute 32-bit x86 programs[^"]*; fix: tools\/deno\/deno task setup/,
  );
  match(
    await Deno.readTextFile(`${dir}/r.html`),
    /seed-c-i386<\/th><td><\/td><td class="verdict na">– UNAVAILABLE HERE/,
  );
  // --strict: the same run is a setup error.
  const strict = await gate(...sel, "--strict");
  strictEqual(strict.code, 2, strict.out + strict.err);
  match(strict.out, /--strict: seed-c-i386 unavailable on this host: exit 2/);
  // A user's --impl decides the verdict alone: a failing one 1, a conforming one 0.
  const bad = await gate(...sel, "--impl", impl("bad", "wrong-abi"));
  strictEqual(bad.code, 1, bad.out);
  match(bad.out, /seed-c-i386: UNAVAILABLE here/);
  const good = await gate(...sel, "--impl", impl("good", "none"));
  strictEqual(good.code, 0, good.out);
  // Asked for by name and nothing else: nothing was judged, a setup error saying why.
  const only = await gate(...sel, "--only", "seed-c-i386");
  strictEqual(only.code, 2, only.out);
  match(
    only.err,
    /^no implementation could run on this host \(seed-c-i386: unavailable here: .*; fix: tools\/deno\/deno task setup/,
  );
  await Deno.remove(dir, { recursive: true });
});
