/**
 * `deno task conform`: the conformance gate. Runs the suite against the
 * reference, the bundled implementations and any `--impl NAME=CMD`, prints a
 * report, and exits 0 when every implementation conforms, 1 when one does
 * not, 2 on a usage or setup error.
 *
 * @module
 */
import { abiNames } from "../reference/abi.ts";
import { parseArgs } from "node:util";
import type { AbiName } from "../reference/layout.ts";
import { type Profile, PROFILES } from "../reference/types.ts";
import { buildCases } from "../cases/suite.ts";
import { shrink } from "../cases/shrink.ts";
import { generated } from "../cases/generate.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import {
  type CaseResult,
  compare,
  expectedOf,
  formatDifference,
  requestOf,
} from "../harness/compare.ts";
import {
  type Expectation,
  ExpectError,
  isFailure,
  parseExpectations,
  updatedExpectations,
} from "../harness/expect.ts";
import { consoleReport, jsonReport, junitReport } from "../harness/report.ts";
import { conforms, type ImplReport, runImpl, selectRuns } from "../harness/runner.ts";
import { bundledTestees, type Entry } from "./bundled.ts";
import { PerCaseTestee } from "../harness/percase_testee.ts";
import { ProcessTestee } from "../harness/process_testee.ts";
import type { Testee } from "../protocol/testee.ts";
import type { CaseRun } from "../cases/types.ts";

const USAGE = `usage: deno task conform [options]

Runs the crconform suite against the reference model, the bundled
implementations and any --impl, and exits 0 (conforming), 1 (not
conforming) or 2 (usage or setup error).

  --impl NAME=CMD        add a testee started as \`sh -c CMD\` (persistent mode);
                         NAME=percase:CMD runs \`CMD OP\` once per case
  --only NAME            run only this implementation (repeatable)
  --no-bundled           do not run the bundled implementations
  --filter GLOB          keep result ids matching GLOB (repeatable; * and ?)
  --abi ABI              x86_64 or i386 (repeatable)
  --profile P            seed or hardened (repeatable)
  --shard K/N            run shard K of N (deterministic split by case id)
  --seed S               generator seed (default 1)
  --cases N              generated task states per ABI (default 64)
  --expect FILE          known failures (see harness/expect.ts for the format)
  --update-expect        rewrite --expect FILE from this run's failures
  --json FILE            write every result as JSON
  --junit FILE           write JUnit XML
  --timeout MS           per-case timeout (default 5000)
  --window N             requests in flight per testee (default 64)
  --max-failures N       failures printed in full per implementation (default 10)
  --no-shrink            do not shrink failing generated cases
  --kernel               also run the live patched kernels in QEMU (builds them
                         on first use: about 15 minutes cold, then seconds)
  --list                 print the selected result ids and exit
  -h, --help             this text`;

class UsageError extends Error {}

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      impl: { type: "string", multiple: true },
      only: { type: "string", multiple: true },
      "no-bundled": { type: "boolean" },
      filter: { type: "string", multiple: true },
      abi: { type: "string", multiple: true },
      profile: { type: "string", multiple: true },
      shard: { type: "string" },
      seed: { type: "string" },
      cases: { type: "string" },
      expect: { type: "string" },
      "update-expect": { type: "boolean" },
      json: { type: "string" },
      junit: { type: "string" },
      timeout: { type: "string" },
      window: { type: "string" },
      "max-failures": { type: "string" },
      "no-shrink": { type: "boolean" },
      kernel: { type: "boolean" },
      list: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  const int = (name: string, v: string | undefined, def: number, min: number) => {
    if (v === undefined) return def;
    if (!/^[0-9]+$/.test(v) || Number(v) < min) {
      throw new UsageError(`--${name}: expected an integer >= ${min}, found ${v}`);
    }
    return Number(v);
  };
  for (const a of values.abi ?? []) {
    if (!abiNames().includes(a as AbiName)) {
      throw new UsageError(`--abi: expected ${abiNames().join(" or ")}, found ${a}`);
    }
  }
  for (const p of values.profile ?? []) {
    if (!PROFILES.includes(p as Profile)) {
      throw new UsageError(`--profile: expected seed or hardened, found ${p}`);
    }
  }
  let shard: { k: number; n: number } | undefined;
  if (values.shard !== undefined) {
    const m = /^([0-9]+)\/([0-9]+)$/.exec(values.shard);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
      throw new UsageError(`--shard: expected K/N with 1 <= K <= N, found ${values.shard}`);
    }
    shard = { k: Number(m[1]), n: Number(m[2]) };
  }
  const impls = (values.impl ?? []).map((spec) => {
    const eq = spec.indexOf("=");
    if (eq < 1 || eq === spec.length - 1) {
      throw new UsageError(`--impl: expected NAME=CMD, found ${spec}`);
    }
    const name = spec.slice(0, eq);
    const cmd = spec.slice(eq + 1);
    return cmd.startsWith("percase:")
      ? { name, cmd: cmd.slice(8), percase: true }
      : { name, cmd, percase: false };
  });
  if (values["update-expect"] && !values.expect) {
    throw new UsageError("--update-expect needs --expect FILE");
  }
  return {
    ...values,
    impls,
    shard,
    seed: int("seed", values.seed, 1, 0),
    cases: int("cases", values.cases, 64, 0),
    timeout: int("timeout", values.timeout, 5000, 1),
    window: int("window", values.window, 64, 1),
    maxFailures: int("max-failures", values["max-failures"], 10, 0),
  };
}

const quote = (s: string) => (/^[\w@%+=:,./*-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Runs the CLI and returns its exit code. */
export async function main(args: string[]): Promise<number> {
  let o: ReturnType<typeof parse>;
  try {
    o = parse(args);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  let expectations: Expectation[] = [];
  if (o.expect) {
    try {
      expectations = parseExpectations(
        await Deno.readTextFile(o.expect).catch((e) => {
          if (e instanceof Deno.errors.NotFound && o["update-expect"]) return "";
          throw e;
        }),
      );
    } catch (e) {
      console.error(
        `--expect ${o.expect}: ${e instanceof ExpectError ? e.message : (e as Error).message}`,
      );
      return 2;
    }
  }
  const cases = buildCases({ seed: o.seed, cases: o.cases, abis: o.abi as AbiName[] | undefined });
  const sel = {
    filters: o.filter,
    abis: o.abi as AbiName[],
    profiles: o.profile as Profile[],
    shard: o.shard,
  };
  const runs = selectRuns(cases, sel);
  if (o.list) {
    for (const r of runs) console.log(`${r.rid}\t${r.class}\t${r.case.reason}`);
    return 0;
  }
  const popts = { timeoutMs: o.timeout, window: o.window };
  let entries: Entry[] = [];
  const specs = new Map<string, string>();
  try {
    if (!o["no-bundled"]) entries.push(...await bundledTestees(popts, { kernel: o.kernel }));
    for (const i of o.impls) {
      specs.set(i.name, `${i.name}=${i.percase ? "percase:" : ""}${i.cmd}`);
      entries.push({
        testee: i.percase
          ? new PerCaseTestee(i.name, i.cmd, popts)
          : new ProcessTestee(i.name, i.cmd, popts),
      });
    }
  } catch (e) {
    console.error(`setup: ${(e as Error).message}`);
    return 2;
  }
  if (o.only?.length) entries = entries.filter((e) => o.only!.includes(e.testee.name));
  if (!entries.length) {
    console.error("no implementation to run (check --only and --impl)");
    return 2;
  }
  const rerun = (impl: string, r: CaseResult) => {
    const parts = ["deno task conform", "--only", quote(impl)];
    if (specs.has(impl)) parts.push("--impl", quote(specs.get(impl)!));
    parts.push("--filter", quote(r.rid));
    if (r.run.case.origin) {
      parts.push(
        "--seed",
        String(r.run.case.origin.seed),
        "--cases",
        String(r.run.case.origin.index + 1),
      );
    }
    return parts.join(" ");
  };
  const tty = Deno.stderr.isTerminal();
  const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  const progress = tty
    ? (impl: string, done: number, total: number) => {
      Deno.stderr.writeSync(
        new TextEncoder().encode(`\r${impl}: ${done}/${total}${done === total ? "\n" : ""}`),
      );
    }
    : undefined;
  const reports: ImplReport[] = [];
  const extra = new Map<string, string[]>();
  const t0 = performance.now();
  let total = 0;
  for (const { testee: t, cases: own } of entries) {
    const mine = own ? selectRuns(own(), sel) : runs;
    total += mine.length;
    const rep = await runImpl(t, mine, expectations, progress);
    reports.push(rep);
    if (!o["no-shrink"]) {
      const lines = await shrinkFirst(
        t,
        rep,
        specs.get(t.name) ? () => rebuild(t, specs.get(t.name)!, popts) : undefined,
      );
      if (lines.length) extra.set(t.name, lines);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(consoleReport(reports, { color, maxFailures: o.maxFailures, rerun, extra }));
  console.log(`${total} case runs, ${reports.length} implementations, ${seconds.toFixed(2)} s`);
  const meta = { seed: o.seed, cases: o.cases, shard: o.shard ?? null, runs: total, seconds };
  if (o.json) await Deno.writeTextFile(o.json, JSON.stringify(jsonReport(reports, meta), null, 1));
  if (o.junit) await Deno.writeTextFile(o.junit, junitReport(reports, rerun));
  if (o["update-expect"] && o.expect) {
    const failures = new Map<string, string[]>();
    const passes = new Map<string, Set<string>>();
    for (const rep of reports) {
      failures.set(
        rep.name,
        rep.results.filter((r) => isFailure(r.status) || r.status === "xfail").map((r) => r.rid),
      );
      passes.set(
        rep.name,
        new Set(
          rep.results.filter((r) => r.status === "pass" || r.status === "xpass").map((r) => r.rid),
        ),
      );
    }
    await Deno.writeTextFile(o.expect, updatedExpectations(expectations, failures, passes));
    console.log(`rewrote ${o.expect}`);
  }
  if (reports.some((r) => r.setupError)) return 2;
  return reports.every(conforms) ? 0 : 1;
}

function rebuild(t: Testee, spec: string, popts: { timeoutMs: number; window: number }): Testee {
  const cmd = spec.slice(spec.indexOf("=") + 1);
  return cmd.startsWith("percase:")
    ? new PerCaseTestee(t.name, cmd.slice(8), popts)
    : new ProcessTestee(t.name, cmd, popts);
}

/** Shrinks the first failing generated checkpoint or restart case of an implementation. */
async function shrinkFirst(t: Testee, rep: ImplReport, fresh?: () => Testee): Promise<string[]> {
  const first = rep.results.find((r) => r.status === "fail" && r.run.case.origin);
  if (!first || !first.run.case.origin) return [];
  const { seed, index } = first.run.case.origin;
  const abi = first.run.case.abi;
  const start = generated(seed, index, abi);
  const testee = fresh ? fresh() : t;
  try {
    await testee.start();
  } catch {
    return [];
  }
  const runOf = (c: { state: typeof start.state; env: typeof start.env }): CaseRun => {
    if (first.run.case.op === "checkpoint") {
      return {
        ...first.run,
        case: { ...first.run.case, op: "checkpoint", state: c.state, env: c.env },
      };
    }
    const image = checkpoint(c.state, c.env).image;
    return {
      ...first.run,
      case: {
        ...first.run.case,
        op: "restart",
        image,
        env: { ...first.run.case.env, kernel: c.env.kernel, counter: c.env.counter },
      },
    };
  };
  const result = await shrink(start, async (c) => {
    const run = runOf(c);
    let failed = false;
    await testee.run([requestOf(run)], (_, outcome) => {
      failed = compare(run, expectedOf(run), outcome).status === "fail";
    });
    return failed;
  });
  await testee.close();
  const run = runOf(result.minimal);
  let diff = "";
  const again = fresh ? fresh() : t;
  try {
    await again.start();
    await again.run([requestOf(run)], (_, outcome) => {
      diff = compare(run, expectedOf(run), outcome).differences.map(formatDifference)[0] ?? "";
    });
  } catch { /* the shrink summary is best effort */ }
  await again.close();
  return [
    `shrunk ${first.rid} in ${result.tries} tries: still fails with only ${
      result.essential.length ? result.essential.join(", ") : "defaults"
    } left as generated`,
    ...(diff ? [`  minimal difference: ${diff}`] : []),
  ];
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (e) {
    // A setup problem we did not foresee (an unwritable --json path, say): one line, exit 2.
    console.error(`conform: ${(e as Error).message}`);
    code = 2;
  }
  Deno.exit(code);
}
