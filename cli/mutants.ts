/**
 * `deno task mutants`: runs the default suite against every mutant of the C
 * implementation (`impls/mutants/mutants.tsv`) and every correct
 * implementation. Every mutant must fail at least one named case; every
 * correct implementation must pass with zero failures. Prints the table and
 * the score, e.g. `mutants: 37/37 killed`.
 *
 * @module
 */
import { buildCases } from "../cases/suite.ts";
import type { CaseRun } from "../cases/types.ts";
import { buildC } from "../harness/build.ts";
import { isFailure } from "../harness/expect.ts";
import { bundledTestees } from "./bundled.ts";
import { conforms, runImpl, selectRuns } from "../harness/runner.ts";
import { ProcessTestee } from "../harness/process_testee.ts";

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
  /** Number of failing case runs. */
  readonly failing: number;
  /** The first failing result id, if any. */
  readonly first?: string;
}

/** What the mutation run found. */
export interface MutationReport {
  /** Every mutant's verdict. */
  readonly mutants: readonly MutantResult[];
  /** Correct implementations and their failure counts (must all be 0). */
  readonly correct: readonly { name: string; failing: number; conforms: boolean }[];
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

/** Runs the suite against every correct implementation and every mutant. */
export async function mutationRun(
  opts: { cases?: number; seed?: number } = {},
): Promise<MutationReport> {
  const runs: CaseRun[] = selectRuns(buildCases({ cases: opts.cases ?? 64, seed: opts.seed ?? 1 }));
  const correct = [];
  for (const { testee, cases } of await bundledTestees()) {
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
    const rep = await runImpl(new ProcessTestee(m.id, bins[i]!, { window: 32 }), runs);
    const bad = rep.results.filter((r) => isFailure(r.status));
    out.push({ ...m, failing: bad.length, first: bad[0]?.rid });
  }
  return { mutants: out, correct };
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
  lines.push(
    "",
    `${"mutant".padEnd(34)}${"bug class".padEnd(16)}${"failing".padStart(8)}  first failing case`,
  );
  for (const m of r.mutants) {
    lines.push(
      `${m.id.padEnd(34)}${m.bugClass.padEnd(16)}${String(m.failing).padStart(8)}  ${
        m.first ?? "SURVIVED: " + m.description
      }`,
    );
  }
  const killed = r.mutants.filter((m) => m.failing > 0).length;
  lines.push("", `mutants: ${killed}/${r.mutants.length} killed`);
  return lines.join("\n");
}

if (import.meta.main) {
  const r = await mutationRun();
  console.log(formatMutationReport(r));
  const ok = r.mutants.every((m) => m.failing > 0) && r.correct.every((c) => c.conforms);
  Deno.exit(ok ? 0 : 1);
}
