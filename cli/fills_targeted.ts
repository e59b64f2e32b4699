/**
 * `deno task fills:targeted`: the targeted fill experiment (see
 * `impls/seed-c/targeted.ts` and `docs/FILLS.md`). For every seed restart
 * run of the default suite that the reference calls (partly) undefined, the
 * contents of never-written memory that take each path through its
 * undecidable checks, from the reference's trace; seed-c run with each
 * (`--fill-at=request`); its answers compared with the reference's for the
 * same contents (every value defined then); and per source and class of
 * undefined verdict, how many undefined values two paths showed to vary.
 *
 * Usage: deno task fills:targeted [--abi x86_64|i386]... [--fuzz N] [--limit N]
 *        [--only SUBSTRING] [--json FILE] [--examples N]
 *
 * Exits 0 when seed-c agrees with the reference on every path, 1 when not,
 * 2 on a usage or setup error.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type AbiName, TASK_COMM_LEN } from "../reference/layout.ts";
import { restart } from "../reference/restart.ts";
import { iterCases, resultId } from "../cases/suite.ts";
import type { Case } from "../cases/types.ts";
import { answerLine } from "../harness/answers.ts";
import { buildSeedC } from "../harness/build.ts";
import { i386Runner } from "../harness/host.ts";
import {
  explore,
  type FillAnswer,
  type FillRun,
  fillSpec,
  type Leaf,
  plainOutcome,
  runSeedC,
  undefinedValues,
  valueOf,
} from "../impls/seed-c/targeted.ts";
import { DEFAULT_FUZZ } from "./options.ts";

/** The values of a restart outcome, by name (`ret`, `consumed`, `comm[i]`). */
const VALUE_NAMES = [
  "ret",
  "consumed",
  ...[...Array(TASK_COMM_LEN).keys()].map((j) => `comm[${j}]`),
];

/** One undefined value of the suite and what the paths gave it. */
export interface ValueResult {
  /** Case id. */
  readonly id: string;
  /** ABI. */
  readonly abi: AbiName;
  /** `ret`, `consumed`, `comm[i]`. */
  readonly name: string;
  /** The reference's source. */
  readonly source: string;
  /** The class of its verdict: the deciding check (or the comm copy) and the source. */
  readonly cls: string;
  /** seed-c's distinct answers over the paths. */
  readonly answers: readonly number[];
}

/** The class of an undefined value: where its run became undefined, and the source. */
export function classOf(decision: string, source: string, name: string): string {
  return source === "kmalloc" && name.startsWith("comm")
    ? "STRING payload → comm (kmalloc)"
    : `${decision} (${source})`;
}

/** Per source (and class): values, those shown to vary, and the class count. */
export interface Tally {
  values: number;
  varied: number;
}

/** Runs the experiment; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      abi: { type: "string", multiple: true },
      fuzz: { type: "string" },
      limit: { type: "string" },
      only: { type: "string" },
      json: { type: "string" },
      answers: { type: "string" },
      examples: { type: "string" },
    },
  });
  const abis = (values.abi ?? ["x86_64", "i386"]) as AbiName[];
  const fuzz = values.fuzz === undefined ? DEFAULT_FUZZ : Number(values.fuzz);
  const limit = values.limit === undefined ? 128 : Number(values.limit);
  const examples = values.examples === undefined ? 3 : Number(values.examples);
  const results: ValueResult[] = [];
  const mismatches: string[] = [];
  const notes: Record<string, { oneWay: Set<string>; truncated: number; open: number }> = {};
  let paths = 0, runsUndefined = 0;
  for (const abi of abis) {
    const runner = abi === "i386" ? await i386Runner() : { prefix: [] };
    if (!("prefix" in runner)) {
      console.error(`seed-c-${abi}: ${runner.reason}; fix: ${runner.fix}`);
      return 2;
    }
    const bin = await buildSeedC(abi);
    const cmd = [...runner.prefix, bin].join(" ");
    const runs: FillRun[] = [];
    const owners: { id: string; leaf: Leaf; c: number }[] = [];
    const cases: {
      c: Case;
      id: string;
      vals: ReturnType<typeof undefinedValues>;
      /** The values the reference calls defined without contents: they must hold on every path. */
      fixed: [string, number][];
      decision: string;
      from: number;
      to: number;
    }[] = [];
    for (const c of iterCases({ abis: [abi], fuzz })) {
      if (c.op !== "restart" || !(c.profiles ?? ["seed"]).includes("seed")) continue;
      if (values.only && !c.id.includes(values.only)) continue;
      const o = restart(c.image, c.env, "seed");
      const vals = undefinedValues(o);
      if (!vals.length) continue;
      runsUndefined++;
      if (runsUndefined % 250 === 0) {
        console.error(`  ${abi}: ${runsUndefined} undefined runs explored`);
      }
      const ex = explore(c.image, c.env, limit);
      const from = runs.length;
      for (const leaf of ex.leaves) {
        runs.push({ image: c.image, env: c.env, fill: leaf.fill });
        owners.push({ id: c.id, leaf, c: cases.length });
      }
      const open = new Set(vals.map((v) => v.name));
      const fixed = VALUE_NAMES.filter((n) => !open.has(n))
        .map((n): [string, number] => [n, valueOf(plainOutcome(o), n)]);
      cases.push({ c, id: c.id, vals, fixed, decision: o.decision.check, from, to: runs.length });
      for (const v of vals) {
        const k = classOf(o.decision.check, v.source, v.name);
        const n = notes[`${abi} ${k}`] ??= { oneWay: new Set(), truncated: 0, open: 0 };
        for (const w of ex.oneWay) n.oneWay.add(w);
      }
      const k0 = classOf(o.decision.check, vals[0]!.source, vals[0]!.name);
      if (ex.truncated) notes[`${abi} ${k0}`]!.truncated++;
      if (ex.leaves.some((l) => l.open)) notes[`${abi} ${k0}`]!.open++;
    }
    paths += runs.length;
    console.error(
      `seed-c-${abi}: ${cases.length} undefined runs, ${runs.length} paths; running ${cmd}`,
    );
    const answers: FillAnswer[] = runs.length ? await runSeedC(cmd, runs) : [];
    // Every path's answer, recorded as the gate records answers (`conform --answers`).
    if (values.answers) {
      const lines = answers.map((a, i) =>
        answerLine({
          impl: `seed-c-${abi}`,
          rid: resultId(cases[owners[i]!.c]!.c, "seed"),
          via: `fill-at ${fillSpec(owners[i]!.leaf.fill)}`,
          outcome: { status: "answer", answer: { kind: "restart", ...a } },
        })
      );
      await Deno.writeTextFile(values.answers, lines.join("\n") + (lines.length ? "\n" : ""), {
        append: abi !== abis[0],
      });
    }
    // seed-c must answer what the reference answers with the same contents, and on every path
    // what the reference calls defined without them (defined means: whatever memory holds).
    answers.forEach((a, i) => {
      const { id, leaf } = owners[i]!;
      for (const [name, want] of cases[owners[i]!.c]!.fixed) {
        if (want !== valueOf(a, name)) {
          mismatches.push(
            `${id} (${abi}) with ${fillSpec(leaf.fill) || "no fill"}: ${name} is defined ` +
              `(${want}) in the reference without contents, seed-c answers ${valueOf(a, name)}`,
          );
        }
      }
      if (leaf.open) return;
      const ref = plainOutcome(leaf.outcome);
      for (const name of VALUE_NAMES) {
        if (valueOf(ref, name) !== valueOf(a, name)) {
          mismatches.push(
            `${id} (${abi}) with ${fillSpec(leaf.fill) || "no fill"}: ${name} reference ${
              valueOf(ref, name)
            }, seed-c ${valueOf(a, name)}`,
          );
        }
      }
    });
    for (const c of cases) {
      for (const v of c.vals) {
        const got = new Set<number>();
        for (let i = c.from; i < c.to; i++) got.add(valueOf(answers[i]!, v.name));
        results.push({
          id: c.id,
          abi,
          name: v.name,
          source: v.source,
          cls: classOf(c.decision, v.source, v.name),
          answers: [...got].sort((a, b) => a - b),
        });
      }
    }
  }
  printReport(results, notes, examples);
  console.log(
    `\n${runsUndefined} runs with undefined values, ${paths} paths run through seed-c; ` +
      `seed-c ${
        mismatches.length
          ? `DIFFERS from the reference on ${mismatches.length} values`
          : "agrees with the reference on every path"
      }`,
  );
  for (const m of mismatches.slice(0, 20)) console.log(`  ${m}`);
  if (values.json) {
    await Deno.writeTextFile(
      values.json,
      JSON.stringify({ results, mismatches, paths, runsUndefined }, null, 1),
    );
  }
  return mismatches.length ? 1 : 0;
}

function printReport(
  results: readonly ValueResult[],
  notes: Record<string, { oneWay: Set<string>; truncated: number; open: number }>,
  examples: number,
): void {
  const bySource = new Map<string, Tally & { classes: Set<string>; shown: Set<string> }>();
  const byClass = new Map<string, Tally & { ids: string[] }>();
  for (const r of results) {
    for (const k of [`${r.source} ${r.abi}`, `${r.source} both`]) {
      const t = bySource.get(k) ?? { values: 0, varied: 0, classes: new Set(), shown: new Set() };
      t.values++;
      if (r.answers.length > 1) t.varied++;
      t.classes.add(`${r.abi} ${r.cls}`);
      if (r.answers.length > 1) t.shown.add(`${r.abi} ${r.cls}`);
      bySource.set(k, t);
    }
    const ck = `${r.abi} ${r.cls}`;
    const c = byClass.get(ck) ?? { values: 0, varied: 0, ids: [] };
    c.values++;
    if (r.answers.length > 1) c.varied++;
    else if (c.ids.length < examples) c.ids.push(`${r.id} ${r.name}=${r.answers.join("|")}`);
    byClass.set(ck, c);
  }
  console.log("\ntargeted fills: undefined values shown to vary, per source\n");
  console.log("source  abi     undefined  varied  classes  classes with a varied value");
  for (const src of ["stack", "page", "kmalloc"]) {
    for (const abi of ["x86_64", "i386", "both"]) {
      const t = bySource.get(`${src} ${abi}`);
      if (!t) continue;
      console.log(
        `${src.padEnd(7)} ${abi.padEnd(6)} ${String(t.values).padStart(9)}  ${
          String(t.varied).padStart(6)
        }  ${String(t.classes.size).padStart(7)}  ${String(t.shown.size).padStart(5)}`,
      );
    }
  }
  console.log("\nper class (abi, deciding check or comm copy, source): values, varied\n");
  for (const [k, c] of [...byClass].sort()) {
    const n = notes[k];
    const extra = [
      n?.oneWay.size ? `one way only: ${[...n.oneWay].join(", ")}` : "",
      n?.truncated ? `${n.truncated} runs at the path limit` : "",
      n?.open ? `${n.open} runs with a path left open` : "",
    ].filter(Boolean).join("; ");
    console.log(
      `${k.padEnd(52)} ${String(c.values).padStart(6)} ${String(c.varied).padStart(6)}${
        extra ? `  (${extra})` : ""
      }`,
    );
    for (const id of c.ids) console.log(`    not varied: ${id}`);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
