/**
 * `deno task vectors --out DIR`: the suite as test vectors, in the manner of
 * Wycheproof — versioned JSON files any language can read, one per
 * operation × ABI (`restart-x86_64.json`, …), each test with its full
 * input (the protocol's request keys), the reference's expected outcome on
 * every defined value under each profile, and which values are undefined in
 * the seed and why. Schema: `docs/vectors.schema.json`; guide:
 * `docs/VECTORS.md`; a stdlib-only consumer: `vectors/check.py`.
 *
 * The vectors hold the deterministic suite by default (catalog, shape,
 * families, regressions and the generated states of the printed seed:
 * `--fuzz 0`), about 16,000 runs in 25 MB; `--fuzz N` adds the fixed-seed
 * fuzz batch (much larger). The output holds no path and no time: two
 * runs with the same options write the same bytes from any checkout.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { abiNames } from "../reference/abi.ts";
import { toHex } from "../reference/bytes.ts";
import { seedLineOf } from "../reference/explain.ts";
import { type AbiName, TASK_STATE_FIELDS } from "../reference/layout.ts";
import {
  type CheckpointResult,
  type Profile,
  PROFILES,
  type RestartOutcome,
  type TaskState,
} from "../reference/types.ts";
import { iterCases } from "../cases/suite.ts";
import type { Case, CaseRun } from "../cases/types.ts";
import { featuresOf, PROTOCOL_VERSION } from "../protocol/codec.ts";
import { ioKeys } from "../protocol/io_keys.ts";
import { type Selection, selectRunsIter } from "../harness/runs.ts";
import { facetsOf, FingerprintHash } from "../harness/report/common.ts";
import config from "../deno.json" with { type: "json" };

/** The vector files' schema version (`schemaVersion`); bumped on any incompatible change. */
export const VECTORS_SCHEMA_VERSION = 1;

const USAGE = `usage: deno task vectors --out DIR [--filter GLOB]... [--abi ABI]... [--op OP]...
                          [--profile P]... [--seed S] [--cases N] [--fuzz N]
Writes DIR/<op>-<abi>.json (schema docs/vectors.schema.json). Default: the deterministic
suite (--seed 1 --cases 64 --fuzz 0).`;

/** What to write. */
export interface VectorOptions {
  /** Generator seed. @default 1 */
  readonly seed?: number;
  /** Generated states per ABI. @default 64 */
  readonly cases?: number;
  /** Fuzzed images per ABI. @default 0 */
  readonly fuzz?: number;
  /** Which runs (as the gate's --op/--abi/--profile/--filter). */
  readonly selection?: Selection;
}

/** One vector file: its name and text. */
export interface VectorFile {
  /** `restart-x86_64.json`. */
  readonly name: string;
  /** The JSON text. */
  readonly text: string;
  /** Tests (cases) in it. */
  readonly tests: number;
  /** Runs (a restart test is one run per profile). */
  readonly runs: number;
}

const str = (v: bigint | number) => String(v);

/** The protocol request keys of a case (less `op`, `id` and `profile`). */
export function vectorInput(c: Case): Record<string, string | number> {
  const k = c.env.kernel;
  if (c.op === "restart") {
    const e = c.env;
    return {
      abi: c.abi,
      major: k.major,
      minor: k.minor,
      patch: k.patch,
      counter: e.counter ?? 0,
      flags: str(e.flags ?? 0n),
      crid: e.crid ?? 0,
      file: e.file ?? "ok",
      ...Object.fromEntries(e.io ? ioKeys(e.io) : []),
      comm: toHex(e.comm),
      image: toHex(c.image),
    };
  }
  const e = c.env;
  const input: Record<string, string | number> = {
    abi: c.abi,
    major: k.major,
    minor: k.minor,
    patch: k.patch,
    release: toHex(e.uts.release),
    version: toHex(e.uts.version),
    machine: toHex(e.uts.machine),
    time: str(e.time),
    counter: e.counter ?? 0,
    flags: str(e.flags ?? 0n),
    pid: e.pid ?? 0,
    file: e.file ?? "ok",
    ...Object.fromEntries(e.io ? ioKeys(e.io) : []),
  };
  for (const f of TASK_STATE_FIELDS) input[f] = str(c.state[f as keyof TaskState] as bigint);
  input.comm = toHex(c.state.comm);
  return input;
}

/** A restart outcome as a vector expects it: defined values, `null` and a reason for the others. */
export function expectedRestart(o: RestartOutcome, cls: string): Record<string, unknown> {
  const undef: { value: string; source: string; why: string }[] = [];
  if (!o.ret.defined) undef.push({ value: "ret", source: o.ret.source, why: o.ret.why });
  if (!o.consumed.defined) {
    undef.push({ value: "consumed", source: o.consumed.source, why: o.consumed.why });
  }
  const bad = o.commDefined.flatMap((d, i) => (d ? [] : [i]));
  if (bad.length) {
    undef.push({
      value: `comm[${bad[0]}..${bad.at(-1)}]`,
      source: o.commSource[bad[0]!]!,
      why: `never-written ${o.commSource[bad[0]!]} memory reaches comm (${o.decision.detail})`,
    });
  }
  return {
    class: cls,
    ret: o.ret.defined ? o.ret.value : null,
    consumed: o.consumed.defined ? o.consumed.value : null,
    counter: o.counter,
    comm: toHex(o.comm).replace(
      /(..)/g,
      (_, b: string, i: number) => o.commDefined[i / 2] ? b : "??",
    ),
    decidedBy: `${o.decision.check} @${o.decision.offset}`,
    seedLine: seedLineOf(o.decision.check).seed,
    undefined: undef,
  };
}

/** A checkpoint result as a vector expects it (every value defined). */
export function expectedCheckpoint(r: CheckpointResult, cls: string): Record<string, unknown> {
  return {
    class: cls,
    ret: r.ret,
    counter: r.counter,
    image: toHex(r.image),
    decidedBy: `${r.decision.check} @${r.decision.offset}`,
    seedLine: seedLineOf(r.decision.check, "checkpoint").seed,
  };
}

/** One test: the case's input and, per run (profile), the expected outcome. */
function testOf(tcId: number, runs: readonly CaseRun[]): Record<string, unknown> {
  const c = runs[0]!.case;
  const requires = featuresOf(c.env);
  const base = {
    tcId,
    id: c.id,
    comment: c.reason,
    ...(requires.length ? { requires } : {}),
    input: vectorInput(c),
  };
  if (c.op === "checkpoint") {
    const e = runs[0]!.expected;
    if (e.kind !== "checkpoint") throw new Error(`${c.id}: a restart result for a checkpoint`);
    return { ...base, expected: expectedCheckpoint(e.r, runs[0]!.class) };
  }
  const expected: Record<string, unknown> = {};
  for (const r of runs) {
    const e = r.expected;
    if (e.kind !== "restart") throw new Error(`${c.id}: a checkpoint result for a restart`);
    expected[r.profile!] = expectedRestart(e.o, r.class);
  }
  return { ...base, expected };
}

/** Writes the lines of one file: a header, then one test per line, grouped by case group. */
function fileText(
  header: Record<string, unknown>,
  groups: ReadonlyMap<string, string[]>,
): string {
  const out = ["{"];
  for (const [k, v] of Object.entries(header)) {
    out.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  }
  out.push(`  "testGroups": [`);
  const gs = [...groups];
  gs.forEach(([group, tests], gi) => {
    out.push(`    {"group": ${JSON.stringify(group)}, "tests": [`);
    tests.forEach((t, i) => out.push(`      ${t}${i < tests.length - 1 ? "," : ""}`));
    out.push(`    ]}${gi < gs.length - 1 ? "," : ""}`);
  });
  out.push("  ]", "}");
  return out.join("\n") + "\n";
}

/**
 * The vector files of a selection, in a stable order: every selected run,
 * its case once per file, with the fingerprint the gate prints for the same
 * selection (`deno task conform --version --fuzz 0`).
 */
export function vectorFiles(opts: VectorOptions = {}): VectorFile[] {
  const seed = opts.seed ?? 1, cases = opts.cases ?? 64, fuzz = opts.fuzz ?? 0;
  const sel = opts.selection ?? {};
  const suite = iterCases({ seed, cases, fuzz, abis: sel.abis?.length ? sel.abis : undefined });
  const all = new FingerprintHash();
  type Acc = { groups: Map<string, string[]>; tests: number; runs: number; fp: FingerprintHash };
  const files = new Map<string, Acc>();
  let pending: CaseRun[] = [];
  const flush = () => {
    if (!pending.length) return;
    const c = pending[0]!.case;
    const key = `${c.op}-${c.abi}`;
    let acc = files.get(key);
    if (!acc) {
      files.set(key, acc = { groups: new Map(), tests: 0, runs: 0, fp: new FingerprintHash() });
    }
    const group = facetsOf(pending[0]!).group;
    let g = acc.groups.get(group);
    if (!g) acc.groups.set(group, g = []);
    acc.tests++;
    acc.runs += pending.length;
    for (const r of pending) acc.fp.add(r.rid);
    g.push(JSON.stringify(testOf(acc.tests, pending)));
    for (const r of pending) r.release?.();
    pending = [];
  };
  for (const r of selectRunsIter(suite, sel)) {
    all.add(r.rid);
    if (pending.length && pending[0]!.case !== r.case) flush();
    pending.push(r);
  }
  flush();
  const fingerprint = all.digest();
  const out: VectorFile[] = [];
  for (const [key, acc] of files) {
    const [op, abi] = key.split("-") as [string, AbiName];
    const profiles = op === "restart"
      ? PROFILES.filter((p) => !sel.profiles?.length || sel.profiles.includes(p))
      : [];
    const header = {
      schema: "crconform-vectors",
      schemaVersion: VECTORS_SCHEMA_VERSION,
      generator: {
        name: "crconform",
        version: config.version,
        protocol: PROTOCOL_VERSION,
        command: commandOf(opts),
      },
      suite: { seed, cases, fuzz, fingerprint },
      fileFingerprint: acc.fp.digest(),
      operation: op,
      abi,
      profiles,
      numberOfTests: acc.tests,
      numberOfRuns: acc.runs,
      notes: NOTES,
    };
    out.push({
      name: `${key}.json`,
      text: fileText(header, acc.groups),
      tests: acc.tests,
      runs: acc.runs,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** What the header's `notes` say, once per file. */
const NOTES = {
  "must-accept": "the reference succeeds (restart ret 0; checkpoint ret > 0, the crid)",
  "must-reject": "the reference returns an error or a parent quirk value",
  "undefined-in-seed":
    "the seed's answer depends on never-written memory: compare only the values that are not null (and comm bytes that are not ??)",
  compare:
    "restart: ret and consumed when not null, counter, comm byte by byte where not ??; checkpoint: ret, counter, image",
  input:
    "the protocol's request keys (protocol/PROTOCOL.md): send them as `key value` lines with op, id and, for restart, profile",
  requires:
    "the protocol features a test needs (io, io-zero, no-method: PROTOCOL.md, Features); absent: none. Skip a test whose features your implementation does not handle",
};

/** The command that writes these vectors, as the header records it (no path). */
function commandOf(opts: VectorOptions): string {
  const parts = ["deno task vectors"];
  if ((opts.seed ?? 1) !== 1) parts.push(`--seed ${opts.seed}`);
  if ((opts.cases ?? 64) !== 64) parts.push(`--cases ${opts.cases}`);
  if ((opts.fuzz ?? 0) !== 0) parts.push(`--fuzz ${opts.fuzz}`);
  const s = opts.selection ?? {};
  for (const op of s.ops ?? []) parts.push(`--op ${op}`);
  for (const a of s.abis ?? []) parts.push(`--abi ${a}`);
  for (const p of s.profiles ?? []) parts.push(`--profile ${p}`);
  for (const f of s.filters ?? []) parts.push(`--filter '${f}'`);
  return parts.join(" ");
}

/** Runs the CLI; returns the exit code (0 written, 2 usage). */
export async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        out: { type: "string" },
        filter: { type: "string", multiple: true },
        abi: { type: "string", multiple: true },
        op: { type: "string", multiple: true },
        profile: { type: "string", multiple: true },
        seed: { type: "string" },
        cases: { type: "string" },
        fuzz: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const fail = (msg: string) => {
    console.error(`${msg}\n${USAGE}`);
    return 2;
  };
  if (!values.out) return fail("--out DIR is required");
  const num = (v: string | undefined, max: number) =>
    v === undefined ? undefined : /^[0-9]+$/.test(v) && Number(v) <= max ? Number(v) : NaN;
  const seed = num(values.seed, 0xffffffff);
  const cases = num(values.cases, 1_000_000);
  const fuzz = num(values.fuzz, 1_000_000);
  for (const [n, v] of [["seed", seed], ["cases", cases], ["fuzz", fuzz]] as const) {
    if (Number.isNaN(v)) return fail(`--${n}: expected a non-negative integer`);
  }
  for (const a of values.abi ?? []) {
    if (!abiNames().includes(a)) {
      return fail(`--abi: expected one of ${abiNames().join(", ")}, found ${a}`);
    }
  }
  for (const o of values.op ?? []) {
    if (o !== "checkpoint" && o !== "restart") {
      return fail(`--op: expected checkpoint or restart, found ${o}`);
    }
  }
  for (const p of values.profile ?? []) {
    if (!PROFILES.includes(p as Profile)) {
      return fail(`--profile: expected seed or hardened, found ${p}`);
    }
  }
  const files = vectorFiles({
    seed,
    cases,
    fuzz,
    selection: {
      ops: values.op,
      abis: values.abi as AbiName[] | undefined,
      profiles: values.profile as Profile[] | undefined,
      filters: values.filter,
    },
  });
  if (!files.length) return fail("the selection is empty: no vector written");
  await Deno.mkdir(values.out, { recursive: true });
  for (const f of files) {
    await Deno.writeTextFile(`${values.out}/${f.name}`, f.text);
    console.log(`${f.name}: ${f.tests} tests, ${f.runs} runs, ${f.text.length} bytes`);
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
