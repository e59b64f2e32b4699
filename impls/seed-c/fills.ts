/**
 * The fill experiment for seed-c: runs the default suite (profile seed, both
 * ABIs) through the gate once per never-written-memory setting, and reports
 * which values the reference calls undefined actually changed, per source.
 *
 * Settings: kmalloc/page fill `zero`, `pattern`, `random` (seed-c's
 * `--fill`) × stack init `none` (whatever the process stack held), `zero`,
 * `pattern` (gcc's `-ftrivial-auto-var-init`, a build flag: one build per
 * ABI and stack init).
 *
 * Every run must have no failing result (judged from the JSON: every case of
 * the testee's own ABI passes, except the x86_64 task states seed-c answers
 * `unsupported` because the port's `u32` tv_nsec cannot hold them): the gate
 * compares every defined value with the reference, so a defined value that
 * changed between runs would fail at least one of them. The undefined values are the ones the
 * reference lists as notes (`ret`, `consumed`, `comm bytes i..j`), each with
 * its source (stack, page, kmalloc) and what seed-c answered.
 *
 * Usage (from the repository root):
 *   tools/deno/deno run --allow-read --allow-write --allow-run --allow-env impls/seed-c/fills.ts
 *   [--out DIR] [-- extra gate options]
 *
 * @module
 */

const FILLS = ["zero", "pattern", "random"] as const;
const STACKS = ["none", "zero", "pattern"] as const;
const ABIS = ["x86_64", "i386"] as const;
type Source = "stack" | "page" | "kmalloc";

interface Result {
  id: string;
  status: string;
  undefined: string[];
  detail: string | null;
}
interface Impl {
  name: string;
  conforms: boolean;
  results: Result[];
}

const args = [...Deno.args];
const dashes = args.indexOf("--");
const extra = dashes >= 0 ? args.splice(dashes).slice(1) : [];
const outAt = args.indexOf("--out");
const out = outAt >= 0 ? args[outAt + 1]! : ".cache/seed-c-fills";
const here = new URL(".", import.meta.url).pathname;

async function run(cmd: string, argv: string[]): Promise<number> {
  const { code } = await new Deno.Command(cmd, { args: argv, stdout: "inherit", stderr: "inherit" })
    .output();
  return code;
}

/** The source a note names: `(stack memory)`, `reads page bytes`, or a header parent (stack). */
function sourceOf(note: string): Source {
  const m = note.match(/\((stack|page|kmalloc) memory\)/) ??
    note.match(/reads (stack|page|kmalloc) bytes/);
  if (m) return m[1] as Source;
  if (/parent bytes never written/.test(note)) return "stack"; // the header is a stack variable
  throw new Error(`no source in note: ${note}`);
}

/** Splits a note into named undefined values: ret, consumed, or one per comm byte. */
function valuesOf(note: string): [string, string][] {
  let m = note.match(/^(ret|consumed) (-?\d+)/);
  if (m) return [[m[1]!, m[2]!]];
  m = note.match(/^comm bytes (\d+)\.\.(\d+) .*: got ([0-9a-f]*)$/);
  if (m) {
    const from = Number(m[1]), hex = m[3]!;
    return Array.from(
      { length: hex.length / 2 },
      (_, i) => [`comm[${from + i}]`, hex.slice(2 * i, 2 * i + 2)] as [string, string],
    );
  }
  throw new Error(`unrecognised note: ${note}`);
}

// 1. builds: one per ABI and stack init
for (const abi of ABIS) {
  for (const stack of STACKS) {
    const flags = stack === "none" ? [] : [`-ftrivial-auto-var-init=${stack}`];
    if (await run("sh", [`${here}build.sh`, `${out}/${abi}-${stack}`, abi, ...flags]) !== 0) {
      console.error(`build failed: ${abi} stack ${stack}`);
      Deno.exit(2);
    }
  }
}

// 2. gate runs: one per stack init and fill, both ABIs at once
/** value key (impl/rid/value) -> source and the answer per run ("stack/fill"). */
const table = new Map<string, { source: Source; by: Map<string, string> }>();
const shape = new Map<string, string>(); // run -> ids and statuses, must be equal across runs
let bad = 0;
const runs: {
  stack: string;
  fill: string;
  results: number;
  unsupported: number;
  values: number;
}[] = [];
for (const stack of STACKS) {
  for (const fill of FILLS) {
    const run_ = `${stack}/${fill}`;
    const json = `${out}/run-${stack}-${fill}.json`;
    const impls = ABIS.flatMap((abi) => [
      "--impl",
      `seed-c-${abi}=${out}/${abi}-${stack}/seed-c --fill=${fill}`,
    ]);
    const code = await run("tools/deno/deno", [
      "task",
      "conform",
      "--no-bundled",
      ...impls,
      "--profile",
      "seed",
      "--json",
      json,
      ...extra,
    ]);
    const report = JSON.parse(await Deno.readTextFile(json)) as { implementations: Impl[] };
    let results = 0, unsupported = 0, values = 0;
    const ids: string[] = [];
    for (const impl of report.implementations) {
      const abi = impl.name.replace("seed-c-", "");
      for (const r of impl.results) {
        const own = r.id.split("/")[1] === abi;
        ids.push(`${impl.name} ${r.id} ${r.status}`);
        // the other ABI's cases: not sent (skipped) or answered unsupported, by design
        if (!own && (r.status === "skipped" || r.status === "unsupported")) continue;
        if (r.status === "unsupported" && /tv_nsec/.test(r.detail ?? "")) {
          unsupported++; // a task state the port's types cannot hold (see README)
          continue;
        }
        results++;
        if (r.status !== "pass") {
          bad++;
          console.error(`${run_}: ${impl.name} ${r.id}: ${r.status} ${r.detail ?? ""}`);
        }
        for (const note of r.undefined) {
          const source = sourceOf(note);
          for (const [name, value] of valuesOf(note)) {
            const key = `${impl.name} ${r.id} ${name}`;
            const e = table.get(key) ?? { source, by: new Map<string, string>() };
            e.by.set(run_, value);
            table.set(key, e);
            values++;
          }
        }
      }
    }
    // The gate's exit status is reported, not used: a harness that counts
    // unsupported answers as failures exits 1 for the tv_nsec states alone.
    if (code !== 0) {
      console.error(`${run_}: the gate exited ${code} (results judged from the JSON)`);
    }
    shape.set(run_, ids.sort().join("\n"));
    runs.push({ stack, fill, results, unsupported, values });
  }
}

// 3. the numbers
const shapes = new Set(shape.values());
console.log("\nseed-c fill experiment (profile seed, both ABIs, default suite)\n");
console.log("run (stack/fill)     case runs  unsupported  undefined values");
for (const r of runs) {
  console.log(
    `${`${r.stack}/${r.fill}`.padEnd(20)} ${String(r.results).padStart(9)}  ${
      String(r.unsupported).padStart(11)
    }  ${String(r.values).padStart(16)}`,
  );
}
interface Row {
  total: number;
  fillAt: Record<string, number>; // stack init -> values that differ between the three fills
  stackAt: Record<string, number>; // fill -> values that differ between the three stack inits
  any: number;
}
const rows = new Map<string, Row>();
const complete = [...table.values()].every((e) => e.by.size === runs.length);
for (const [key, e] of table) {
  const abi = key.split(" ")[0]!.replace("seed-c-", "");
  const v = (s: string, f: string) => e.by.get(`${s}/${f}`);
  for (const k of [`${e.source} ${abi}`, `${e.source} both`]) {
    const row = rows.get(k) ?? { total: 0, fillAt: {}, stackAt: {}, any: 0 };
    row.total++;
    for (const s of STACKS) {
      row.fillAt[s] = (row.fillAt[s] ?? 0) + (new Set(FILLS.map((f) => v(s, f))).size > 1 ? 1 : 0);
    }
    for (const f of FILLS) {
      row.stackAt[f] = (row.stackAt[f] ?? 0) +
        (new Set(STACKS.map((s) => v(s, f))).size > 1 ? 1 : 0);
    }
    if (new Set(e.by.values()).size > 1) row.any++;
    rows.set(k, row);
  }
}
const col = (n: number | undefined, w: number) => String(n ?? 0).padStart(w);
console.log(
  "\nundefined values that changed, per source: between the three fills at each stack init,",
);
console.log("between the three stack inits at each fill, and anywhere in the nine runs\n");
console.log(
  "source  abi     undefined | fills@stack none  zero  pattern | stack@fill zero  pattern  random | any",
);
for (const src of ["stack", "page", "kmalloc"] as const) {
  for (const abi of [...ABIS, "both"]) {
    const r = rows.get(`${src} ${abi}`) ?? { total: 0, fillAt: {}, stackAt: {}, any: 0 };
    console.log(
      `${src.padEnd(7)} ${abi.padEnd(6)} ${col(r.total, 10)} | ${col(r.fillAt.none, 16)} ${
        col(r.fillAt.zero, 5)
      } ${col(r.fillAt.pattern, 8)} | ${col(r.stackAt.zero, 15)} ${col(r.stackAt.pattern, 8)} ${
        col(r.stackAt.random, 7)
      } | ${col(r.any, 4)}`,
    );
  }
}
console.log(
  "\n(a value is one ret, consumed or comm byte of one case that the reference calls undefined)",
);
console.log(
  `\ndefined values: ${
    bad === 0 ? "none changed" : "SOME DIFFER"
  } — no run has a failing result (${bad} bad), so every defined value equals the reference in all ${runs.length} runs`,
);
console.log(
  `same cases, statuses and undefined values in every run: ${
    shapes.size === 1 && complete ? "yes" : "NO"
  }`,
);
Deno.exit(bad === 0 && shapes.size === 1 && complete ? 0 : 1);
