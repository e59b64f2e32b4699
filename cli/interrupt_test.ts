// The gate under faults, end to end: interrupted by SIGINT or SIGTERM it
// writes every report asked for with what ran and an "interrupted" mark,
// exits 130/143 and leaves no testee behind; a second SIGINT exits at once;
// a testee that stops answering or is too slow is given up on, by the
// options --max-timeouts and --impl-budget.
import { leftovers, settle } from "../harness/testdata/leftovers.ts";
import { noPdeathsig, noPidNamespace } from "../harness/testdata/host.ts";
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

/**
 * Waits until `pred` holds (polling), up to a generous `ms`: on a loaded host (a load average of
 * 70 on 2 cores was seen) a per-case testee takes tens of seconds to start.
 */
async function until(pred: () => Promise<boolean>, ms = 600_000) {
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
      // Persistent: one request at a time, so that once the escapee of request 1 exists, the
      // answer to request 0 has been taken (a pass before the interrupt, on any host).
      ...(percase ? [] : ["--window", "1", "--timeout", "60000"]),
      "--json",
      `${dir}/r.json`,
      "--junit",
      `${dir}/r.xml`,
      "--html",
      `${dir}/r.html`,
      // Per case: results as they arrive, so the test sees a pass before it interrupts.
      ...(percase ? ["--jsonl", `${dir}/r.jsonl`] : []),
    ]);
    // Mid-run, once a run has its result, however slow the host: per case, a pass is in the
    // JSON Lines stream; persistent, request 1's escapee exists, so request 0 has its result.
    await until(async () =>
      percase
        ? /"status":"pass"/.test(await Deno.readTextFile(`${dir}/r.jsonl`).catch(() => ""))
        : (await leftovers(`${marker}-setsid`)) !== ""
    );
    child.kill(sig);
    const out = await child.output();
    const stdout = text(out.stdout), stderr = text(out.stderr);
    strictEqual(out.code, code, stdout + stderr);
    match(stderr, new RegExp(`conform: ${sig}: stopping`));
    match(stdout, /stubborn \(hostile-slow\): DOES NOT CONFORM/);
    match(stdout, new RegExp(`stopped early: interrupted by ${sig}; \\d+ runs not run`));
    match(stdout, new RegExp(`INTERRUPTED by ${sig}`));
    const json = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    const impl = json.implementations[0];
    strictEqual(json.conforms, false);
    strictEqual(impl.stopped, `interrupted by ${sig}`);
    // Runs that need a feature the hostile testee does not declare (the io family's, a file
    // without a method) are skipped.
    const st = impl.results.filter((r: { status: string; detail?: string }) =>
      !(r.status === "skipped" && /^feature /.test(r.detail ?? ""))
    ).map((r: { status: string }) => r.status);
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
  // The second SIGINT once the gate has taken the first (it says so), within the testee's grace.
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  child.kill("SIGINT");
  while (!stderr.includes("SIGINT: stopping")) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += value;
  }
  child.kill("SIGINT");
  for (let r = await reader.read(); !r.done; r = await reader.read()) stderr += r.value;
  const out = { code: (await child.status).code, stdout: await new Response(child.stdout).bytes() };
  strictEqual(out.code, 130, text(out.stdout) + stderr);
  // At once: the testee's grace (200 ms) was not waited for, no report was printed.
  ok(!text(out.stdout).includes("INTERRUPTED"), text(out.stdout));
  strictEqual(await settle(marker), "");
});

Deno.test("--max-timeouts: a testee that stops answering is given up on quickly and does not conform", async () => {
  const { marker, spec } = hostileImpl("mute", "hang-from", "5");
  // A timeout wide enough for the answers before request 5 on a loaded host.
  const out = await gate(["--impl", spec, "--timeout", "1500", "--max-timeouts", "2"]).output();
  const stdout = text(out.stdout);
  strictEqual(out.code, 1, stdout + text(out.stderr));
  match(stdout, /mute \(hostile-hang-from\): DOES NOT CONFORM/);
  match(stdout, /stopped early: gave up after 2 consecutive timeouts; \d+ runs not run/);
  match(stdout, /TIMEOUT restart\/x86_64\//);
  strictEqual(await settle(marker), "");
});

Deno.test("--impl-budget: a slow but correct testee is warned about with its rate, then stopped at its budget", async () => {
  // Slow by construction: 100 ms a run, whatever the CPU, so its ~3,700 runs take about 370 s,
  // six times the gate's 60 s slow mark; the warning comes after 0.5 s and a few answers,
  // which the 15 s budget leaves a cold start on a loaded host plenty of time for.
  const { marker, spec } = hostileImpl("sloth", "slow=100");
  const out = await gate(["--impl", spec, "--impl-budget", "15"]).output();
  const stdout = text(out.stdout), stderr = text(out.stderr);
  strictEqual(out.code, 1, stdout + stderr);
  match(
    stderr,
    /conform: sloth: slow: [\d.]+ runs\/s; its \d+ runs take about .*beyond its budget/,
  );
  match(stdout, /stopped early: its wall budget of 15\.0 s was spent; \d+ runs not run/);
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

Deno.test({
  name:
    "SIGKILL of the gate leaves nothing behind: a testee deaf to end of input and SIGTERM, and its setsid() grandchild",
  // The namespace takes the grandchild; the parent-death signal takes the namespace.
  ignore: (noPidNamespace() ?? noPdeathsig()) !== undefined,
  async fn() {
    const { marker, spec } = hostileImpl(
      "immortal",
      "hang-from,ignore-term,ignore-eof,setsid-grandchild",
      "1",
    );
    const child = gate(["--impl", spec, "--timeout", "600000", "--window", "1"]);
    // Request 1 started the grandchild (in its own session) and hangs: both are running.
    await until(async () => (await leftovers(`${marker}-setsid`)) !== "");
    ok(await testeeRunning(marker), "the testee runs");
    child.kill("SIGKILL");
    strictEqual((await child.status).signal, "SIGKILL");
    await child.stdout.cancel();
    await child.stderr.cancel();
    // Polled, with a generous bound: the kernel's kills take their time on a loaded host.
    const left = await settle(marker);
    for (const line of left.split("\n").filter(Boolean)) {
      try {
        Deno.kill(Number(line.split(" ")[0]), "SIGKILL"); // not to leave them to the next test
      } catch { /* gone */ }
    }
    strictEqual(left, "", "no process is left");
  },
});
