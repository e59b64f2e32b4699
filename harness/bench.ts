/**
 * `deno task bench`: harness throughput, reported as cases per second with
 * the machine it ran on. Rows: the reference in process; the persistent
 * protocol against the minimal C testee and the C implementation, window 1
 * and pipelined; one process per case.
 *
 * @module
 */
import { buildCases } from "../cases/suite.ts";
import { buildC } from "./build.ts";
import { requestOf } from "./compare.ts";
import type { Request } from "./protocol.ts";
import { selectRuns } from "./runner.ts";
import { PerCaseTestee, ProcessTestee, ReferenceTestee, type Testee } from "./testee.ts";

const ROOT = new URL("../", import.meta.url).pathname;

async function buildMinimal(): Promise<string> {
  const out = `${ROOT}.cache/bench`;
  await Deno.mkdir(out, { recursive: true });
  const bin = `${out}/minimal`;
  const r = await new Deno.Command("gcc", {
    args: ["-std=c99", "-O2", "-o", bin, `${ROOT}harness/testdata/minimal.c`],
  }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return bin;
}

/** Runs `requests` through a testee `rounds` times; returns cases per second. */
export async function throughput(
  t: Testee,
  requests: readonly Request[],
  rounds: number,
): Promise<number> {
  await t.start();
  let answered = 0;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    await t.run(requests, (_, o) => {
      if (o.status === "answer") answered++;
    });
  }
  const s = (performance.now() - t0) / 1000;
  await t.close();
  if (answered !== requests.length * rounds) {
    throw new Error(`${t.name}: ${answered} answers of ${requests.length * rounds}`);
  }
  return (requests.length * rounds) / s;
}

async function machine(): Promise<string> {
  const cpu =
    (await Deno.readTextFile("/proc/cpuinfo").catch(() => "")).match(/model name\s*:\s*(.*)/)
      ?.[1] ?? "unknown CPU";
  return `${navigator.hardwareConcurrency} cores, ${cpu}, Deno ${Deno.version.deno}`;
}

if (import.meta.main) {
  const runs = selectRuns(buildCases({ abis: ["x86_64"] }), { profiles: ["seed"] });
  const restarts = runs.filter((r) => r.case.op === "restart").map(requestOf);
  const all = runs.map(requestOf);
  const minimal = await buildMinimal();
  const c = await buildC();
  const rows: [string, number][] = [];
  const row = async (name: string, t: Testee, reqs: readonly Request[], rounds: number) => {
    await throughput(t, reqs.slice(0, 200), 1); // warm-up
    rows.push([name, await throughput(t, reqs, rounds)]);
  };
  await row("reference, in process (all ops)", new ReferenceTestee(), all, 5);
  await row(
    "minimal C testee, persistent, window 1",
    new ProcessTestee("minimal", minimal, { window: 1 }),
    restarts,
    3,
  );
  await row(
    "minimal C testee, persistent, window 64",
    new ProcessTestee("minimal", minimal, { window: 64 }),
    restarts,
    10,
  );
  await row("impls/c, persistent, window 1", new ProcessTestee("c", c, { window: 1 }), all, 3);
  await row("impls/c, persistent, window 64", new ProcessTestee("c", c, { window: 64 }), all, 10);
  await row(
    "impls/c, one process per case",
    new PerCaseTestee("c", c, { window: 2 }),
    all.slice(0, 400),
    1,
  );
  console.log(`machine: ${await machine()}`);
  console.log("| path | cases/s |\n|---|---:|");
  for (const [name, v] of rows) {
    console.log(`| ${name} | ${Math.round(v).toLocaleString("en-US")} |`);
  }
}
