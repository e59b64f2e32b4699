/**
 * `deno task bench [--million] [--pair]`: throughput, reported as cases per second
 * with the machine it ran on. Rows: the reference in process (computing
 * every outcome; and restarts of well-formed images, beside the shadow path
 * alone); the persistent protocol against the minimal C testee and
 * the C implementation, window 1 and pipelined; one process per case; and
 * the end-to-end pair — the whole `deno task conform` command against the C
 * implementation (wall clock, generation and start-up included) beside the
 * C implementation alone on the same requests, with their ratio (the median
 * of five rounds), and the gate's cost per run beyond its fixed part (the
 * gate on `--cases 6400` against `--cases 800`). With `--million`, also about 10^5 and 10^6 case runs end
 * to end, streamed through `conform` and fuzzed through `fuzz`, with the
 * peak RSS; with `--pair`, the end-to-end pair alone.
 *
 * @module
 */
import { buildCases } from "../cases/suite.ts";
import { restart, restartShadow } from "../reference/restart.ts";
import { type Profile, PROFILES, type RestartEnv } from "../reference/types.ts";
import { buildC, buildSingleC } from "../harness/build.ts";
import { plainRequest, requestOf } from "../harness/compare.ts";
import type { Request } from "../protocol/codec.ts";
import { encodeFrames } from "../protocol/encode.ts";
import { selectRuns } from "../harness/runner.ts";
import { PerCaseTestee } from "../harness/percase_testee.ts";
import { ProcessTestee } from "../harness/process_testee.ts";
import { ReferenceTestee } from "../harness/reference_testee.ts";
import type { Testee } from "../protocol/testee.ts";

const ROOT = new URL("../", import.meta.url).pathname;

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

/**
 * Restarts per second of the reference in process (`restart()`, and the
 * shadow path alone for comparison) on the well-formed images of a suite:
 * those whose outcome is success with every comm byte defined, both ABIs,
 * both profiles; each path timed for about a second, one core.
 */
export function referenceRestartRates(): { images: number; restart: number; shadow: number } {
  const images: { image: Uint8Array; env: RestartEnv; profile: Profile }[] = [];
  for (const c of buildCases({ cases: 2000, fuzz: 0 })) {
    if (c.op !== "restart") continue;
    for (const profile of PROFILES) {
      const o = restart(c.image, c.env, profile);
      if (o.decision.check === "ok" && o.commDefined.every((d) => d)) {
        images.push({ image: c.image, env: c.env, profile });
      }
    }
  }
  const rate = (f: (i: (typeof images)[number]) => unknown) => {
    for (const i of images) f(i); // warm-up
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 1000) {
      for (const i of images) f(i);
      n += images.length;
    }
    return n / ((performance.now() - t0) / 1000);
  };
  return {
    images: images.length,
    restart: rate((i) => restart(i.image, i.env, i.profile)),
    shadow: rate((i) => restartShadow(i.image, i.env, i.profile)),
  };
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

/**
 * The whole gate as a user runs it: `conform.ts ARGS`, wall clock; returns
 * case runs per second (from its summary line) and its peak RSS in MiB.
 */
async function endToEnd(
  args: string[],
  script = "cli/conform.ts",
): Promise<{ rate: number; runs: number; seconds: number; rssMiB: number }> {
  const t0 = performance.now();
  const r = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "maxrss %M", Deno.execPath(), "run", "-A", `${ROOT}${script}`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output().catch(async () =>
    await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}${script}`, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output()
  );
  const s = (performance.now() - t0) / 1000;
  const out = new TextDecoder().decode(r.stdout);
  const m = [...out.matchAll(/(\d+) (?:case )?runs/g)].at(-1); // the summary line is last
  if (r.code !== 0 || !m) {
    throw new Error(`conform ${args.join(" ")} exited ${r.code}:\n${out.slice(-2000)}`);
  }
  const rss = /maxrss (\d+)/.exec(new TextDecoder().decode(r.stderr));
  return {
    rate: Number(m[1]) / s,
    runs: Number(m[1]),
    seconds: s,
    rssMiB: rss ? Number(rss[1]) / 1024 : NaN,
  };
}

if (import.meta.main) {
  const runs = selectRuns(buildCases({ abis: ["x86_64"] }), { profiles: ["seed"] });
  const restarts = runs.filter((r) => r.case.op === "restart").map(requestOf);
  // Copies: a request made by the runner carries the reference's result, which the
  // reference testee would reuse instead of computing.
  const all = runs.map((r) => plainRequest(requestOf(r)));
  const minimal = await buildSingleC("harness/testdata/minimal.c");
  const c = await buildC();
  const rows: [string, number][] = [];
  const row = async (name: string, t: Testee, reqs: readonly Request[], rounds: number) => {
    await throughput(t, reqs.slice(0, 200), 1); // warm-up
    rows.push([name, await throughput(t, reqs, rounds)]);
  };
  // `--pair`: the end-to-end pair alone (the quick way to see the ratio).
  if (!Deno.args.includes("--pair")) {
    await row("reference, in process (all ops)", new ReferenceTestee(), all, 5);
    const ref = referenceRestartRates();
    rows.push([`reference restart(), ${ref.images} well-formed images, one core`, ref.restart]);
    rows.push(["the same through the shadow path alone (definedness per byte)", ref.shadow]);
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
    rows.push([
      "impls/c alone: requests from a file, answers to /dev/null",
      await alone(c, all, 20),
    ]);
    await row(
      "impls/c, one process per case, 2 at a time",
      new PerCaseTestee("c", c, { window: 2 }),
      all.slice(0, 400),
      1,
    );
  }
  // The end-to-end pair: the gate on `--cases 6400` against impls/c, and impls/c alone on
  // the same requests.
  const [CASES, SMALL_CASES] = [6400, 800];
  const gateArgs = (cases: number) => [
    "--no-bundled",
    "--impl",
    `c=${c}`,
    "--cases",
    String(cases),
    "--fuzz",
    "0",
    "--no-shrink",
  ];
  const sameRuns = selectRuns(buildCases({ cases: CASES, fuzz: 0 })).map((r) =>
    plainRequest(requestOf(r))
  );
  // Five rounds, each the gate (on CASES and on SMALL_CASES generated cases) then the C
  // implementation alone, so that all three see the same machine; the rows are the medians, and
  // each round's ratio is printed. The two gate sizes split the gate's time into a fixed part
  // (start-up, the JIT warming up) and a cost per run: the ratio the gate tends to as the suite
  // grows.
  const rounds: {
    gate: Awaited<ReturnType<typeof endToEnd>>;
    small: Awaited<ReturnType<typeof endToEnd>>;
    alone: number;
  }[] = [];
  for (let i = 0; i < 5; i++) {
    rounds.push({
      gate: await endToEnd(gateArgs(CASES)),
      small: await endToEnd(gateArgs(SMALL_CASES)),
      alone: await alone(c, sameRuns, 3),
    });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const gate = rounds[0]!.gate;
  const gateRate = median(rounds.map((r) => r.gate.rate));
  const cAlone = median(rounds.map((r) => r.alone));
  const perRun = rounds.map((r) =>
    (r.gate.seconds - r.small.seconds) / (r.gate.runs - r.small.runs)
  );
  const marginal = 1 / median(perRun);
  const fixed = median(rounds.map((r, i) => r.gate.seconds - r.gate.runs * perRun[i]!));
  rows.push([
    `gate end to end: conform ${
      gateArgs(CASES).slice(3).join(" ")
    } vs impls/c (${gate.runs} runs, peak RSS ${gate.rssMiB.toFixed(0)} MiB)`,
    gateRate,
  ]);
  rows.push([
    `the gate per run beyond its fixed part (--cases ${CASES} against ${SMALL_CASES}: ${
      gate.runs - rounds[0]!.small.runs
    } runs more)`,
    marginal,
  ]);
  rows.push(["impls/c alone on the same requests", cAlone]);
  const notes = [
    `end to end / alone: ${median(rounds.map((r) => r.gate.rate / r.alone)).toFixed(2)} (rounds: ${
      rounds.map((r) => (r.gate.rate / r.alone).toFixed(2)).join(", ")
    })`,
    `per run / alone: ${(marginal / cAlone).toFixed(2)}; the gate's fixed part: ${
      fixed.toFixed(2)
    } s of its ${median(rounds.map((r) => r.gate.seconds)).toFixed(2)} s`,
  ];
  if (Deno.args.includes("--million")) {
    // At scale, memory stays flat: conform streams a large suite, and fuzz runs in batches.
    for (const cases of [16_000, 166_000]) {
      const big = await endToEnd([
        "--no-bundled",
        "--impl",
        `c=${c}`,
        "--cases",
        String(cases),
        "--fuzz",
        "0",
        "--no-shrink",
        "-q",
        "--stream",
      ]);
      rows.push([
        `deno task conform --cases ${cases} --stream against impls/c (${big.runs} runs), end to end, peak RSS ${
          big.rssMiB.toFixed(0)
        } MiB`,
        big.rate,
      ]);
    }
    for (const runs of [100_000, 1_000_000]) {
      const big = await endToEnd(
        ["--impl", `c=${c}`, "--runs", String(runs), "--corpus", "/dev/null"],
        "cli/fuzz.ts",
      );
      rows.push([
        `deno task fuzz --runs ${runs} against impls/c, end to end, peak RSS ${
          big.rssMiB.toFixed(0)
        } MiB`,
        big.rate,
      ]);
    }
  }
  console.log(`machine: ${await machine()}`);
  console.log("| path | cases/s |\n|---|---:|");
  for (const [name, v] of rows) {
    console.log(`| ${name} | ${Math.round(v).toLocaleString("en-US")} |`);
  }
  for (const n of notes) console.log(n);
}
