// The report files of a real run agree with each other and with their documented shapes:
// JSON and every JSON Lines record validate against docs/report.schema.json, JUnit fits the
// JUnit schema's structure with honest counts; progress reaches stderr without a terminal;
// --version names the gate, the protocol and the suite.
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { validate } from "../harness/report/json_schema.ts";
import { checkJunit } from "../harness/report/junit_check.ts";

const CLI = new URL("./conform.ts", import.meta.url).pathname;
const HOSTILE = new URL("../harness/testdata/hostile.ts", import.meta.url).pathname;
const SCHEMA = JSON.parse(
  await Deno.readTextFile(new URL("../docs/report.schema.json", import.meta.url)),
);
const impl = (name: string, mode: string) =>
  `${name}=exec ${Deno.execPath()} run --no-check --allow-run ${HOSTILE} ${mode}`;

async function conform(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "--cases", "2", "--fuzz", "0", ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, out: text(out.stdout), err: text(out.stderr) };
}

const SCOPE = ["--op", "checkpoint", "--abi", "x86_64", "--no-shrink"];

Deno.test("conform: JSON, JSON Lines, JUnit and HTML of one run agree, and each fits its documented shape", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/expect.txt`,
    "[bad]\ncheckpoint/x86_64/plain  # the wrong ABI\ncheckpoint/x86_64/nonexistent  # a typo\n",
  );
  const r = await conform([
    "--no-bundled",
    "--impl",
    impl("good", "none"),
    "--impl",
    impl("bad", "wrong-abi"),
    "--impl",
    "gone=/nonexistent/testee",
    ...SCOPE,
    "--expect",
    `${dir}/expect.txt`,
    "--json",
    `${dir}/r.json`,
    "--jsonl",
    `${dir}/r.jsonl`,
    "--junit",
    `${dir}/r.xml`,
    "--html",
    `${dir}/r.html`,
  ]);
  strictEqual(r.code, 2, r.out + r.err); // a setup error outranks a failure
  const json = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
  deepStrictEqual(validate(SCHEMA, json), []);
  strictEqual(json.schemaVersion, 1);
  deepStrictEqual(json.implementations.map((i: { name: string }) => i.name), [
    "good",
    "bad",
    "gone",
  ]);
  const [good, bad, gone] = json.implementations;
  strictEqual(good.conforms, true);
  strictEqual(bad.counts.xfail, 1);
  ok(bad.counts.fail > 100);
  deepStrictEqual(bad.stale.map((s: { pattern: string; why: string }) => [s.pattern, s.why]), [
    [
      "checkpoint/x86_64/nonexistent",
      "matches no case of the suite (a typo, or a case that was removed)",
    ],
  ]);
  match(gone.setupError, /exited before answering hello/);
  const failing = bad.results.find((x: { status: string }) => x.status === "fail");
  match(failing.rerun, /--only bad .*--filter checkpoint\/x86_64\//);
  strictEqual(
    failing.context.offset,
    failing.differences.find((d: { offset: number | null }) => d.offset !== null).offset,
  );

  // JSON Lines: start, then per implementation its hello, results as they came and a summary; end.
  const lines = (await Deno.readTextFile(`${dir}/r.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  for (const [i, l] of lines.entries()) {
    deepStrictEqual(validate(SCHEMA, l, "#/$defs/line"), [], `line ${i + 1}`);
  }
  strictEqual(lines[0].type, "start");
  strictEqual(lines[0].suite.fingerprint, json.suite.fingerprint);
  deepStrictEqual(lines[lines.length - 1], {
    type: "end",
    conforms: false,
    runs: json.runs,
    seconds: json.seconds,
  });
  for (const im of json.implementations) {
    const streamed = lines.filter((l) => l.type === "result" && l.impl === im.name);
    deepStrictEqual(
      streamed.map((l) => [l.id, l.status]).sort(),
      im.results.map((x: { id: string; status: string }) => [x.id, x.status]).sort(),
      im.name,
    );
    const summary = lines.find((l) => l.type === "summary" && l.name === im.name);
    deepStrictEqual(summary.counts, im.counts);
    deepStrictEqual(summary.stale, im.stale);
  }

  // JUnit: the structure the schema demands, counts that add up, and the JSON's verdicts.
  const junit = checkJunit(await Deno.readTextFile(`${dir}/r.xml`));
  deepStrictEqual(junit.errors, []);
  const bad_ = (c: Record<string, number>) => c.fail! + c.xpass! + c.unsupported!;
  const errors_ = (c: Record<string, number>) => c.crash! + c.timeout! + c.protocol! + c.error!;
  deepStrictEqual(
    junit.suites,
    json.implementations.map((
      im: {
        name: string;
        results: unknown[];
        stale: unknown[];
        counts: Record<string, number>;
        coverage: { gaps: unknown[] } | null;
        setupError: string | null;
      },
    ) => ({
      name: im.name,
      counted: im.setupError ? { tests: 1, failures: 0, errors: 1, skipped: 0 } : {
        tests: im.results.length + im.stale.length + (im.coverage?.gaps.length ?? 0),
        failures: bad_(im.counts) + im.stale.length + (im.coverage?.gaps.length ?? 0),
        errors: errors_(im.counts),
        skipped: im.counts.skipped! + im.counts.xfail!,
      },
    })),
  );

  const html = await Deno.readTextFile(`${dir}/r.html`);
  for (const n of ["good", "bad", "gone"]) match(html, new RegExp(`data-impl="${n}"`));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("conform: without a terminal, progress lines reach stderr while the run goes, and a final line per implementation; --quiet silences them", async () => {
  const args = [
    "--no-bundled",
    "--impl",
    impl("good", "none"),
    "--impl",
    impl("bad", "wrong-abi"),
    ...SCOPE,
  ];
  const r = await conform(args, { CRCONFORM_PROGRESS_MS: "0" });
  strictEqual(r.code, 1, r.err);
  const lines = r.err.trim().split("\n");
  match(lines[0]!, /^conform: good: \d+ runs to compare$/);
  ok(
    lines.some((l) =>
      /^conform: bad \d+\/\d+ runs \(\d+%\), \d+ runs\/s, [1-9]\d* failing so far$/.test(l)
    ),
    r.err,
  );
  match(
    r.err,
    /^conform: good: CONFORMS, \d+ runs compared in [\d.]+ s \(\d+ runs\/s\), 0 failing$/m,
  );
  match(
    r.err,
    /^conform: bad: DOES NOT CONFORM, \d+ runs compared in [\d.]+ s \(\d+ runs\/s\), \d+ failing$/m,
  );
  ok(!r.err.includes("\r"), "no carriage returns in a log");
  const quiet = await conform([...args, "--quiet"], { CRCONFORM_PROGRESS_MS: "0" });
  strictEqual(quiet.code, 1);
  // Only a warning may remain: on a loaded host the testee can be slow enough to be warned about.
  strictEqual(
    quiet.err.split("\n").filter((l) => l && !/^conform: \w+: slow: /.test(l)).join(),
    "",
  );
  strictEqual(quiet.out.replace(/[\d.]+ s/g, ""), r.out.replace(/[\d.]+ s/g, ""));
});

Deno.test("conform --version: the gate's version, the protocol and the selected suite's fingerprint", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const v = await conform(["--version", ...SCOPE]);
  strictEqual(v.code, 0, v.err);
  const [gate, protocol, suite] = v.out.trim().split("\n");
  strictEqual(gate, `crconform ${config.version}`);
  strictEqual(protocol, "protocol 1");
  match(
    suite!,
    /^suite sha256:[0-9a-f]{16} \(\d+ runs: --seed 1 --cases 2 --fuzz 0 --op checkpoint --abi x86_64\)$/,
  );
  const again = await conform(["--version", ...SCOPE]);
  strictEqual(again.out, v.out);
  const shard = await conform(["--version", ...SCOPE, "--shard", "1/2"]);
  ok(shard.out.split("\n")[2] !== suite, "another selection, another fingerprint");
  // The same fingerprint is in the reports and the summary of a run with the same options.
  const fp = /sha256:[0-9a-f]{16}/.exec(suite!)![0];
  const run = await conform(["--no-bundled", "--impl", impl("good", "none"), ...SCOPE, "--quiet"]);
  match(
    run.out,
    new RegExp(`suite ${fp}, crconform ${config.version.replace(/\./g, "\\.")}$`, "m"),
  );
});
