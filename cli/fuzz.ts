/**
 * `deno task fuzz`: differential fuzzing of one implementation against the
 * reference. Generates structure-aware fuzz cases (`cases/fuzz.ts`) batch
 * after batch, compares every defined value, prints progress, and on a
 * failure shrinks the input (fewest bytes, then simplest values) and
 * appends it to a corpus file that `deno task conform --replay FILE`
 * replays. Exits 0 when nothing failed, 1 when something did, 2 on a usage
 * or setup error.
 *
 * @example
 * ```sh
 * deno task fuzz --impl c --seconds 30
 * deno task fuzz --impl 'mine=./my-testee' --runs 1000000 --seed 7 --corpus found.jsonl
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { abiNames } from "../reference/abi.ts";
import type { AbiName } from "../reference/layout.ts";
import { caseToLine } from "../cases/corpus.ts";
import { fuzzCases } from "../cases/fuzz.ts";
import { shrinkCase } from "../cases/shrink.ts";
import { shrinkSpeculative } from "./speculative_shrink.ts";
import { caseRuns } from "../cases/suite.ts";
import type { Case, CaseRun } from "../cases/types.ts";
import { cellOf, declaredCells } from "../harness/cells.ts";
import {
  type CaseResult,
  compare,
  expectedOf,
  formatDifference,
  requestOf,
} from "../harness/compare.ts";
import { isFailure } from "../harness/expect.ts";
import { PerCaseTestee } from "../harness/percase_testee.ts";
import { ProcessTestee } from "../harness/process_testee.ts";
import { type Hello, helloAccepts } from "../protocol/codec.ts";
import type { Testee } from "../protocol/testee.ts";
import { bundledTestees } from "./bundled.ts";
import { gateCommand } from "./gate_command.ts";
import { UsageError } from "./options.ts";

const USAGE = `usage: deno task fuzz --impl NAME[=CMD] [options]

Differential fuzzing against the reference: every defined value compared.
Failures are shrunk and appended to the corpus file.

  --impl NAME=CMD      the testee (persistent mode; NAME=percase:CMD per case),
                       or NAME alone for a bundled one (c, seed-c-x86_64, ...)
  --runs N             stop after N case runs (default 100000)
  --seconds S          stop after S seconds (whichever comes first)
  --seed S             fuzz seed (default 1)
  --start I            first case index (default 0)
  --abi ABI            only this ABI (repeatable)
  --batch N            cases per ABI per batch (default 250, 100000 for a live
                       kernel: one boot per batch; memory grows with it)
  --corpus FILE        where shrunk failures go (default fuzz-corpus.jsonl)
  --max-failures N     stop after N failures (default 5)
  --timeout MS         per-case timeout (default 5000)
  -h, --help           this text`;

interface FuzzOptions {
  impl: string;
  runs: number;
  seconds: number;
  seed: number;
  start: number;
  abis: string[];
  batch: number | undefined;
  corpus: string;
  maxFailures: number;
  timeout: number;
}

function parse(args: string[]): FuzzOptions | "help" {
  let v;
  try {
    v = parseArgs({
      args,
      options: {
        impl: { type: "string" },
        runs: { type: "string" },
        seconds: { type: "string" },
        seed: { type: "string" },
        start: { type: "string" },
        abi: { type: "string", multiple: true },
        batch: { type: "string" },
        corpus: { type: "string" },
        "max-failures": { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (v.help) return "help";
  const int = (name: string, s: string | undefined, def: number, min: number) => {
    if (s === undefined) return def;
    if (!/^[0-9]+$/.test(s) || Number(s) < min || !Number.isSafeInteger(Number(s))) {
      throw new UsageError(`--${name}: expected an integer >= ${min}, found ${s}`);
    }
    return Number(s);
  };
  if (!v.impl) throw new UsageError("--impl is required");
  for (const a of v.abi ?? []) {
    if (!abiNames().includes(a)) {
      throw new UsageError(`--abi: expected ${abiNames().join(" or ")}, found ${a}`);
    }
  }
  return {
    impl: v.impl,
    runs: int("runs", v.runs, 100_000, 1),
    seconds: int("seconds", v.seconds, Number.MAX_SAFE_INTEGER, 1),
    seed: int("seed", v.seed, 1, 0),
    start: int("start", v.start, 0, 0),
    abis: v.abi ?? [...abiNames()],
    batch: v.batch === undefined ? undefined : int("batch", v.batch, 250, 1),
    corpus: v.corpus ?? "fuzz-corpus.jsonl",
    maxFailures: int("max-failures", v["max-failures"], 5, 1),
    timeout: int("timeout", v.timeout, 5000, 1),
  };
}

/** The testee named by `--impl`: a factory of fresh instances, and how to fuzz it. */
interface Target {
  /** A fresh instance. */
  fresh: () => Testee;
  /** Fuzz case `index` of `seed` when the generic ones do not fit it (a live kernel). */
  fuzzCase?: (seed: number, index: number, abi: AbiName) => Case;
  /** Cases per ABI per batch that suit it. */
  batch: number;
  /** True when it pays per batch, not per case (a live kernel boots per batch). */
  batched?: boolean;
}

/** The testee named by `--impl`. */
async function testeeFactory(spec: string, timeoutMs: number): Promise<Target> {
  const eq = spec.indexOf("=");
  if (eq > 0) {
    const name = spec.slice(0, eq), cmd = spec.slice(eq + 1);
    return {
      fresh: cmd.startsWith("percase:")
        ? () => new PerCaseTestee(name, cmd.slice(8), { timeoutMs })
        : () => new ProcessTestee(name, cmd, { timeoutMs }),
      batch: 250,
    };
  }
  const entries = await bundledTestees({ timeoutMs }, { kernel: spec.startsWith("kernel-") });
  const e = entries.find((x) => x.testee.name === spec);
  if (!e) {
    throw new UsageError(
      `--impl ${spec}: no bundled implementation of that name (${
        entries.map((x) => x.testee.name).join(", ")
      }); give NAME=CMD for your own`,
    );
  }
  return {
    fresh: () => e.testee,
    fuzzCase: e.fuzzCase,
    batch: e.fuzzBatch ?? 250,
    batched: e.fuzzBatch !== undefined,
  };
}

/**
 * Runs runs on a started testee; returns one result per run.
 *
 * @throws {Error} when the testee's run ended without an outcome for some of
 * them: the fuzzer cannot say they passed.
 */
export async function runAll(t: Testee, runs: readonly CaseRun[]): Promise<CaseResult[]> {
  const out: CaseResult[] = new Array(runs.length);
  let outcomes = 0;
  await t.run(runs.map(requestOf), (i, o) => {
    if (out[i] === undefined) outcomes++;
    out[i] = compare(runs[i]!, expectedOf(runs[i]!), o);
  });
  if (outcomes < runs.length) {
    throw new Error(
      `${t.name}: its run ended without an outcome for ${
        runs.length - outcomes
      } of ${runs.length} requests`,
    );
  }
  return out;
}

/** Runs the fuzzer with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let o: FuzzOptions;
  let target: Target;
  try {
    const p = parse(args);
    if (p === "help") {
      console.log(USAGE);
      return 0;
    }
    o = p;
    target = await testeeFactory(o.impl, o.timeout);
  } catch (e) {
    console.error(`${(e as Error).message}${e instanceof UsageError ? `\n\n${USAGE}` : ""}`);
    return 2;
  }
  const fresh = target.fresh;
  const batch = o.batch ?? target.batch;
  const testee = fresh();
  let declared: Set<string>;
  let hello: Hello;
  try {
    hello = await testee.start();
    declared = new Set(declaredCells(hello));
  } catch (e) {
    console.error(`setup: ${(e as Error).message}`);
    return 2;
  }
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  let runsDone = 0, failures = 0, lastReport = 0;
  let index = o.start;
  console.error(
    `fuzz: ${testee.name}, seed ${o.seed}, from index ${o.start}, ${
      o.abis.join(" ")
    }; corpus ${o.corpus}`,
  );
  const found: CaseResult[] = [];
  // Only what the testee declares is made: the ABIs and operations of its cells.
  const wants = (op: string, abi: string) =>
    [...declared].some((c) => c === `${op}/${abi}` || c.startsWith(`${op}/${abi}/`));
  try {
    while (runsDone < o.runs && elapsed() < o.seconds && failures < o.maxFailures) {
      const cases: Case[] = [];
      const tBatch = performance.now();
      for (const abi of o.abis) {
        const [r, c] = [wants("restart", abi), wants("checkpoint", abi)];
        const own = target.fuzzCase;
        if (r && own) {
          for (let i = index; i < index + batch; i++) cases.push(own(o.seed, i, abi));
        }
        if (c || (r && !own)) {
          for (const x of fuzzCases(o.seed, batch, abi, index)) {
            if (x.op === "checkpoint" ? c : r && !own) cases.push(x);
          }
        }
      }
      index += batch;
      const runs = caseRuns(cases).filter((r) =>
        declared.has(cellOf(r)) && helloAccepts(hello, r.case.env)
      );
      if (!runs.length) {
        console.error("fuzz: the testee declares none of the fuzzed cells");
        return 2;
      }
      if (batch >= 10_000) {
        console.error(
          `fuzz: batch of ${runs.length} runs (indices ${index - batch}..${index - 1}) made in ${
            ((performance.now() - tBatch) / 1000).toFixed(1)
          } s; running`,
        );
      }
      const results = await runAll(testee, runs.slice(0, o.runs - runsDone));
      runsDone += results.length;
      for (const r of results) {
        if (!isFailure(r.status)) continue;
        failures++;
        found.push(r);
        if (failures >= o.maxFailures) break;
      }
      if (elapsed() - lastReport >= 2 || batch >= 10_000) {
        lastReport = elapsed();
        console.error(
          `fuzz: ${runsDone} runs, ${
            (runsDone / elapsed()).toFixed(0)
          }/s, ${failures} failures, next index ${index}`,
        );
      }
    }
  } finally {
    await testee.close();
  }
  console.log(
    `fuzz: ${runsDone} runs in ${elapsed().toFixed(1)} s (${
      (runsDone / elapsed()).toFixed(0)
    }/s), ${failures} failures, seed ${o.seed}, indices ${o.start}..${index - 1}`,
  );
  for (const r of found) {
    const shrinker = fresh();
    await shrinker.start();
    let minimal = r.run.case;
    let tries = 0, smallest = r.run.case.op === "restart" ? r.run.case.image.length : 0;
    let shown = performance.now();
    console.error(`fuzz: shrinking ${r.rid} (${r.status})`);
    // Still failing the same way: a candidate the testee cannot take on (unsupported) is not a
    // smaller disagreement.
    const stillFail = async (cands: readonly Case[]): Promise<boolean[]> => {
      const runs = cands.map((c) => caseRuns([c]).find((x) => x.profile === r.run.profile));
      const ran = await runAll(shrinker, runs.filter((x) => x !== undefined));
      let j = 0;
      return runs.map((x) => x !== undefined && ran[j++]!.status === r.status);
    };
    const note = (c: Case, still: boolean) => {
      tries++;
      if (still && c.op === "restart") smallest = Math.min(smallest, c.image.length);
      if (!target.batched && performance.now() - shown >= 5000) {
        shown = performance.now();
        console.error(
          `fuzz: shrinking ${r.rid}: ${tries} tries${
            r.run.case.op === "restart" ? `, down to ${smallest} image bytes` : ""
          }`,
        );
      }
    };
    try {
      const res = target.batched
        // One boot per batch of candidates, not per candidate.
        ? await shrinkSpeculative(r.run.case, async (cands) => {
          const out = await stillFail(cands);
          cands.forEach((c, i) => note(c, out[i]!));
          return out;
        }, {
          onBatch: (n, evaluated, size) =>
            console.error(
              `fuzz: shrinking ${r.rid}: batch ${n} (${size} candidates, ${evaluated} in all)${
                r.run.case.op === "restart" ? `, down to ${smallest} image bytes` : ""
              }`,
            ),
        })
        : await shrinkCase(r.run.case, async (c) => {
          const [still] = await stillFail([c]);
          note(c, still!);
          return still!;
        });
      minimal = {
        ...res.minimal,
        id: `${r.run.case.id}-min`,
        reason: `shrunk from ${r.rid} (${res.tries} tries${
          "batches" in res ? ` in ${res.batches} batches` : ""
        })`,
      };
    } finally {
      await shrinker.close();
    }
    const line = caseToLine(
      minimal.op === "restart" && r.run.profile
        ? { ...minimal, profiles: [r.run.profile] }
        : minimal,
    );
    await Deno.writeTextFile(o.corpus, line + "\n", { append: true });
    console.log(`FAIL ${r.rid} (${r.status})`);
    for (const d of r.differences.slice(0, 4)) console.log(`  ${formatDifference(d)}`);
    if (r.detail) console.log(`  ${r.detail}`);
    console.log(
      `  shrunk to ${
        minimal.op === "restart" ? `${minimal.image.length} image bytes` : "a minimal task"
      } → ${o.corpus}`,
    );
  }
  if (found.length) {
    console.log(
      `replay: ${gateCommand()} --replay ${o.corpus} ${
        o.impl.includes("=")
          ? `--no-bundled --impl '${o.impl}'`
          : `--only ${o.impl}${o.impl.startsWith("kernel-") ? " --kernel" : ""}`
      }`,
    );
  }
  return failures ? 1 : 0;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (e) {
    console.error(`fuzz: ${(e as Error).message}`);
    code = 2;
  }
  Deno.exit(code);
}
