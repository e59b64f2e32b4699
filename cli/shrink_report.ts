/**
 * After a run: shrinks the first failing generated case of an
 * implementation to the fields that matter, by re-running candidates on a
 * fresh instance of the testee, and says what is left in two lines.
 *
 * @module
 */
import { checkpoint } from "../reference/checkpoint.ts";
import { generated } from "../cases/generate.ts";
import { shrink } from "../cases/shrink.ts";
import type { CaseRun } from "../cases/types.ts";
import type { Testee } from "../protocol/testee.ts";
import { compare, expectedOf, formatDifference, requestOf } from "../harness/compare.ts";
import type { ImplReport } from "../harness/runner.ts";

/** Runs one case run on a started testee and compares the answer. */
async function runOne(testee: Testee, run: CaseRun) {
  let result: ReturnType<typeof compare> | undefined;
  await testee.run([requestOf(run)], (_, outcome) => {
    result = compare(run, expectedOf(run), outcome);
  });
  return result!;
}

/**
 * Shrinks the first failing generated checkpoint or restart case of an
 * implementation; returns the lines to print (none when nothing failed).
 * `fresh` makes a new instance of the testee (the run's own is closed).
 */
export async function shrinkFirst(rep: ImplReport, fresh: () => Testee): Promise<string[]> {
  const first = rep.results.find((r) => r.status === "fail" && r.run.case.origin);
  if (!first || !first.run.case.origin) return [];
  const { seed, index } = first.run.case.origin;
  const start = generated(seed, index, first.run.case.abi);
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
  const testee = fresh();
  try {
    await testee.start();
    const result = await shrink(
      start,
      async (c) => (await runOne(testee, runOf(c))).status === "fail",
    );
    const diff = (await runOne(testee, runOf(result.minimal))).differences.map(
      formatDifference,
    )[0];
    return [
      `shrunk ${first.rid} in ${result.tries} tries: still fails with only ${
        result.essential.length ? result.essential.join(", ") : "defaults"
      } left as generated`,
      ...(diff ? [`  minimal difference: ${diff}`] : []),
    ];
  } catch {
    return []; // the shrink summary is best effort: the verdict is already decided
  } finally {
    await testee.close();
  }
}
