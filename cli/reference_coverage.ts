/**
 * `deno task coverage:reference`: which branches of the model
 * (`reference/restart.ts` and `restart_concrete.ts`, `reference/checkpoint.ts`) the default suite
 * exercises. Runs the whole default suite through the reference under
 * `deno test --coverage`, reads the branch records of the LCOV report, and
 * fails (exit 1) unless every branch is taken or listed, with the reason,
 * in `reference/coverage_exceptions.json` (a listed branch that is taken
 * fails too, so the list cannot go stale).
 *
 * @module
 */
import exceptions from "../reference/coverage_exceptions.json" with { type: "json" };

const ROOT = new URL("../", import.meta.url).pathname;
const FILES = ["reference/restart.ts", "reference/restart_concrete.ts", "reference/checkpoint.ts"];

/** One branch of the LCOV report: file, line, and whether it was taken. */
export interface Branch {
  /** Repository-relative file. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** Block and branch numbers, as LCOV gives them. */
  readonly id: string;
  /** Times taken. */
  readonly taken: number;
}

/** Parses the `SF:` and `BRDA:` records of an LCOV report. */
export function parseLcovBranches(lcov: string): Branch[] {
  const out: Branch[] = [];
  let file = "";
  for (const line of lcov.split("\n")) {
    if (line.startsWith("SF:")) file = line.slice(3).replace(ROOT, "");
    else if (line.startsWith("BRDA:")) {
      const [ln, block, branch, taken] = line.slice(5).split(",");
      out.push({
        file,
        line: Number(ln),
        id: `${block}.${branch}`,
        taken: taken === "-" ? 0 : Number(taken),
      });
    }
  }
  return out;
}

async function run(args: string[]): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT, stderr: "inherit" })
    .output();
  if (!r.success) throw new Error(`deno ${args.join(" ")} failed (exit ${r.code})`);
  return new TextDecoder().decode(r.stdout);
}

/** Runs the measurement; returns the exit code. */
export async function main(): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "crconform-cov-" });
  try {
    await run([
      "test",
      "--allow-read",
      "--allow-env",
      `--coverage=${dir}`,
      "cli/testdata/suite_through_reference.ts",
    ]);
    const lcov = await run([
      "coverage",
      dir,
      "--lcov",
      `--include=^file://${ROOT}(${FILES.map((f) => f.replace(".", "\\.")).join("|")})$`,
    ]);
    const branches = parseLcovBranches(lcov).filter((b) => FILES.includes(b.file));
    const source = new Map(
      await Promise.all(
        FILES.map(async (f) => [f, (await Deno.readTextFile(`${ROOT}${f}`)).split("\n")] as const),
      ),
    );
    const text = (b: Branch) => source.get(b.file)![b.line - 1]!.trim();
    const excused = (b: Branch) => exceptions.find((e) => e.file === b.file && e.line === text(b));
    let bad = 0;
    const used = new Set<unknown>();
    for (const f of FILES) {
      const mine = branches.filter((b) => b.file === f);
      const taken = mine.filter((b) => b.taken > 0).length;
      console.log(`${f}: ${taken}/${mine.length} branches taken by the default suite`);
      for (const b of mine.filter((b) => b.taken === 0)) {
        const e = excused(b);
        if (e) {
          used.add(e);
          console.log(`  not taken ${f}:${b.line} (${e.why})`);
        } else {
          bad++;
          console.log(`  NOT TAKEN ${f}:${b.line}: ${text(b)} — add a case, or list it with why`);
        }
      }
    }
    for (const e of exceptions.filter((e) => !used.has(e))) {
      bad++;
      console.log(`  STALE exception ${e.file}: ${e.line} is taken now, or gone: remove it`);
    }
    console.log(bad ? `coverage: ${bad} unexplained` : "coverage: every branch taken or explained");
    return bad ? 1 : 0;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main());
