/**
 * `deno task mutants [--all-layers]`: the mutation score. Runs the default
 * suite, layer by layer, against every mutant of the C implementation
 * (`impls/mutants/mutants.tsv`), and against every correct bundled
 * implementation. A mutant is killed by the first layer in which a case
 * fails; `--all-layers` runs every layer against every mutant and counts the
 * failures per layer, to show what each layer is worth. Every mutant must be
 * killed; every correct implementation must conform.
 *
 * @module
 */
import { buildCases } from "../cases/suite.ts";
import type { CaseRun } from "../cases/types.ts";
import { buildC } from "../harness/build.ts";
import { isFailure } from "../harness/expect.ts";
import { ProcessTestee } from "../harness/process_testee.ts";
import { conforms, runImpl, selectRuns } from "../harness/runner.ts";
import { DEFAULT_FUZZ } from "./options.ts";
import { bundledTestees } from "./bundled.ts";
import type { UnavailableImpl } from "../harness/report/common.ts";

/** One line of `mutants.tsv`. */
export interface Mutant {
  /** Id, e.g. `m08-head-rev-zero`. */
  readonly id: string;
  /** Bug class. */
  readonly bugClass: string;
  /** One-line description. */
  readonly description: string;
}

/** The verdict on one mutant. */
export interface MutantResult extends Mutant {
  /** Failing case runs per layer run (only up to the killing layer unless all layers ran). */
  readonly failing: ReadonlyMap<string, number>;
  /** The first layer with a failing case, if any. */
  readonly killedBy?: string;
  /** The first failing result id, if any. */
  readonly first?: string;
}

/** What the mutation run found. */
export interface MutationReport {
  /** The layers, in the order they run. */
  readonly layers: readonly string[];
  /** Every mutant's verdict. */
  readonly mutants: readonly MutantResult[];
  /** Correct implementations and their failure counts (must all be 0). */
  readonly correct: readonly { name: string; failing: number; conforms: boolean }[];
  /** Bundled implementations this host cannot run (not run): name, why, the fix. */
  readonly unavailable: readonly UnavailableImpl[];
}

/** Case groups (the id's third part) by layer, in the order the layers run. */
export const LAYERS: readonly (readonly [string, readonly string[]])[] = [
  ["catalog", [
    "valid",
    "head",
    "task",
    "string",
    "tail",
    "syscall",
    "plain",
    "task-dead",
    "comm",
    "uts",
    "max",
    "time-beyond-2^32",
  ]],
  ["shape", ["truncate", "flip", "sweep", "shape"]],
  ["order", ["order"]],
  ["args", ["args"]],
  ["lengths", ["lengths"]],
  ["stale", ["stale"]],
  ["values", ["value", "bits"]],
  ["dict", ["dict"]],
  ["group", ["group"]],
  ["io", ["io"]],
  ["regress", ["regress"]],
  ["generated", ["gen"]],
  ["fuzz", ["fuzz"]],
];

/** The layer of a result id. */
export function layerOf(rid: string): string {
  const group = rid.split("/")[2] ?? "";
  return LAYERS.find(([, groups]) => groups.includes(group))?.[0] ?? "catalog";
}

/** Reads the mutant list. */
export async function readMutants(
  path = new URL("../impls/mutants/mutants.tsv", import.meta.url),
): Promise<Mutant[]> {
  const text = await Deno.readTextFile(path);
  return text.split("\n").filter((l) => l.trim() && !l.startsWith("#")).map((l) => {
    const [id, bugClass, description] = l.split("\t");
    return { id: id!, bugClass: bugClass ?? "", description: description ?? "" };
  });
}

/** Runs every layer (or up to the first that kills) against every mutant. */
export async function mutationRun(
  opts: { cases?: number; seed?: number; fuzz?: number; allLayers?: boolean } = {},
): Promise<MutationReport> {
  const runs: CaseRun[] = selectRuns(
    buildCases({ cases: opts.cases ?? 64, seed: opts.seed ?? 1, fuzz: opts.fuzz ?? DEFAULT_FUZZ }),
  );
  const byLayer = new Map<string, CaseRun[]>(LAYERS.map(([l]) => [l, []]));
  for (const r of runs) byLayer.get(layerOf(r.rid))!.push(r);
  const correct = [];
  const unavailable: UnavailableImpl[] = [];
  for (const { testee, cases, unavailable: u } of await bundledTestees()) {
    if (u) {
      unavailable.push({ name: testee.name, ...u });
      continue;
    }
    const rep = await runImpl(testee, cases ? selectRuns(cases()) : runs);
    correct.push({
      name: testee.name,
      failing: rep.results.filter((r) => isFailure(r.status)).length,
      conforms: conforms(rep),
    });
  }
  const mutants = await readMutants();
  const bins = await Promise.all(mutants.map((m) => buildC([`-DMUTANT=${m.id}`])));
  const out: MutantResult[] = [];
  for (const [i, m] of mutants.entries()) {
    const failing = new Map<string, number>();
    let killedBy: string | undefined, first: string | undefined;
    for (const [layer] of LAYERS) {
      const rep = await runImpl(new ProcessTestee(m.id, bins[i]!), byLayer.get(layer)!);
      const bad = rep.results.filter((r) => isFailure(r.status));
      failing.set(layer, bad.length);
      if (bad.length && !killedBy) [killedBy, first] = [layer, bad[0]!.rid];
      // A mutant that cannot even answer the hello request does not conform: killed too.
      if (rep.setupError && !killedBy) [killedBy, first] = [layer, `setup: ${rep.setupError}`];
      // So does one that does not exit 0 at the end of its input (PROTOCOL.md).
      if (rep.endError && !killedBy) [killedBy, first] = [layer, `end of input: ${rep.endError}`];
      if (killedBy && !opts.allLayers) break;
    }
    out.push({ ...m, failing, killedBy, first });
  }
  return { layers: LAYERS.map(([l]) => l), mutants: out, correct, unavailable };
}

/** The table and the score line. */
export function formatMutationReport(r: MutationReport): string {
  const lines = ["implementation          failing   verdict"];
  for (const c of r.correct) {
    lines.push(
      `${c.name.padEnd(24)}${String(c.failing).padStart(7)}   ${
        c.conforms ? "conforms" : "DOES NOT CONFORM"
      }`,
    );
  }
  for (const u of r.unavailable) lines.push(`${u.name.padEnd(24)}unavailable here: ${u.reason}`);
  const all = r.mutants.every((m) => m.failing.size === r.layers.length);
  lines.push(
    "",
    `${"mutant".padEnd(34)}${"bug class".padEnd(15)}${"killed by".padEnd(11)}${
      all ? r.layers.map((l) => l.slice(0, 7).padStart(8)).join("") : "  first failing case"
    }`,
  );
  for (const m of r.mutants) {
    const tail = all
      ? r.layers.map((l) => String(m.failing.get(l) ?? 0).padStart(8)).join("")
      : `  ${m.first ?? `SURVIVED: ${m.description}`}`;
    lines.push(
      `${m.id.padEnd(34)}${m.bugClass.padEnd(15)}${(m.killedBy ?? "-").padEnd(11)}${tail}`,
    );
  }
  lines.push("");
  for (const l of r.layers) {
    const n = r.mutants.filter((m) => m.killedBy === l).length;
    const any = r.mutants.filter((m) => (m.failing.get(l) ?? 0) > 0).length;
    lines.push(
      `layer ${l.padEnd(10)} first to kill ${String(n).padStart(3)}${all ? `, kills ${any}` : ""}`,
    );
  }
  const killed = r.mutants.filter((m) => m.killedBy).length;
  lines.push("", `mutants: ${killed}/${r.mutants.length} killed`);
  return lines.join("\n");
}

if (import.meta.main) {
  const r = await mutationRun({ allLayers: Deno.args.includes("--all-layers") });
  console.log(formatMutationReport(r));
  const ok = r.mutants.every((m) => m.killedBy) && r.correct.every((c) => c.conforms);
  Deno.exit(ok ? 0 : 1);
}
