// The gate as CI uses it: the README's recipe as a 2-shard matrix with a real known failure,
// the GitHub Action's script run locally, and the gate run from another directory (reports
// where asked, builds in the cache, nothing written anywhere else, re-run lines that work).
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { buildC } from "../harness/build.ts";
import { checkJunit } from "../harness/report/junit_check.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const CLI = `${ROOT}cli/conform.ts`;
const HOSTILE = `${ROOT}harness/testdata/hostile.ts`;
// Small and fast: the generator and fuzz batch off, one cell (the verdict fails closed, so the
// scope is narrowed with --op and --abi, not with --filter).
const SMALL = [
  "--cases",
  "2",
  "--fuzz",
  "0",
  "--op",
  "checkpoint",
  "--abi",
  "x86_64",
  "--no-shrink",
];
const KNOWN = "checkpoint/x86_64/task-dead";
// The groups where m11 (a dead task checkpointed) fails only KNOWN: the dict and group families
// put TASK_DEAD into the state words too, and would fail it more than once.
const FILTERS = ["plain", "syscall/*", "task-dead", "comm/*", "args/*", "value/*"]
  .flatMap((g) => ["--filter", `checkpoint/x86_64/${g}`]);

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: { NO_COLOR: "1", ...opts.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, out: text(out.stdout), err: text(out.stderr) };
}

/** The README's CI recipe, as printed there, plus the test's narrowing. */
const recipe = (testee: string, expect: string, junit: string, shard: string, ...more: string[]) =>
  run(Deno.execPath(), [
    "run",
    "-A",
    CLI,
    "--no-bundled",
    "--impl",
    `mine=${testee}`,
    "--expect",
    expect,
    "--junit",
    junit,
    "--shard",
    shard,
    ...SMALL,
    ...FILTERS,
    ...more,
  ]);

Deno.test("the README's CI recipe as a 2-shard matrix: a genuine known failure passes both shards; a typo fails both", async () => {
  // Mutant m11 accepts a dead task: one genuine failure, checkpoint/x86_64/task-dead.
  const bin = await buildC(["-DMUTANT=m11"]);
  const dir = await Deno.makeTempDir();
  const expect = `${dir}/known-failures.txt`;
  await Deno.writeTextFile(expect, `[mine]\n${KNOWN}  # m11 checkpoints a dead task\n`);
  const shards = await Promise.all(
    [1, 2].map((k) => recipe(bin, expect, `${dir}/conform-${k}.xml`, `${k}/2`)),
  );
  for (const [i, s] of shards.entries()) {
    strictEqual(s.code, 0, `shard ${i + 1}:\n${s.out}${s.err}`);
  }
  // Exactly one shard ran the known failure; the other did not judge the entry.
  const xfails = shards.map((s) => (s.out.match(/xfail/g) ?? []).length);
  deepStrictEqual(xfails.sort(), [0, 1]);
  for (const k of [1, 2]) {
    const j = checkJunit(await Deno.readTextFile(`${dir}/conform-${k}.xml`));
    deepStrictEqual(j.errors, []);
    strictEqual(j.suites[0]!.counted.failures + j.suites[0]!.counted.errors, 0);
  }

  // An entry that names no case of the suite is stale in every shard.
  await Deno.writeTextFile(expect, `[mine]\n${KNOWN}\ncheckpoint/x86_64/task-deda  # a typo\n`);
  const typo = await Promise.all(
    [1, 2].map((k) => recipe(bin, expect, `${dir}/typo-${k}.xml`, `${k}/2`)),
  );
  for (const s of typo) {
    strictEqual(s.code, 1, s.out);
    match(
      s.out,
      /stale expectation \(line 3: checkpoint\/x86_64\/task-deda\): matches no case of the suite/,
    );
  }
  // --update-expect in the shard without the failure keeps its entry and drops the typo.
  const other = xfails.indexOf(0) + 1;
  const upd = await recipe(bin, expect, `${dir}/u.xml`, `${other}/2`, "--update-expect");
  strictEqual(upd.code, 1);
  strictEqual(
    await Deno.readTextFile(expect),
    "# crconform known failures: `deno task conform --expect FILE --update-expect` rewrites this file.\n" +
      `[mine]\n${KNOWN}\n`,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("tools/action.sh (the GitHub Action's step) runs the gate with the action's inputs and sets its outputs", async () => {
  const bin = await buildC(["-DMUTANT=m11"]);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/known.txt`, `[mine]\n${KNOWN}  # m11\n`);
  const results = [];
  for (const shard of ["1/2", "2/2"]) {
    const env = {
      INPUT_TESTEE: bin,
      INPUT_NAME: "mine",
      INPUT_EXPECT: "known.txt",
      INPUT_SHARD: shard,
      INPUT_OPTIONS: [...SMALL, ...FILTERS].map((a) => `'${a}'`).join(" "),
      INPUT_REPORT_DIR: "reports",
      GITHUB_OUTPUT: `${dir}/output-${shard[0]}`,
      GITHUB_STEP_SUMMARY: `${dir}/summary-${shard[0]}`,
    };
    const r = await run(`${ROOT}tools/action.sh`, [], { cwd: dir, env });
    strictEqual(r.code, 0, r.out + r.err);
    const outputs = Object.fromEntries(
      (await Deno.readTextFile(env.GITHUB_OUTPUT)).trim().split("\n").map((l) => l.split("=")),
    );
    const suffix = `-shard-${shard[0]}-of-2`;
    deepStrictEqual(outputs, {
      junit: `reports/junit${suffix}.xml`,
      json: `reports/report${suffix}.json`,
      html: `reports/report${suffix}.html`,
      "exit-code": "0",
    });
    for (const f of [outputs.junit, outputs.json, outputs.html]) {
      ok(Deno.statSync(`${dir}/${f}`).size > 0, f);
    }
    const json = JSON.parse(await Deno.readTextFile(`${dir}/${outputs.json}`));
    deepStrictEqual(json.suite.shard, { k: Number(shard[0]), n: 2 });
    deepStrictEqual(json.suite.filters, FILTERS.filter((_, i) => i % 2 === 1));
    results.push(json.implementations[0].counts.xfail);
    match(
      await Deno.readTextFile(env.GITHUB_STEP_SUMMARY),
      /### crconform: mine \(shard \d\/2\)\n```\nmine \(crconform-c-1\.0\): CONFORMS/,
    );
  }
  deepStrictEqual(results.sort(), [0, 1]);
  // A failing testee: the gate's exit code comes through, outputs are still set.
  await Deno.writeTextFile(`${dir}/known.txt`, "");
  const fail = await run(`${ROOT}tools/action.sh`, [], {
    cwd: dir,
    env: {
      INPUT_TESTEE: bin,
      INPUT_EXPECT: "known.txt",
      INPUT_OPTIONS: SMALL.join(" "),
      GITHUB_OUTPUT: `${dir}/o`,
    },
  });
  strictEqual(fail.code, 1, fail.out + fail.err);
  match(await Deno.readTextFile(`${dir}/o`), /exit-code=1/);
  const none = await run(`${ROOT}tools/action.sh`, [], { cwd: dir, env: {} });
  strictEqual(none.code, 2);
  match(none.err, /the testee input is required/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the gate from another directory: builds in $XDG_CACHE_HOME/crconform, writes nothing else, and its re-run line works as printed", async () => {
  const dir = await Deno.makeTempDir();
  const cwd = `${dir}/work`;
  await Deno.mkdir(cwd);
  const env = { XDG_CACHE_HOME: `${dir}/cache`, CRCONFORM_CACHE: "", HOME: `${dir}/home` };
  // Write permission only under the temp dir: a write into the repository would fail the run.
  const deno = (args: string[]) =>
    run(Deno.execPath(), [
      "run",
      "--allow-read",
      "--allow-run",
      "--allow-env",
      `--allow-write=${dir}`,
      CLI,
      ...args,
    ], { cwd, env });
  const bundled = await deno(["--only", "c", ...SMALL, "--json", "c.json", "--quiet"]);
  strictEqual(bundled.code, 0, bundled.out + bundled.err);
  ok(
    [...Deno.readDirSync(`${dir}/cache/crconform/build`)].some((e) => e.name.startsWith("c-")),
    "the C build is cached under $XDG_CACHE_HOME/crconform",
  );
  deepStrictEqual([...Deno.readDirSync(cwd)].map((e) => e.name), ["c.json"]);

  const testee = `bad=exec ${Deno.execPath()} run --no-check --allow-run ${HOSTILE} wrong-abi`;
  const failing = await deno(["--no-bundled", "--impl", testee, ...SMALL, "--max-failures", "1"]);
  strictEqual(failing.code, 1, failing.err);
  const line = /re-run: (.*)$/m.exec(failing.out)?.[1];
  ok(line, failing.out);
  ok(line.startsWith(`${Deno.execPath()} run -A ${CLI} `), line);
  const again = await run("sh", ["-c", line], { cwd, env });
  strictEqual(again.code, 1, again.out + again.err);
  match(
    again.out,
    /bad \(hostile-wrong-abi\): DOES NOT CONFORM checkpoint × x86_64 — 1 runs compared/,
  );
  deepStrictEqual([...Deno.readDirSync(cwd)].map((e) => e.name), ["c.json"]);
  await Deno.remove(dir, { recursive: true });
});
