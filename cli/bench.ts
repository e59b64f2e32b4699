/**
 * `deno task bench`: harness throughput, reported as cases per second with
 * the machine it ran on. Rows: the reference in process; the persistent
 * protocol against the minimal C testee and the C implementation, window 1
 * and pipelined (64 and 256 requests in flight); one process per case.
 *
 * @module
 */
import { buildCases } from "../cases/suite.ts";
import { buildC } from "../harness/build.ts";
import { requestOf } from "../harness/compare.ts";
import { encodeFrames, type Request } from "../protocol/codec.ts";
import { selectRuns } from "../harness/runner.ts";
import { PerCaseTestee } from "../harness/percase_testee.ts";
import { ProcessTestee } from "../harness/process_testee.ts";
import { ReferenceTestee } from "../harness/reference_testee.ts";
import type { Testee } from "../protocol/testee.ts";

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
  // /proc files report size 0, so read cpuinfo through a command.
  const out = await new Deno.Command("sh", {
    args: ["-c", "grep -m1 'model name' /proc/cpuinfo"],
    stdout: "piped",
  })
    .output().catch(() => undefined);
  const cpu = out ? new TextDecoder().decode(out.stdout).split(":")[1]?.trim() : undefined;
  return `${navigator.hardwareConcurrency} cores, ${
    cpu || "unknown CPU"
  }, Deno ${Deno.version.deno}`;
}

/** The C testee alone: framed requests from a file, answers to /dev/null; cases per second. */
async function alone(bin: string, reqs: readonly Request[], rounds: number): Promise<number> {
  const file = await Deno.makeTempFile({ suffix: ".frames" });
  const one = encodeFrames(reqs, 0, reqs.length);
  const f = await Deno.open(file, { write: true });
  for (let i = 0; i < rounds; i++) await f.write(one);
  f.close();
  const t0 = performance.now();
  const r = await new Deno.Command("sh", { args: ["-c", `"$0" < "$1" > /dev/null`, bin, file] })
    .output();
  const s = (performance.now() - t0) / 1000;
  await Deno.remove(file);
  if (!r.success) throw new Error(`${bin} failed on the request file`);
  return (reqs.length * rounds) / s;
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
  for (
    const [name, bin, reqs] of [["minimal C testee", minimal, restarts], [
      "impls/c",
      c,
      all,
    ]] as const
  ) {
    for (const window of [1, 64, 256]) {
      await row(
        `${name}, persistent, window ${window}`,
        new ProcessTestee(name, bin, { window }),
        reqs,
        window === 1 ? 2 : 10,
      );
    }
  }
  rows.push(["impls/c alone: requests from a file, answers to /dev/null", await alone(c, all, 20)]);
  await row(
    "impls/c, one process per case, 2 at a time",
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
