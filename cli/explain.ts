/**
 * `deno task explain`: the reference's path through the seed for one run,
 * step by step (see `reference/explain.ts` and `docs/EXPLAIN.md`).
 *
 * - `explain RID [--seed S] [--cases N] [--fuzz N] [--replay FILE]`: a case
 *   by its result id, as a failure or re-run line prints it (every argument
 *   of a re-run line is accepted; those that pick an implementation are
 *   ignored). Without `@profile`, a restart case is explained under both.
 * - `explain --replay FILE [RID]`: the cases of a corpus file (`deno task
 *   fuzz` prints its `--replay` line), or one of them.
 * - `explain --image FILE --abi ABI [--profile P] [--kernel X.Y.Z]
 *   [--comm TEXT | --comm-hex HEX] [--counter N] [--flags N] [--file KIND]`:
 *   an image file with its restart environment.
 *
 * `--json` prints the explanations as JSON. Exits 0, or 2 on a usage error
 * or an id that is not in the suite.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { abiNames } from "../reference/abi.ts";
import { fromHex, padded } from "../reference/bytes.ts";
import { CrconformError } from "../reference/errors.ts";
import {
  explainCheckpoint,
  explainRestart,
  type Explanation,
  formatExplanation,
} from "../reference/explain.ts";
import { type AbiName, TASK_COMM_LEN } from "../reference/layout.ts";
import { defaultRestartEnv, type Profile, PROFILES, type RestartEnv } from "../reference/types.ts";
import { readCorpus } from "../cases/corpus.ts";
import { iterCases } from "../cases/suite.ts";
import type { Case } from "../cases/types.ts";
import { DEFAULT_FUZZ } from "./options.ts";
import { MAX_INSPECT, readBounded } from "./inspect.ts";

const USAGE = `usage:
  deno task explain RID [--seed S] [--cases N] [--fuzz N] [--replay FILE] [--json]
  deno task explain --replay FILE [RID] [--json]
  deno task explain --image FILE --abi ABI [--profile seed|hardened] [--kernel 2.6.25]
                    [--comm TEXT | --comm-hex HEX] [--counter N] [--flags N]
                    [--file ok|bad-fd|write-only|no-read] [--json]
RID is a result id as a failure prints it (restart/x86_64/task/comm-len-4097@seed); the
arguments of a re-run line are accepted as they are.`;

/** A usage error: printed with the usage, exit 2. */
class UsageError extends Error {}

/** One explained run: its title (the result id) and the explanation. */
export interface Explained {
  /** Result id, or a description of the image file. */
  readonly title: string;
  /** The explanation. */
  readonly explanation: Explanation;
}

/** Explains a case under each of `profiles` (restart) or once (checkpoint). */
export function explainCase(c: Case, profiles: readonly Profile[] = PROFILES): Explained[] {
  if (c.op === "checkpoint") {
    return [{ title: c.id, explanation: explainCheckpoint(c.state, c.env) }];
  }
  return (c.profiles ?? PROFILES).filter((p) => profiles.includes(p)).map((p) => ({
    title: `${c.id}@${p}`,
    explanation: explainRestart(c.image, c.env, p),
  }));
}

/** Splits a result id into a case id and a profile. */
export function splitRid(rid: string): { id: string; profile?: Profile } {
  const m = /^(.*)@(seed|hardened)$/.exec(rid);
  return m ? { id: m[1]!, profile: m[2] as Profile } : { id: rid };
}

/**
 * Finds a case of the suite by id, built with the same options as the gate
 * (so generated and fuzzed ids resolve); only the id's ABI is built.
 */
export function findSuiteCase(
  id: string,
  opts: { seed?: number; cases?: number; fuzz?: number },
): Case | undefined {
  const abi = id.split("/")[1];
  if (!abi || !abiNames().includes(abi)) return undefined;
  const find = (fuzz: number) => {
    for (const c of iterCases({ ...opts, fuzz, abis: [abi as AbiName] })) {
      if (c.id === id) return c;
    }
    return undefined;
  };
  // The gate fuzzes DEFAULT_FUZZ images by default; look there only when the id is not elsewhere.
  return find(opts.fuzz ?? 0) ??
    (opts.fuzz === undefined && id.includes("/fuzz/") ? find(DEFAULT_FUZZ) : undefined);
}

function int(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`--${name}: expected an integer in ${min}..${max}, found ${v}`);
  }
  return Number(v);
}

/** The restart environment the image flags describe. */
function imageEnv(values: Record<string, string | boolean | string[] | undefined>): RestartEnv {
  const abi = values.abi as string | undefined;
  if (!abi || !abiNames().includes(abi)) {
    throw new UsageError(`--abi: expected one of ${abiNames().join(", ")}, found ${abi ?? "none"}`);
  }
  const env = defaultRestartEnv(abi as AbiName);
  const kernel = values.kernel as string | undefined;
  if (kernel !== undefined) {
    const m = /^([0-9]+)\.([0-9]+)\.([0-9]+)$/.exec(kernel);
    if (!m || [m[1], m[2], m[3]].some((x) => Number(x) > 255)) {
      throw new UsageError(`--kernel: expected MAJOR.MINOR.PATCH (each 0..255), found ${kernel}`);
    }
    env.kernel = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
  }
  if (values.comm !== undefined) {
    const t = new TextEncoder().encode(values.comm as string);
    if (t.length > TASK_COMM_LEN) {
      throw new UsageError(`--comm: at most ${TASK_COMM_LEN} bytes, found ${t.length}`);
    }
    env.comm = padded(values.comm as string, TASK_COMM_LEN);
  }
  if (values["comm-hex"] !== undefined) {
    const b = fromHex(values["comm-hex"] as string);
    if (!b || b.length !== TASK_COMM_LEN) {
      throw new UsageError(`--comm-hex: expected ${TASK_COMM_LEN} bytes of hex`);
    }
    env.comm = b;
  }
  env.counter = int("counter", values.counter as string | undefined, 0, 0x7fffffff) ?? 0;
  const flags = values.flags as string | undefined;
  if (flags !== undefined) {
    if (!/^[0-9]+$/.test(flags) || BigInt(flags) >= 1n << 64n) {
      throw new UsageError(`--flags: expected an unsigned 64-bit integer, found ${flags}`);
    }
    env.flags = BigInt(flags);
  }
  const file = values.file as string | undefined;
  if (file !== undefined) {
    if (!["ok", "bad-fd", "write-only", "no-read"].includes(file)) {
      throw new UsageError(`--file: expected ok, bad-fd, write-only or no-read, found ${file}`);
    }
    env.file = file as RestartEnv["file"];
  }
  return env;
}

/** What the arguments ask to explain. */
export async function explainArgs(args: string[]): Promise<Explained[]> {
  // The gate's `--kernel` (a live kernel, no value) in a fuzz replay line: not this one's version.
  args = args.filter((a, i) => a !== "--kernel" || /^\d+\.\d+\.\d+$/.test(args[i + 1] ?? ""));
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      seed: { type: "string" },
      cases: { type: "string" },
      fuzz: { type: "string" },
      replay: { type: "string", multiple: true },
      filter: { type: "string", multiple: true },
      profile: { type: "string" },
      image: { type: "string" },
      abi: { type: "string", multiple: true },
      kernel: { type: "string" },
      comm: { type: "string" },
      "comm-hex": { type: "string" },
      counter: { type: "string" },
      flags: { type: "string" },
      file: { type: "string" },
      json: { type: "boolean" },
      // Re-run lines pick an implementation and a cell: accepted, not needed here.
      only: { type: "string", multiple: true },
      impl: { type: "string", multiple: true },
      "no-bundled": { type: "boolean" },
      op: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) throw new UsageError("");
  const profileArg = values.profile;
  if (profileArg !== undefined && !PROFILES.includes(profileArg as Profile)) {
    throw new UsageError(`--profile: expected seed or hardened, found ${profileArg}`);
  }
  if (values.image !== undefined) {
    const env = imageEnv({ ...values, abi: values.abi?.[0] });
    const { bytes, more } = await readBounded(values.image, MAX_INSPECT);
    if (more) throw new UsageError(`--image: ${values.image} is over ${MAX_INSPECT} bytes`);
    const profiles = profileArg ? [profileArg as Profile] : PROFILES;
    return profiles.map((p) => ({
      title: `${values.image} (${env.abi}, ${p})`,
      explanation: explainRestart(bytes, env, p),
    }));
  }
  const rids = [...positionals, ...(values.filter ?? [])];
  const corpus: Case[] = [];
  for (const f of values.replay ?? []) corpus.push(...readCorpus(await Deno.readTextFile(f)));
  if (!rids.length) {
    if (!corpus.length) {
      throw new UsageError("nothing to explain: give a result id, --replay or --image");
    }
    const profiles = profileArg ? [profileArg as Profile] : PROFILES;
    return corpus.flatMap((c) => explainCase(c, profiles));
  }
  const opts = {
    seed: int("seed", values.seed, 0, 0xffffffff),
    cases: int("cases", values.cases, 0, 1_000_000),
    fuzz: int("fuzz", values.fuzz, 0, 1_000_000),
  };
  const out: Explained[] = [];
  for (const rid of rids) {
    const { id, profile } = splitRid(rid);
    const c = corpus.find((c) => c.id === id) ?? findSuiteCase(id, opts);
    if (!c) {
      throw new UsageError(
        `${id}: no such case in the suite built with seed ${opts.seed ?? 1}, cases ${
          opts.cases ?? 64
        }, fuzz ${opts.fuzz ?? 0}${corpus.length ? " or in the --replay files" : ""}` +
          " (give the --seed/--cases/--fuzz of the re-run line)",
      );
    }
    const p = profile ?? (profileArg as Profile | undefined);
    out.push(...explainCase(c, p ? [p] : PROFILES));
  }
  return out;
}

/** Runs the CLI; returns the exit code (0 explained, 2 usage or unknown id). */
export async function main(args: string[]): Promise<number> {
  let explained: Explained[];
  try {
    explained = await explainArgs(args);
  } catch (e) {
    if (e instanceof UsageError || e instanceof CrconformError || e instanceof TypeError) {
      const msg = (e as Error).message;
      console.error(msg ? `${msg}\n${USAGE}` : USAGE);
      return 2;
    }
    if (e instanceof Deno.errors.NotFound) {
      console.error(`${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args.includes("--json")) {
    console.log(JSON.stringify(explained, (_, v) => (typeof v === "bigint" ? String(v) : v), 2));
  } else {
    console.log(explained.map((x) => formatExplanation(x.explanation, x.title)).join("\n\n"));
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
