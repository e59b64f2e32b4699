/**
 * The whole suite: generated states, the named catalog, every truncation
 * point and the shape cases, for each ABI; each case paired with its class
 * under each profile, from the reference outcome.
 *
 * @module
 */
import { abiNames } from "../reference/abi.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { type AbiName, foreignAbi } from "../reference/layout.ts";
import { restart } from "../reference/restart.ts";
import {
  type CheckpointEnv,
  type CheckpointResult,
  defaultCheckpointEnv,
  defaultRestartEnv,
  defaultTaskState,
  type KernelVersion,
  type Profile,
  PROFILES,
  type RestartEnv,
  type Uts,
} from "../reference/types.ts";
import { type CatalogBase, checkpointCatalog, restartCatalog } from "./catalog.ts";
import { generated } from "./generate.ts";
import { remade } from "./remade.ts";
import { familyCases } from "./families.ts";
import { bigImageCases } from "./big_images.ts";
import { fileBehaviourCases } from "./file_behaviours.ts";
import { fuzzCases } from "./fuzz.ts";
import { corpusCases } from "./corpus.ts";
import regressions from "./regressions.json" with { type: "json" };
import { flips, reshaped, sweeps, truncations } from "./shape.ts";
import type { Case, CaseClass, CaseRun, Expected } from "./types.ts";

/** What to build. */
export interface SuiteOptions {
  /** Generator seed. @default 1 */
  seed?: number;
  /** Generated states per ABI. @default 64 */
  cases?: number;
  /** Fuzzed restart images (and as many checkpoint states) per ABI. @default 0 */
  fuzz?: number;
  /** ABIs. @default both */
  abis?: readonly AbiName[];
  /**
   * The kernel the named and shape cases are built for (version and utsname
   * of both calls). Golden kernel captures use their own kernel's.
   * @default the seed's era, 2.6.25
   */
  kernel?: { version: KernelVersion; uts?: Partial<Record<AbiName, Uts>> };
}

/** The catalog base for an ABI: the default task under the given (or default) kernel. */
export function catalogBase(abi: AbiName, kernel?: SuiteOptions["kernel"]): CatalogBase {
  const ckptEnv: CheckpointEnv = defaultCheckpointEnv(abi);
  const rstEnv: RestartEnv = defaultRestartEnv(abi);
  if (kernel) {
    ckptEnv.kernel = { ...kernel.version };
    rstEnv.kernel = { ...kernel.version };
    const uts = kernel.uts?.[abi];
    if (uts) ckptEnv.uts = uts;
  }
  return { abi, state: defaultTaskState(), ckptEnv, rstEnv };
}

/** The named, truncation and shape restart cases and the named checkpoint cases of one ABI. */
export function namedCases(abi: AbiName, kernel?: SuiteOptions["kernel"]): Case[] {
  const b = catalogBase(abi, kernel);
  const other = foreignAbi(abi);
  const image = checkpoint(b.state, b.ckptEnv).image;
  const ckpts = checkpointCatalog(b);
  const max = ckpts.find((c) => c.id.endsWith("/max"))!;
  const maxImage = checkpoint(max.state, max.env).image;
  const maxEnv = { ...b.rstEnv, kernel: max.env.kernel };
  const foreign = other === undefined
    ? undefined
    : checkpoint(b.state, { ...catalogBase(other, kernel).ckptEnv }).image;
  return [
    ...ckpts,
    ...restartCatalog(b),
    ...truncations(abi, image, b.rstEnv),
    ...truncations(abi, maxImage, maxEnv, "max/"),
    ...flips(abi, image, b.rstEnv),
    ...sweeps(abi, image, b.rstEnv),
    ...reshaped(abi, image, b.rstEnv, foreign),
  ];
}

/**
 * Checkpoint results a case can give without computing them again (a
 * generated state's, whose image is the next case's): {@link caseRuns}
 * takes them from here.
 */
const computed = new WeakMap<Case, () => CheckpointResult>();

/**
 * Generated checkpoint cases and the restart of each image, for one ABI
 * (indices `from`…). Their content is made when first read (the state, its
 * image): a case id costs nothing, and the gate makes each state while the
 * testee works on the ones before it. Reading gives the same values every
 * time (the fields are own, enumerable getters: a spread or JSON copies
 * their values).
 */
export function generatedCases(abi: AbiName, seed: number, count: number, from = 0): Case[] {
  const out: Case[] = [];
  for (let i = from; i < from + count; i++) {
    const tag = `s${seed}-${String(i).padStart(4, "0")}`;
    const origin = { kind: "generated" as const, seed, index: i };
    let restartEnv: RestartEnv | undefined;
    const gen = remade(() => generated(seed, i, abi));
    const ckpt = remade(() => {
      const g = gen();
      return checkpoint(g.state, g.env);
    });
    const ck: Case = {
      id: `checkpoint/${abi}/gen/${tag}`,
      op: "checkpoint",
      abi,
      reason: "generated task state",
      get state() {
        return gen().state;
      },
      get env() {
        return gen().env;
      },
      origin,
    };
    computed.set(ck, ckpt);
    out.push(ck);
    out.push({
      id: `restart/${abi}/gen/${tag}`,
      op: "restart",
      abi,
      reason: "restart of a generated image",
      get image() {
        return ckpt().image;
      },
      get env() {
        const env = gen().env;
        return restartEnv ??= {
          abi,
          kernel: env.kernel,
          comm: defaultRestartEnv(abi).comm,
          counter: env.counter,
        };
      },
      origin,
    });
  }
  return out;
}

/**
 * The regression cases: failures `deno task fuzz` found, shrunk, kept in
 * `cases/regressions.json` as named cases (`restart/<abi>/regress/<name>`).
 */
export function regressionCases(): Case[] {
  return corpusCases(regressions.map((o, i) => [`cases/regressions.json entry ${i + 1}`, o]));
}

/**
 * Every case of the suite, in a stable order, made one at a time where it
 * can be (generated and fuzzed cases), so that a huge suite can stream.
 */
export function* iterCases(opts: SuiteOptions = {}): Generator<Case> {
  const seed = opts.seed ?? 1;
  const count = opts.cases ?? 64;
  for (const abi of opts.abis ?? abiNames()) {
    yield* namedCases(abi, opts.kernel);
    yield* familyCases(catalogBase(abi, opts.kernel));
    yield* bigImageCases(catalogBase(abi, opts.kernel));
    yield* fileBehaviourCases(catalogBase(abi, opts.kernel));
    yield* regressionCases().filter((c) => c.abi === abi);
    for (let i = 0; i < count; i++) yield* generatedCases(abi, seed, 1, i);
    yield* fuzzCases(seed, opts.fuzz ?? 0, abi);
  }
}

/** Every case of the suite, in a stable order. */
export function buildCases(opts: SuiteOptions = {}): Case[] {
  const out: Case[] = [];
  for (const c of iterCases(opts)) out.push(c); // no spread: a large suite overflows the stack
  return out;
}

/** The class of a checkpoint return or a restart outcome. */
function classOf(ret: { defined: boolean; value?: number }): CaseClass {
  if (!ret.defined) return "undefined-in-seed";
  return ret.value === 0 ? "must-accept" : "must-reject";
}

/**
 * A case run whose reference result (and so its class) is computed when
 * first read: the gate reads it when an answer comes back, so the reference
 * works while the testee does, instead of before it starts.
 */
class LazyRun implements CaseRun {
  #expected: Expected | undefined;
  #class: CaseClass | undefined;

  /** The case. */
  readonly case: Case;

  constructor(readonly rid: string, c: Case, readonly profile?: Profile) {
    this.case = c;
  }

  /** The reference's result, computed once. */
  get expected(): Expected {
    if (this.#expected) return this.#expected;
    const c = this.case;
    this.#expected = c.op === "checkpoint"
      ? { kind: "checkpoint", r: computed.get(c)?.() ?? checkpoint(c.state, c.env) }
      : { kind: "restart", o: restart(c.image, c.env, this.profile!) };
    return this.#expected;
  }

  /** Its class, from the reference's result. */
  get class(): CaseClass {
    if (this.#class) return this.#class;
    const e = this.expected;
    if (e.kind === "checkpoint") return this.#class = e.r.ret > 0 ? "must-accept" : "must-reject";
    return this.#class = classOf(e.o.ret);
  }

  /** Keeps the class and lets go of the reference's result (computed again if read). */
  release(): void {
    if (this.#expected) this.class;
    this.#expected = undefined;
  }
}

/**
 * Expands cases into runs: a checkpoint case once, a restart case once per
 * profile. Each run's reference result and class are computed when first
 * read.
 */
export function caseRuns(cases: Iterable<Case>): CaseRun[] {
  const out: CaseRun[] = [];
  for (const c of cases) {
    if (c.op === "checkpoint") {
      out.push(new LazyRun(resultId(c), c));
      continue;
    }
    for (const profile of c.profiles ?? PROFILES) {
      out.push(new LazyRun(resultId(c, profile), c, profile));
    }
  }
  return out;
}

/** A run's result id: the case id, and `@profile` for a restart. */
export function resultId(c: Case, profile?: Profile): string {
  return profile ? `${c.id}@${profile}` : c.id;
}

/** Every result id of cases, in order (see {@link caseRuns}), without making their runs. */
export function* resultIds(cases: Iterable<Case>): Generator<string> {
  for (const c of cases) {
    if (c.op === "checkpoint") yield resultId(c);
    else for (const profile of c.profiles ?? PROFILES) yield resultId(c, profile);
  }
}
