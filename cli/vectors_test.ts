// Test vectors: the files validate against docs/vectors.schema.json, carry the gate's
// fingerprint, are the same bytes from anywhere, and the Python consumer agrees with the gate on
// the C implementation and on mutants.
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { validate } from "../harness/report/json_schema.ts";
import { buildC, haveCSources } from "../harness/build.ts";
import { main, vectorFiles } from "./vectors.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const VECTORS = `${ROOT}cli/vectors.ts`;
const CONFORM = `${ROOT}cli/conform.ts`;
const CHECK = `${ROOT}vectors/check.py`;
const schema = JSON.parse(await Deno.readTextFile(`${ROOT}docs/vectors.schema.json`));
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** A selection small enough for a test, that the mutants below fail parts of. */
const FILTERS = [
  "restart/x86_64/valid",
  "restart/x86_64/head/*",
  "restart/x86_64/task/*",
  "restart/x86_64/truncate/at-00[01]?",
  "checkpoint/x86_64/valid",
  "checkpoint/x86_64/syscall/*",
];
const filterArgs = FILTERS.flatMap((f) => ["--filter", f]);

async function run(cmd: string, args: string[], cwd = ROOT) {
  const out = await new Deno.Command(cmd, { args, cwd, env: { NO_COLOR: "1" } }).output();
  return { code: out.code, out: dec(out.stdout), err: dec(out.stderr) };
}

Deno.test("vectors: the default files validate against the schema and carry the gate's fingerprint", async () => {
  const files = vectorFiles();
  deepStrictEqual(files.map((f) => f.name), [
    "checkpoint-i386.json",
    "checkpoint-x86_64.json",
    "restart-i386.json",
    "restart-x86_64.json",
  ]);
  let runs = 0;
  let fingerprint = "";
  for (const f of files) {
    const doc = JSON.parse(f.text);
    deepStrictEqual(validate(schema, doc).slice(0, 3), [], f.name);
    const tests = doc.testGroups.flatMap((g: { tests: unknown[] }) => g.tests);
    strictEqual(tests.length, doc.numberOfTests);
    strictEqual(new Set(tests.map((t: { tcId: number }) => t.tcId)).size, tests.length);
    runs += doc.numberOfRuns;
    fingerprint = doc.suite.fingerprint;
  }
  // The gate over the same selection: the same runs and the same fingerprint.
  const v = await run(Deno.execPath(), ["run", "-A", CONFORM, "--version", "--fuzz", "0"]);
  match(v.out, new RegExp(`suite ${fingerprint} \\(${runs} runs: --seed 1 --cases 64 --fuzz 0\\)`));
  // The schema says something: a null counter, an unknown class and a bad comm are refused.
  const doc = JSON.parse(files[3]!.text);
  const t = doc.testGroups[0].tests[0];
  const test = { $defs: schema.$defs, $ref: "#/$defs/restartTest" };
  deepStrictEqual(validate(test, t), []);
  t.expected.seed.counter = null;
  t.expected.hardened.class = "maybe";
  t.input.comm = "zz";
  deepStrictEqual(validate(test, t).map((e) => e.path).sort(), [
    "/expected/hardened/class",
    "/expected/seed/counter",
    "/input/comm",
  ]);
  ok(validate(schema, doc).some((e) => e.path === "/testGroups/0/tests/0"));
});

Deno.test("vectors: a restart vector holds the reference's expectations, undefined values named", () => {
  const [file] = vectorFiles({
    selection: { filters: ["restart/x86_64/truncate/at-0003"], abis: ["x86_64"] },
  });
  const doc = JSON.parse(file!.text);
  const t = doc.testGroups[0].tests[0];
  strictEqual(t.id, "restart/x86_64/truncate/at-0003");
  strictEqual(t.input.image, "0100e0"); // the valid image's first 3 bytes (type 1, len 0x00e0)
  // Seed: len's high byte is stack memory never written: ret undefined, comm undefined, 3 read.
  deepStrictEqual(
    {
      ...t.expected.seed,
      undefined: t.expected.seed.undefined.map((u: { value: string }) => u.value),
    },
    {
      class: "undefined-in-seed",
      ret: null,
      consumed: 3,
      counter: 1,
      comm: "??".repeat(16),
      decidedBy: "HEAD.hdr.len @2",
      seedLine: "checkpoint/restart.c:37",
      undefined: ["ret", "comm[0..15]"],
    },
  );
  // Hardened: end of file inside the header is -EPIPE, comm untouched ("restarter").
  deepStrictEqual(t.expected.hardened, {
    class: "must-reject",
    ret: -32,
    consumed: 3,
    counter: 1,
    comm: "72657374617274657200000000000000",
    decidedBy: "HEAD.hdr.eof @3",
    seedLine: "checkpoint/sys.c:87",
    undefined: [],
  });
});

Deno.test("vectors: the same bytes from any directory, no path inside; usage errors exit 2", async () => {
  const a = await Deno.makeTempDir(), b = await Deno.makeTempDir();
  const args = ["run", "--allow-read", "--allow-write", VECTORS, ...filterArgs];
  strictEqual((await run(Deno.execPath(), [...args, "--out", `${a}/v`], ROOT)).code, 0);
  strictEqual((await run(Deno.execPath(), [...args, "--out", "v"], b)).code, 0);
  const names = [...Deno.readDirSync(`${a}/v`)].map((e) => e.name).sort();
  deepStrictEqual(names, ["checkpoint-x86_64.json", "restart-x86_64.json"]);
  for (const n of names) {
    const x = await Deno.readFile(`${a}/v/${n}`), y = await Deno.readFile(`${b}/v/${n}`);
    deepStrictEqual(x, y, n);
    const text = dec(x);
    ok(!text.includes(ROOT) && !text.includes(a) && !text.includes(b), `${n} holds a path`);
  }
  strictEqual(await main([]), 2);
  strictEqual(await main(["--out", `${a}/w`, "--abi", "sparc"]), 2);
  strictEqual(await main(["--out", `${a}/w`, "--filter", "nothing/*"]), 2);
  await Deno.remove(a, { recursive: true });
  await Deno.remove(b, { recursive: true });
});

/** True when `cmd --version` runs here. */
async function runs(cmd: string): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}
const python = await runs("python3");
const cc = haveCSources() && await runs("cc");

/**
 * A test of the Python consumer against impls/c: ignored without python3 (the consumer's
 * language) or a C compiler (the testees); `fn` gets a temporary directory, removed after.
 */
function consumerTest(name: string, fn: (dir: string) => Promise<void>): void {
  Deno.test({
    name,
    ignore: !python || !cc,
    async fn() {
      const dir = await Deno.makeTempDir();
      try {
        await fn(dir);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

consumerTest(
  "vectors: the Python consumer passes the C implementation and fails mutants as the gate does",
  async (dir) => {
    strictEqual(await main(["--out", dir, ...filterArgs]), 0);
    const files = [`${dir}/checkpoint-x86_64.json`, `${dir}/restart-x86_64.json`];
    // m08: checkpoint writes rev 0; m21: task_comm_len 4097 accepted; m27: restart keeps the
    // counter; m29: type checked before len and the payload.
    for (const m of ["", "m08", "m21", "m27", "m29"]) {
      const bin = await buildC(m ? [`-DMUTANT=${m}`] : []);
      const py = await run("python3", [CHECK, ...files, "--", bin]);
      const failed = [...py.out.matchAll(/^FAIL (\S+):/gm)].map((x) => x[1]!).sort();
      const gate = await run(Deno.execPath(), [
        "run",
        "-A",
        CONFORM,
        "--no-bundled",
        "--impl",
        `${m || "c"}=${bin}`,
        "--fuzz",
        "0",
        "--abi",
        "x86_64",
        ...filterArgs,
        "--json",
        `${dir}/${m || "c"}.json`,
      ]);
      const report = JSON.parse(await Deno.readTextFile(`${dir}/${m || "c"}.json`));
      const gateFailed = report.implementations[0].results
        .filter((r: { status: string }) => r.status === "fail")
        .map((r: { id: string }) => r.id).sort();
      deepStrictEqual(failed, gateFailed, `${m || "c"}: consumer vs gate\n${py.out}${py.err}`);
      strictEqual(py.code, m ? 1 : 0, `${m || "c"}: ${py.out}${py.err}`);
      strictEqual(gate.code, m ? 1 : 0, `${m || "c"}: gate ${gate.out}${gate.err}`);
      if (m) ok(failed.length > 0, m);
      // Both skip the same runs: those needing a feature impls/c does not declare (no-method).
      const skipped = report.implementations[0].results
        .filter((r: { status: string }) => r.status === "skipped").length;
      ok(skipped > 0, "the selection has a run that needs a feature impls/c does not declare");
      match(
        py.out,
        new RegExp(`^\\d+ passed, ${failed.length} failed, ${skipped} skipped of \\d+ runs$`, "m"),
      );
    }
  },
);

consumerTest(
  "vectors: the Python consumer fails closed when every run is skipped (a feature not declared)",
  async (dir) => {
    // Only checkpoint/x86_64/syscall/no-write: it needs no-method, which impls/c does not declare.
    strictEqual(await main(["--out", dir, "--filter", "checkpoint/x86_64/syscall/no-write"]), 0);
    const py = await run("python3", [CHECK, `${dir}/checkpoint-x86_64.json`, "--", await buildC()]);
    match(py.out, /^0 passed, 0 failed, 1 skipped of 1 runs$/m);
    match(py.err, /nothing was compared/);
    strictEqual(py.code, 1, py.out + py.err);
  },
);
