/**
 * The mechanical yardstick's engine: every mechanical mutant
 * (`impls/mutants/mechanical.ts`) of a target is compiled, dropped for free
 * when its optimised object code equals the original's or an earlier
 * mutant's (TCE), else linked and run through the default gate in process
 * (stopping at the first failing run); a survivor is then searched by the
 * fuzzer, then (seed-c) run with seed-c's file knobs, and what is left is
 * looked up in the triage list (`impls/mutants/mechanical-triage.json`).
 * One cohesive thing: the stages a mutant goes through, and the cache of
 * their verdicts.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { DEFAULT_FUZZ } from "./options.ts";
import { runAll } from "./fuzz.ts";
import { buildCases, caseRuns } from "../cases/suite.ts";
import { fuzzCases } from "../cases/fuzz.ts";
import type { CaseRun } from "../cases/types.ts";
import type { AbiName } from "../reference/layout.ts";
import { cellOf, declaredCells } from "../harness/cells.ts";
import { isFailure } from "../harness/expect.ts";
import { filesUnder } from "../harness/build.ts";
import { PerCaseTestee } from "../harness/percase_testee.ts";
import { ProcessTestee } from "../harness/process_testee.ts";
import type { Testee } from "../protocol/testee.ts";
import { perCaseSlice } from "../impls/c/percase.ts";
import { runImpl, selectRuns } from "../harness/runner.ts";
import { apply, lineOf, type Mutant, mutate } from "../impls/mutants/mechanical.ts";
import {
  compileVariant,
  linkVariant,
  MEMCHECK_ENV,
  memcheckVariant,
  type MutationTarget,
  recordBuild,
  type RecordedBuild,
  TARGETS,
} from "../impls/mutants/mechanical_build.ts";

/** What became of one mutant. */
export type Fate =
  | "stillborn"
  | "tce-equivalent"
  | "duplicate"
  | "killed-gate"
  | "killed-percase"
  | "killed-fuzz"
  | "killed-file-io"
  | "killed-memcheck"
  | "triaged"
  | "survived";

/** A triage class: why a survivor is not a gap the gate must close, or which gap it is. */
export type TriageClass = "equivalent" | "out-of-domain" | "file-behaviour" | "gap";

/** One triage entry. */
export interface Triage {
  /** The class. */
  readonly class: TriageClass;
  /** Why (for a gap: which mechanism of issue 20 would reach it). */
  readonly reason: string;
  /** The mutated source line, trimmed: the entry is stale when the line differs. */
  readonly line: string;
  /** The change (`<= → <`), for the reader. */
  readonly change: string;
}

/** One mutant's verdict. */
export interface MutantVerdict {
  /** The mutant. */
  readonly mutant: Mutant;
  /** Its target. */
  readonly target: string;
  /** The mutated source line, trimmed. */
  readonly line: string;
  /** Its fate. */
  readonly fate: Fate;
  /** The first failing run, the mutant it duplicates, the compile error or the knob. */
  readonly detail?: string;
  /** The triage entry, when triaged. */
  readonly triage?: Triage;
}

/** Options of {@link mechanicalRun}. */
export interface MechanicalOptions {
  /** Target names (`seed-c`, `c`). */
  readonly targets: readonly string[];
  /** Only a sample of this many mutants (over all targets), drawn with `seed`. */
  readonly sample?: number;
  /** Sample seed. @default 1 */
  readonly seed?: number;
  /** Only these mutant ids (before sampling). */
  readonly ids?: readonly string[];
  /** Fuzzed runs per survivor (0: none). @default 100000 */
  readonly fuzzRuns?: number;
  /** Fuzz seed (not the default gate's fuzz seed 1, whose batch the gate already ran). @default 2 */
  readonly fuzzSeed?: number;
  /** Compiles at once. @default 2 */
  readonly jobs?: number;
  /** Per-case timeout, ms (a timeout is confirmed alone with 10 s before it kills). @default 2000 */
  readonly timeoutMs?: number;
  /** The triage list. */
  readonly triage?: Readonly<Record<string, Triage>>;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** What the run found. */
export interface MechanicalReport {
  /** Every mutant's verdict, in target and source order. */
  readonly verdicts: readonly MutantVerdict[];
  /** Triage entries that name no current mutant, a different line, or a mutant now killed. */
  readonly stale: readonly string[];
  /** Wall time, ms. */
  readonly ms: number;
}

/** Every mutant of a target, with each file's source. */
export function targetMutants(t: MutationTarget): { mutant: Mutant; src: string }[] {
  const out = [];
  for (const f of t.files) {
    const src = Deno.readTextFileSync(new URL(`../${f}`, import.meta.url));
    for (const m of mutate(f, src, { skipCalls: t.skipCalls })) out.push({ mutant: m, src });
  }
  return out;
}

/** A deterministic sample of `n` of `xs` (order kept). */
export function sampleOf<T>(xs: readonly T[], n: number, seed: number): T[] {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13, s >>>= 0, s ^= s >>> 17, s ^= s << 5, s >>>= 0;
    return s / 2 ** 32;
  };
  const idx = xs.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, n).sort((a, b) => a - b).map((i) => xs[i]!);
}

async function pool<T>(items: readonly T[], jobs: number, f: (x: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, jobs) }, async () => {
      while (next < items.length) await f(items[next++]!);
    }),
  );
}

/**
 * Runs `runs` against a program (persistent, or per case with `perCase`)
 * until the first failure; the failing run id (or the setup or end-of-input
 * error), or undefined.
 */
export async function firstFailure(
  name: string,
  cmd: string,
  runs: readonly CaseRun[],
  timeoutMs: number,
  perCase = false,
): Promise<string | undefined> {
  const stop = new AbortController();
  let first: { rid: string; status: string; run: CaseRun } | undefined;
  const testee: Testee = perCase
    ? new PerCaseTestee(name, cmd, { timeoutMs, window: 2 })
    : new ProcessTestee(name, cmd, { timeoutMs });
  const rep = await runImpl(testee, runs, [], undefined, {}, {
    signal: stop.signal,
    maxTimeouts: 1,
    slowMs: Infinity,
    onResult: (r) => {
      if (!first && isFailure(r.status)) {
        first = { rid: r.rid, status: r.status, run: r.run };
        stop.abort("killed");
      }
    },
  });
  if (rep.setupError) return `setup: ${rep.setupError.slice(0, 120)}`;
  if (!first && rep.endError) return `end of input: ${rep.endError.slice(0, 120)}`;
  if (!first) return rep.stopped && !rep.interrupted ? `stopped: ${rep.stopped}` : undefined;
  // With the long timeout a timeout is a hang: the run it is charged to may be one queued behind
  // the hung one, so it is not confirmed alone again.
  if (first.status !== "timeout" || timeoutMs >= 10_000) return `${first.rid} (${first.status})`;
  // A timeout on a loaded machine is not a hang until it happens again, alone, with time.
  const alone: Testee = perCase
    ? new PerCaseTestee(name, cmd, { timeoutMs: 10_000, window: 1 })
    : new ProcessTestee(name, cmd, { timeoutMs: 10_000 });
  const again = await alone.start().then(() => runAll(alone, [first!.run])).catch(() => undefined)
    .finally(() => alone.close());
  if (!again || isFailure(again[0]!.status)) return `${first.rid} (${first.status})`;
  return await firstFailure(name, cmd, runs, 10_000, perCase);
}

/** The default gate's runs (built once, their reference results computed once). */
let gateRuns: CaseRun[] | undefined;
function defaultGate(): CaseRun[] {
  return gateRuns ??= selectRuns(buildCases({ cases: 64, seed: 1, fuzz: DEFAULT_FUZZ }));
}

/**
 * The runs a target's other mode gets in `deno task test`, tried on a
 * survivor of the gate: impls/c's per-case mode (`impls/c/percase.ts`).
 */
export const PER_CASE_RUNS: Readonly<Record<string, () => CaseRun[]>> = { c: perCaseSlice };

/** seed-c's file knobs, each tried on a survivor of the gate and the fuzzer. */
export const FILE_KNOBS: readonly string[] = ["--io-chunk=1 --io-eagain", "--io-chunk=3"];

/** Runs the mechanical yardstick. */
export async function mechanicalRun(o: MechanicalOptions): Promise<MechanicalReport> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const timeoutMs = o.timeoutMs ?? 2000;
  const all = o.targets.flatMap((name) => {
    const t = TARGETS[name];
    if (!t) throw new Error(`no target ${name} (${Object.keys(TARGETS).join(", ")})`);
    return targetMutants(t).map((x) => ({ ...x, target: t }));
  });
  const wanted = o.ids ? all.filter((x) => o.ids!.includes(x.mutant.id)) : all;
  const chosen = o.sample !== undefined ? sampleOf(wanted, o.sample, o.seed ?? 1) : wanted;
  const verdicts = new Map<string, MutantVerdict>();
  const set = (v: MutantVerdict) => verdicts.set(v.mutant.id, v);
  const triage = o.triage ?? {};
  for (const name of o.targets) {
    const target = TARGETS[name]!;
    const mine = chosen.filter((x) => x.target === target);
    if (!mine.length) continue;
    const b: RecordedBuild = await recordBuild(target);
    const original = new ProcessTestee(`${name}-original`, b.binary);
    const declared = new Set(declaredCells(await original.start().finally(() => original.close())));
    const runs = defaultGate().filter((r) => declared.has(cellOf(r)));
    log(`${name}: ${mine.length} mutants; checking the original (${runs.length} gate runs)`);
    const bad = await firstFailure(`${name}-original`, b.binary, runs, 10_000);
    if (bad) throw new Error(`the original ${name} fails the default gate: ${bad}`);
    // TCE: the original's object per file, then each mutant's.
    const baseKey = new Map<string, string>();
    for (const f of target.files) {
      const c = await compileVariant(
        b,
        f,
        Deno.readTextFileSync(new URL(`../${f}`, import.meta.url)),
      );
      if (!c.key) throw new Error(`the original ${f} does not compile: ${c.error}`);
      baseKey.set(f, c.key);
    }
    const compiled = new Map<string, Awaited<ReturnType<typeof compileVariant>>>();
    let n = 0;
    await pool(mine, o.jobs ?? 2, async ({ mutant, src }) => {
      compiled.set(mutant.id, await compileVariant(b, mutant.file, apply(src, mutant)));
      if (++n % 100 === 0) log(`${name}: compiled ${n}/${mine.length}`);
    });
    const firstOfKey = new Map<string, string>();
    const live: Live[] = [];
    for (const { mutant, src } of mine) {
      const c = compiled.get(mutant.id)!;
      const line = lineOf(src, mutant.line);
      const v = { mutant, target: name, line };
      if (!c.key) set({ ...v, fate: "stillborn", detail: c.error });
      else if (c.key === baseKey.get(mutant.file)) set({ ...v, fate: "tce-equivalent" });
      else if (firstOfKey.has(c.key)) {
        set({ ...v, fate: "duplicate", detail: firstOfKey.get(c.key) });
      } else {
        firstOfKey.set(c.key, mutant.id);
        live.push({ mutant, line, key: c.key, bin: await linkVariant(b, mutant.file, c) });
      }
    }
    log(`${name}: ${live.length} distinct mutants through the default gate`);
    const stage = new Stage(b.dir, gateFingerprint(runs), timeoutMs);
    const survivors: typeof live = [];
    const perCase = PER_CASE_RUNS[name]?.();
    n = 0;
    const byRid = new Map(runs.map((r) => [r.rid, r]));
    for (const x of live) {
      const killed = await stage.verdict(x, "gate", async () => {
        // A kill recorded under an earlier gate names its run: when today's gate has a run of
        // that id and it fails, the mutant is killed by today's gate, without the other runs.
        for (const d of await stage.earlierKills(x, "gate")) {
          const run = byRid.get(d.replace(/ \(.*$/, "")) ?? runs[0]!;
          const v = await firstFailure(x.mutant.id, x.bin, [run], timeoutMs);
          if (v) return v;
        }
        return await firstFailure(x.mutant.id, x.bin, runs, timeoutMs);
      });
      const byTest = !killed && perCase
        ? await stage.verdict(
          x,
          "percase",
          () => firstFailure(x.mutant.id, x.bin, perCase, timeoutMs, true),
        )
        : undefined;
      if (killed) {
        set({ mutant: x.mutant, target: name, line: x.line, fate: "killed-gate", detail: killed });
      } else if (byTest) {
        set({ ...verdictBase(name, x), fate: "killed-percase", detail: byTest });
      } else survivors.push(x);
      if (++n % 25 === 0) log(`${name}: gate ${n}/${live.length}, ${survivors.length} alive`);
    }
    log(
      `${name}: ${survivors.length} survive the gate; fuzzing ${o.fuzzRuns ?? 100_000} runs each`,
    );
    const left = await fuzzSurvivors(name, target, survivors, o, set, stage, log);
    // The knobs on the gate's named and family cases (not its generated states or fuzz batch).
    const ioRuns = runs.filter((r) => !/\/(gen|fuzz)\//.test(r.rid));
    const after: typeof live = [];
    for (const x of left) {
      let knob: string | undefined;
      for (const k of name === "seed-c" ? FILE_KNOBS : []) {
        const killed = await stage.verdict(
          x,
          k,
          () => firstFailure(x.mutant.id, `${x.bin} ${k}`, ioRuns, timeoutMs),
        );
        if (killed) {
          knob = `${k}: ${killed}`;
          break;
        }
      }
      if (knob) {
        set({ mutant: x.mutant, target: name, line: x.line, fate: "killed-file-io", detail: knob });
      } else after.push(x);
    }
    // A memory checker on what is left: a build mechanism, not a case (an out-of-bounds write
    // that changes nothing on this heap, a buffer never terminated that happens to be zero), on
    // the gate's named and family runs (as the knobs: a checked build is several times slower).
    const checked = await memcheckSurvivors(name, b, mine, after, ioRuns, perCase, stage, log);
    for (const x of checked.killed) {
      set({ ...verdictBase(name, x), fate: "killed-memcheck", detail: x.detail });
    }
    for (const x of checked.left) {
      const t = triage[x.mutant.id];
      const fate = t && t.line === x.line ? "triaged" : "survived";
      set({ mutant: x.mutant, target: name, line: x.line, fate, triage: t });
    }
  }
  const ordered = chosen.map((x) => verdicts.get(x.mutant.id)!);
  const stale = staleTriage(o.triage ?? {}, o.targets, verdicts);
  return { verdicts: ordered, stale, ms: performance.now() - t0 };
}

/**
 * The survivors run again built with a memory checker (`memcheckVariant`):
 * the gate's runs, then the per-case runs. The original so built must pass
 * both first; a target that cannot be built so leaves every survivor as it is.
 */
async function memcheckSurvivors(
  name: string,
  b: RecordedBuild,
  mine: readonly { mutant: Mutant; src: string }[],
  survivors: readonly Live[],
  runs: readonly CaseRun[],
  perCase: readonly CaseRun[] | undefined,
  stage: Stage,
  log: (line: string) => void,
): Promise<{ killed: (Live & { detail: string })[]; left: Live[] }> {
  if (!survivors.length) return { killed: [], left: [] };
  const srcOf = new Map(mine.map((x) => [x.mutant.id, x.src]));
  const check = async (id: string, bin: string) =>
    await firstFailure(id, `env ${MEMCHECK_ENV} ${bin}`, runs, 10_000) ??
      (perCase
        ? await firstFailure(id, `env ${MEMCHECK_ENV} ${bin}`, perCase, 10_000, true)
        : undefined);
  const f0 = survivors[0]!.mutant.file;
  const base = await memcheckVariant(b, f0, srcOf.get(survivors[0]!.mutant.id)!);
  if ("why" in base) {
    log(`${name}: ${base.why}`);
    return { killed: [], left: [...survivors] };
  }
  const bad = await check(`${name}-memcheck`, base.bin);
  if (bad) throw new Error(`the original ${name} built with a memory checker fails: ${bad}`);
  const killed: (Live & { detail: string })[] = [], left: Live[] = [];
  for (const x of survivors) {
    const v = await stage.verdict(x, "memcheck", async () => {
      const m = await memcheckVariant(b, x.mutant.file, apply(srcOf.get(x.mutant.id)!, x.mutant));
      return "bin" in m ? await check(x.mutant.id, m.bin) : undefined;
    });
    if (v) killed.push({ ...x, detail: `memory checker: ${v}` });
    else left.push(x);
  }
  log(`${name}: ${killed.length} of ${survivors.length} killed with a memory checker`);
  return { killed, left };
}

async function fuzzSurvivors(
  name: string,
  target: MutationTarget,
  survivors: readonly Live[],
  o: MechanicalOptions,
  set: (v: MutantVerdict) => void,
  stage: Stage,
  log: (l: string) => void,
): Promise<Live[]> {
  const want = o.fuzzRuns ?? 100_000;
  const seed = o.fuzzSeed ?? 2;
  const key = `fuzz-s${seed}-n${want}`;
  let alive: Live[] = [];
  const before: Live[] = []; // survived this stage in an earlier run
  for (const x of survivors) {
    const c = await stage.cached(x, key);
    if (c === undefined) alive.push(x);
    else if (c) set({ ...verdictBase(name, x), fate: "killed-fuzz", detail: c });
    else before.push(x);
  }
  const left = () => survivors.filter((x) => before.includes(x) || alive.includes(x));
  if (!want || !alive.length) return left();
  const original = new ProcessTestee(`${name}-original`, alive[0]!.bin);
  const declared = new Set(declaredCells(await original.start().finally(() => original.close())));
  const survived = new Set(alive);
  let done = 0, index = 0;
  // Big batches: each survivor starts once per batch, and stops at its first failing run.
  const per = 2500;
  while (done < want && alive.length) {
    const cases = target.abis.flatMap((abi) => [...fuzzCases(seed, per, abi as AbiName, index)]);
    index += per;
    const runs = caseRuns(cases).filter((r) => declared.has(cellOf(r))).slice(0, want - done);
    done += runs.length;
    const next = [];
    for (const x of alive) {
      const bad = await firstFailure(x.mutant.id, x.bin, runs, stage.timeoutMs);
      if (bad) {
        const detail = `${bad}, fuzz seed ${seed}`;
        await stage.store(x, key, detail);
        survived.delete(x);
        set({ ...verdictBase(name, x), fate: "killed-fuzz", detail });
      } else next.push(x);
    }
    alive = next;
    log(`${name}: fuzz ${done} runs, ${alive.length} alive`);
  }
  for (const x of survived) await stage.store(x, key, "");
  return left();
}

/** A distinct mutant's program. */
interface Live {
  readonly mutant: Mutant;
  readonly line: string;
  readonly bin: string;
  /** Its TCE key: the cache key of its verdicts. */
  readonly key: string;
}

const verdictBase = (target: string, x: Live) => ({ mutant: x.mutant, target, line: x.line });

/**
 * Verdicts of one stage cached by the program's TCE key and a fingerprint of
 * the gate (every run id and every source of the reference, the cases, the
 * protocol and the harness): "" survived, else the killing detail.
 */
export class Stage {
  constructor(readonly dir: string, readonly fingerprint: string, readonly timeoutMs: number) {}
  #path(x: Pick<Live, "key">, stage: string) {
    return `${this.dir}/verdicts/${this.fingerprint}/${x.key}-${stage.replace(/[^\w.=-]+/g, "_")}`;
  }
  /**
   * The kills of the same program (its TCE key) at `stage` recorded under
   * other gates: other fingerprints of this build, and other builds of the
   * same target (`<target>-<key>` folders beside this one). Only a hint of
   * which run to try first: a kill counts when a run of today's gate fails.
   */
  async earlierKills(x: Pick<Live, "key">, stage: string): Promise<string[]> {
    const root = this.dir.replace(/\/[^/]*$/, "");
    const family = this.dir.slice(root.length + 1).replace(/-[0-9a-f]+$/, "");
    const name = `${x.key}-${stage.replace(/[^\w.=-]+/g, "_")}`;
    const out: string[] = [];
    const entries = async (d: string) => {
      const names: string[] = [];
      try {
        for await (const e of Deno.readDir(d)) names.push(e.name);
      } catch {
        // no such folder: nothing recorded there
      }
      return names.sort();
    };
    for (const build of await entries(root)) {
      if (!build.startsWith(`${family}-`)) continue;
      for (const fp of await entries(`${root}/${build}/verdicts`)) {
        if (build === this.dir.slice(root.length + 1) && fp === this.fingerprint) continue;
        const v = await Deno.readTextFile(`${root}/${build}/verdicts/${fp}/${name}`).catch(() =>
          ""
        );
        if (v) out.push(v);
      }
    }
    return out;
  }
  async cached(x: Pick<Live, "key">, stage: string): Promise<string | undefined> {
    return await Deno.readTextFile(this.#path(x, stage)).catch(() => undefined);
  }
  async store(x: Pick<Live, "key">, stage: string, verdict: string): Promise<void> {
    const p = this.#path(x, stage);
    await Deno.mkdir(p.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(p, verdict);
  }
  /** The cached verdict, or `f()`'s, stored. */
  async verdict(x: Live, stage: string, f: () => Promise<string | undefined>) {
    const c = await this.cached(x, stage);
    if (c !== undefined) return c || undefined;
    const v = await f();
    await this.store(x, stage, v ?? "");
    return v;
  }
}

/**
 * The sources that decide the gate's expected results and its judging:
 * every module of `reference/`, `cases/`, `protocol/` and `harness/` (tests
 * aside), and each JSON file there that one of them imports (not the triage
 * lists and exceptions the tools read).
 */
export function fingerprintSources(): string[] {
  const files = ["reference", "cases", "protocol", "harness"].flatMap((d) =>
    filesUnder(d, /\.(ts|json)$/)
  ).filter((f) => !f.endsWith("_test.ts"));
  const text = files.filter((f) => f.endsWith(".ts")).map((f) => Deno.readTextFileSync(repo(f)))
    .join("\n");
  return files.filter((f) => !f.endsWith(".json") || text.includes(`/${f.replace(/^.*\//, "")}"`));
}

const repo = (f: string) => new URL(`../${f}`, import.meta.url);

/** The gate's fingerprint: its run ids and {@link fingerprintSources}. */
export function gateFingerprint(runs: readonly { rid: string }[]): string {
  const h = createHash("sha256");
  for (const r of runs) h.update(r.rid).update("\n");
  for (const f of fingerprintSources()) h.update(f).update(Deno.readFileSync(repo(f)));
  return h.digest("hex").slice(0, 16);
}

/**
 * Triage entries of `targets` that no longer describe a surviving mutant: no
 * such mutant, its line changed, or (when `verdicts` has it) it is no longer
 * a survivor.
 */
export function staleTriage(
  triage: Readonly<Record<string, Triage>>,
  targets: readonly string[],
  verdicts: ReadonlyMap<string, MutantVerdict> = new Map(),
): string[] {
  const out: string[] = [];
  const all = targets.flatMap((t) => targetMutants(TARGETS[t]!));
  const byId = new Map(all.map((x) => [x.mutant.id, x]));
  const targetOf = (id: string) =>
    Object.values(TARGETS).find((t) => t.files.some((f) => id.startsWith(`${f}:`)));
  for (const [id, t] of Object.entries(triage)) {
    const tg = targetOf(id);
    if (tg && !targets.includes(tg.name)) continue;
    const x = byId.get(id);
    const line = x && lineOf(x.src, x.mutant.line);
    const v = verdicts.get(id);
    if (!x) out.push(`${id}: no such mutant`);
    else if (line !== t.line) out.push(`${id}: the line is now "${line}"`);
    else if (v && v.fate !== "triaged") {
      out.push(`${id}: ${v.fate}${v.detail ? ` (${v.detail})` : ""}`);
    }
  }
  return out;
}
