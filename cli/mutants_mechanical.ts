/**
 * `deno task mutants:mechanical`: the mechanical yardstick. Mutates the
 * seed's own C (seed-c x86_64) and impls/c with standard operators, drops
 * the mutants whose optimised object code is the original's or an earlier
 * mutant's (TCE), runs the rest through the default gate, fuzzes the
 * survivors, tries seed-c's file knobs on what is left, and checks the rest
 * against the triage list. Prints per file and operator what became of the
 * mutants, and the unexplained survivors. Exits 0 when every mutant is
 * killed, equivalent or triaged and no triage entry is stale, 1 otherwise,
 * 2 on a usage error. See docs/MUTANTS-MECHANICAL.md.
 *
 * @example
 * ```sh
 * deno task mutants:mechanical --sample 40 --seed 1 --fuzz-runs 2000
 * deno task mutants:mechanical --target seed-c --json mech.json
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { OPERATORS } from "../impls/mutants/mechanical.ts";
import { TARGETS } from "../impls/mutants/mechanical_build.ts";
import {
  type Fate,
  type MechanicalReport,
  mechanicalRun,
  type Triage,
  type TriageClass,
} from "./mechanical_mutants.ts";
import { UsageError } from "./options.ts";

const USAGE = `usage: deno task mutants:mechanical [options]

  --target T        seed-c or c (repeatable; default both)
  --sample N        only N mutants, drawn with --seed (default: all)
  --seed S          sample seed (default 1)
  --id ID           only this mutant (repeatable; before sampling)
  --fuzz-runs N     fuzzed runs per survivor of the gate (default 100000; 0: none)
  --fuzz-seed S     fuzz seed (default 2; the gate's own batch is seed 1)
  --jobs N          compiles at once (default 2)
  --timeout MS      per-case timeout (default 2000; a timeout is confirmed alone)
  --triage FILE     the triage list (default impls/mutants/mechanical-triage.json)
  --json FILE       every verdict as JSON
  -h, --help        this text`;

/** The triage list's default path. */
export const TRIAGE_FILE: URL = new URL("../impls/mutants/mechanical-triage.json", import.meta.url);

/** Reads a triage list (id → entry). */
export async function readTriage(
  path: string | URL = TRIAGE_FILE,
): Promise<Record<string, Triage>> {
  return JSON.parse(await Deno.readTextFile(path));
}

const COLUMNS: readonly (readonly [string, (f: Fate, c?: TriageClass) => boolean])[] = [
  ["gen", () => true],
  ["nocc", (f) => f === "stillborn"],
  ["tce", (f) => f === "tce-equivalent"],
  ["dup", (f) => f === "duplicate"],
  ["gate", (f) => f === "killed-gate"],
  ["pcase", (f) => f === "killed-percase"],
  ["fuzz", (f) => f === "killed-fuzz"],
  ["io", (f) => f === "killed-file-io"],
  ["mem", (f) => f === "killed-memcheck"],
  ["equiv", (f, c) => f === "triaged" && c === "equivalent"],
  ["ood", (f, c) => f === "triaged" && c === "out-of-domain"],
  ["file", (f, c) => f === "triaged" && c === "file-behaviour"],
  ["gap", (f, c) => f === "triaged" && c === "gap"],
  ["unexpl", (f) => f === "survived"],
];

/** The per file and operator table, the survivors and the totals. */
export function formatMechanicalReport(r: MechanicalReport): string {
  const lines = [
    "columns: gen generated, nocc did not compile, tce same object code as the original,",
    "dup same as an earlier mutant, gate killed by the default gate, pcase killed only by",
    "impls/c's per-case test (deno task test), fuzz killed only by fuzzing, io killed",
    "only with seed-c's --io-chunk/--io-eagain, mem killed only when built with a memory",
    "checker (-fsanitize=address), equiv/ood/file/gap",
    "triaged (equivalent, out of domain, needs a file behaviour, a gap), unexpl unexplained",
    "",
  ];
  const head = `${"file / operator".padEnd(34)}${COLUMNS.map(([c]) => c.padStart(7)).join("")}`;
  const row = (label: string, vs: typeof r.verdicts) =>
    `${label.padEnd(34)}${
      COLUMNS.map(([, p]) =>
        String(vs.filter((v) => p(v.fate, v.triage?.class)).length).padStart(7)
      )
        .join("")
    }`;
  lines.push(head);
  const files = [...new Set(r.verdicts.map((v) => v.mutant.file))];
  for (const f of files) {
    const vs = r.verdicts.filter((v) => v.mutant.file === f);
    lines.push(row(f.replace(/^.*\//, ""), vs));
    for (const op of OPERATORS) {
      const o = vs.filter((v) => v.mutant.op === op);
      if (o.length) lines.push(row(`  ${op}`, o));
    }
  }
  for (const t of [...new Set(r.verdicts.map((v) => v.target))]) {
    lines.push(row(`all ${t}`, r.verdicts.filter((v) => v.target === t)));
  }
  lines.push(row("all", r.verdicts));
  const show = (title: string, fates: readonly Fate[], cls?: TriageClass) => {
    const vs = r.verdicts.filter((v) =>
      fates.includes(v.fate) && (cls === undefined || v.triage?.class === cls)
    );
    if (!vs.length) return;
    lines.push("", `${title} (${vs.length}):`);
    for (const v of vs) {
      const why = v.triage ? `: ${v.triage.reason}` : v.detail ? `: ${v.detail}` : "";
      lines.push(`  ${v.mutant.id}  ${v.mutant.change}  | ${v.line}${why}`);
    }
  };
  show("killed only by impls/c's per-case test (deno task test)", ["killed-percase"]);
  show("killed only by fuzzing", ["killed-fuzz"]);
  show("killed only with seed-c's file knobs", ["killed-file-io"]);
  show("killed only when built with a memory checker", ["killed-memcheck"]);
  show("gaps (triaged: the mechanism that would reach them)", ["triaged"], "gap");
  show("need a file behaviour no knob gives (triaged)", ["triaged"], "file-behaviour");
  show("UNEXPLAINED survivors", ["survived"]);
  if (r.stale.length) {
    lines.push("", `STALE triage entries (${r.stale.length}):`, ...r.stale.map((s) => `  ${s}`));
  }
  const distinct = r.verdicts.filter((v) =>
    !["stillborn", "tce-equivalent", "duplicate"].includes(v.fate)
  );
  const killed = distinct.filter((v) => v.fate.startsWith("killed")).length;
  const gate = distinct.filter((v) => v.fate === "killed-gate").length;
  lines.push(
    "",
    `mechanical: ${r.verdicts.length} mutants, ${distinct.length} distinct after TCE; ` +
      `${gate} killed by the default gate, ${killed} killed in all, ` +
      `${r.verdicts.filter((v) => v.fate === "survived").length} unexplained; ${
        (r.ms / 1000).toFixed(0)
      } s`,
  );
  return lines.join("\n");
}

/** Runs the command; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args,
      options: {
        target: { type: "string", multiple: true },
        sample: { type: "string" },
        seed: { type: "string" },
        id: { type: "string", multiple: true },
        "fuzz-runs": { type: "string" },
        "fuzz-seed": { type: "string" },
        jobs: { type: "string" },
        timeout: { type: "string" },
        triage: { type: "string" },
        json: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
    if (v.help) {
      console.log(USAGE);
      return 0;
    }
    for (const t of v.target ?? []) {
      if (!TARGETS[t]) throw new UsageError(`--target: expected seed-c or c, found ${t}`);
    }
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const int = (name: string, s: string | undefined, def: number | undefined) => {
    if (s === undefined) return def;
    if (!/^[0-9]+$/.test(s)) throw new UsageError(`--${name}: expected an integer, found ${s}`);
    return Number(s);
  };
  let opts;
  try {
    opts = {
      targets: v.target ?? Object.keys(TARGETS),
      sample: int("sample", v.sample, undefined),
      seed: int("seed", v.seed, 1),
      ids: v.id,
      fuzzRuns: int("fuzz-runs", v["fuzz-runs"], 100_000),
      fuzzSeed: int("fuzz-seed", v["fuzz-seed"], 2),
      jobs: int("jobs", v.jobs, 2),
      timeoutMs: int("timeout", v.timeout, 2000),
      triage: await readTriage(v.triage ?? TRIAGE_FILE),
      log: (l: string) => console.error(`mechanical: ${l}`),
    };
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const r = await mechanicalRun(opts);
  console.log(formatMechanicalReport(r));
  if (v.json) {
    await Deno.writeTextFile(v.json, JSON.stringify(r.verdicts, null, 1) + "\n");
  }
  return r.verdicts.some((x) => x.fate === "survived") || r.stale.length ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
