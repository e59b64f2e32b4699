// The gate under faults, end to end: interrupted by SIGINT or SIGTERM it
// writes every report asked for with what ran and an "interrupted" mark,
// exits 130/143 and leaves no testee behind; a second SIGINT exits at once;
// a testee that stops answering or is too slow is given up on, by the
// options --max-timeouts and --impl-budget.
import { leftovers, settle } from "../harness/testdata/leftovers.ts";
import { match, ok, strictEqual } from "node:assert/strict";

const CLI = new URL("./conform.ts", import.meta.url).pathname;
const HOSTILE = new URL("../harness/testdata/hostile.ts", import.meta.url).pathname;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function hostileImpl(name: string, mode: string, arg = "-1", percase = false) {
  const marker = `crconform-gate-${name}-${crypto.randomUUID()}`;
  const cmd =
    `exec ${Deno.execPath()} run --no-check --allow-run ${HOSTILE} ${mode} ${arg} ${marker}`;
  return { marker, spec: `${name}=${percase ? "percase:" : ""}${cmd}` };
}

/** The testee itself is running (the gate's own command line carries the marker too). */
async function testeeRunning(marker: string): Promise<boolean> {
  const pattern = `^\\S+ run --no-check --allow-run \\S+hostile\\.ts \\S+ \\S+ ${marker}`;
  return (await new Deno.Command("pgrep", { args: ["-f", pattern], stdout: "null" }).output())
    .success;
}

/** Starts the gate on x86_64 restart seed runs; `env` adds variables. */
function gate(args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(Deno.execPath(), {
    // The permissions of `deno task conform` (not -A: Deno then refuses /proc, for one).
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      CLI,
      "--cases",
      "2",
      "--fuzz",
      "0",
      "--no-bundled",
      "--op",
      "restart",
      "--abi",
      "x86_64",
      "--profile",
      "seed",
      ...args,
    ],
    env: { NO_COLOR: "1", CRCONFORM_PROGRESS_MS: "100000", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Waits until `pred` holds (polling), up to `ms`. */
async function until(pred: () => Promise<boolean>, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("condition not met in time");
}

for (
  const [sig, code, percase] of [["SIGINT", 130, false], ["SIGTERM", 143, true]] as const
) {
  Deno.test(`${sig} mid-run (${percase ? "per case" : "persistent"}): partial reports marked interrupted, exit ${code}, no testee left`, async () => {
    const dir = await Deno.makeTempDir();
    // Slow, deaf to SIGTERM (and in persistent mode to end of input), and it starts an
    // escapee at request 1.
    const { marker, spec } = hostileImpl(
      "stubborn",
      `slow=150,ignore-term,${percase ? "" : "ignore-eof,"}setsid-grandchild`,
      "1",
      percase,
    );
    const child = gate([
      "--impl",
      spec,
      "--json",
      `${dir}/r.json`,
      "--junit",
      `${dir}/r.xml`,
      "--html",
      `${dir}/r.html`,
    ]);
    // Mid-run: the testee runs (persistent: request 1 has been answered, its escapee exists).
    await until(async () =>
      percase ? await testeeRunning(marker) : (await leftovers(`${marker}-setsid`)) !== ""
    );
    await new Promise((r) => setTimeout(r, percase ? 1500 : 300));
    const t0 = Date.now();
    child.kill(sig);
    const out = await child.output();
    const took = Date.now() - t0;
    const stdout = text(out.stdout), stderr = text(out.stderr);
    strictEqual(out.code, code, stdout + stderr);
    ok(took < 5000, `took ${took} ms to stop`);
    match(stderr, new RegExp(`conform: ${sig}: stopping`));
    match(stdout, /stubborn \(hostile-slow\): DOES NOT CONFORM/);
    match(stdout, new RegExp(`stopped early: interrupted by ${sig}; \\d+ runs not run`));
    match(stdout, new RegExp(`INTERRUPTED by ${sig}`));
    const json = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    const impl = json.implementations[0];
    strictEqual(json.conforms, false);
    strictEqual(impl.stopped, `interrupted by ${sig}`);
    // The io family's runs need a feature the hostile testee does not declare: skipped.
    const st = impl.results.filter((r: { id: string }) => !r.id.includes("/io/")).map((
      r: { status: string },
    ) => r.status);
    ok(st.includes("pass"), "the runs done are kept");
    ok(st.includes("not-run"), "the others are not-run");
    ok(st.every((s: string) => s === "pass" || s === "not-run"), [...new Set(st)].join(" "));
    match(
      impl.results.find((r: { status: string }) => r.status === "not-run").detail,
      new RegExp(`^not run: interrupted by ${sig}$`),
    );
    const xml = await Deno.readTextFile(`${dir}/r.xml`);
    match(xml, new RegExp(`interrupted by ${sig}`));
    match(await Deno.readTextFile(`${dir}/r.html`), new RegExp(`interrupted by ${sig}`));
    strictEqual(await settle(marker), "", "no testee process is left");
    await Deno.remove(dir, { recursive: true });
  });
}

Deno.test("a second SIGINT exits at once, and still leaves no testee behind", async () => {
  const { marker, spec } = hostileImpl("deaf", "hang-from,ignore-term,ignore-eof", "0");
  const child = gate(["--impl", spec, "--timeout", "60000"]);
  await until(() => testeeRunning(marker));
  await new Promise((r) => setTimeout(r, 300));
  child.kill("SIGINT");
  await new Promise((r) => setTimeout(r, 20));
  child.kill("SIGINT");
  const out = await child.output();
  strictEqual(out.code, 130, text(out.stdout) + text(out.stderr));
  // At once: the testee's grace (200 ms) was not waited for, no report was printed.
  ok(!text(out.stdout).includes("INTERRUPTED"), text(out.stdout));
  strictEqual(await settle(marker), "");
});

Deno.test("--max-timeouts: a testee that stops answering is given up on quickly and does not conform", async () => {
  const { marker, spec } = hostileImpl("mute", "hang-from", "5");
  const t0 = Date.now();
  const out = await gate(["--impl", spec, "--timeout", "300", "--max-timeouts", "2"]).output();
  const stdout = text(out.stdout);
  strictEqual(out.code, 1, stdout + text(out.stderr));
  ok(Date.now() - t0 < 20_000);
  match(stdout, /mute \(hostile-hang-from\): DOES NOT CONFORM/);
  match(stdout, /stopped early: gave up after 2 consecutive timeouts; \d+ runs not run/);
  match(stdout, /TIMEOUT restart\/x86_64\//);
  strictEqual(await settle(marker), "");
});

Deno.test("--impl-budget: a slow but correct testee is warned about with its rate, then stopped at its budget", async () => {
  const { marker, spec } = hostileImpl("sloth", "slow=20");
  const t0 = Date.now();
  const out = await gate(["--impl", spec, "--impl-budget", "2"]).output();
  const stdout = text(out.stdout), stderr = text(out.stderr);
  strictEqual(out.code, 1, stdout + stderr);
  ok(Date.now() - t0 < 20_000);
  match(stderr, /conform: sloth: slow: \d+ runs\/s; its \d+ runs take about .*beyond its budget/);
  match(stdout, /stopped early: its wall budget of 2\.0 s was spent; \d+ runs not run/);
  strictEqual(await settle(marker), "");
});

Deno.test("without a PID namespace (CRCONFORM_CONTAIN=group) the gate says escapes are possible", async () => {
  const { marker, spec } = hostileImpl("plain", "none");
  const out = await gate(["--impl", spec, "--filter", "restart/x86_64/head/*"], {
    CRCONFORM_CONTAIN: "group",
  }).output();
  strictEqual(out.code, 0, text(out.stdout) + text(out.stderr));
  match(text(out.stderr), /no PID namespace for testees here .*can outlive the run/);
  strictEqual(await settle(marker), "");
});
