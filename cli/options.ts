/**
 * The gate's command line: its usage text and the parser that turns
 * arguments into checked {@link Options}, or a {@link UsageError} saying
 * which option is wrong, what it expects and what it found.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { abiNames } from "../reference/abi.ts";
import { CrconformError } from "../reference/errors.ts";
import { type Profile, PROFILES } from "../reference/types.ts";
import { type Op, OPS } from "../protocol/codec.ts";
import { requiredCells } from "../harness/cells.ts";

/** The default size of the fixed-seed fuzz batch: restart images per ABI (and checkpoint states). */
export const DEFAULT_FUZZ = 10_000;

/**
 * Above this many runs (as estimated from `--cases`, `--fuzz` and the ABIs)
 * the gate streams the suite unless a report needs every result: at 100,000
 * runs a suite held in memory takes about 300 MiB, a streamed one about 210.
 */
export const STREAM_ABOVE = 120_000;

/** The usage text of `deno task conform`. */
export const USAGE = `usage: deno task conform [options]

Runs the crconform suite against the reference model, the bundled
implementations and any --impl, and exits 0 (every implementation
conforms), 1 (one does not) or 2 (usage or setup error).

Implementations
  --impl NAME=CMD        add a testee started as \`sh -c CMD\` (persistent mode);
                         NAME=percase:CMD runs \`CMD OP\` once per case
  --only NAME            run only this implementation (repeatable)
  --no-bundled           do not run the bundled implementations
  --kernel               also run the live patched kernels in QEMU (builds them
                         on first use: about 15 minutes cold, then seconds)
  --strict               exit 2 when a bundled implementation is unavailable
                         on this host (without it: reported, verdict unchanged;
                         \`deno task doctor\` says what is missing)

What to run (an implementation must run every cell it declares in scope)
  --op OP                checkpoint or restart (repeatable)
  --abi ABI              ${abiNames().join(" or ")} (repeatable)
  --profile P            ${PROFILES.join(" or ")} (repeatable)
  --require CELL         fail unless the testee declares and runs CELL:
                         OP/ABI/PROFILE, wildcards * and ? (repeatable)
  --filter GLOB          keep result ids matching GLOB (repeatable; * and ?)
  --shard K/N            run shard K of N (deterministic split by case id)
  --seed S               generator and fuzz seed (default 1)
  --cases N              generated task states per ABI (default 64)
  --fuzz N               fuzzed restart images (and checkpoint states) per ABI
                         in the fixed-seed batch (default ${DEFAULT_FUZZ}; 0: none)
  --replay FILE          run the cases of a fuzz corpus file instead of the suite
                         (repeatable)

Results
  --expect FILE          known failures (see harness/expect.ts for the format)
  --update-expect        rewrite --expect FILE from this run's failures
  --json FILE            write every result as JSON (docs/REPORTS.md)
  --jsonl FILE           write JSON Lines as results arrive (large runs)
  --answers FILE         write every answer each implementation gave, as JSON Lines
                         (harness/answers.ts: replay them against another oracle)
  --junit FILE           write JUnit XML (one testsuite per implementation)
  --html FILE            write a self-contained HTML report (a matrix per facet)
  --max-failures N       failures printed in full per implementation (default 10)
  --no-shrink            do not shrink failing generated and fuzzed cases
  --fail-fast            stop at the first failing run (exit 1, partial reports; not with --expect)
  --list                 print the selected result ids and exit
  --stream               stream the suite: runs are made as they are sent and
                         passes are counted, not kept, so memory stays flat
                         (automatic above ${
  STREAM_ABOVE.toLocaleString("en-US")
} runs when no --json, --junit,
                         --html or --update-expect needs every result)
  -q, --quiet            no progress on stderr

Testees
  --timeout MS           per-case timeout (default 5000)
  --window N             requests in flight per testee (default 64); per case:
                         processes at once (default: one per core)
  --max-timeouts N       give up on an implementation after N consecutive
                         timeouts: its other runs are not-run, and it does not
                         conform (default 3; 0: never)
  --impl-budget SECONDS  wall-time budget per implementation: when spent, its
                         other runs are not-run (default 3600; 0: none)

  --version              print the gate's version, the protocol version and the
                         fingerprint of the selected suite, and exit
  -h, --help             this text`;

/** A command line the gate cannot run: the message names the option. */
export class UsageError extends CrconformError {
  /** The error's class name. */
  override readonly name: string = "UsageError";
}

/** An `--impl` option. */
export interface ImplSpec {
  /** Its name. */
  readonly name: string;
  /** The command. */
  readonly cmd: string;
  /** One process per case. */
  readonly percase: boolean;
  /** The option as given (for re-run lines). */
  readonly spec: string;
}

/** The parsed, checked command line. */
export interface Options {
  /** `--impl`. */
  readonly impls: readonly ImplSpec[];
  /** `--only`. */
  readonly only: readonly string[];
  /** Not `--no-bundled`. */
  readonly bundled: boolean;
  /** `--kernel`. */
  readonly kernel: boolean;
  /** `--strict`: an unavailable bundled implementation is a setup error. */
  readonly strict: boolean;
  /** `--op`. */
  readonly ops: readonly Op[];
  /** `--abi`. */
  readonly abis: readonly string[];
  /** `--profile`. */
  readonly profiles: readonly Profile[];
  /** `--require`. */
  readonly require: readonly string[];
  /** `--filter`. */
  readonly filters: readonly string[];
  /** `--shard`. */
  readonly shard?: { readonly k: number; readonly n: number };
  /** `--seed`. */
  readonly seed: number;
  /** `--cases`. */
  readonly cases: number;
  /** `--fuzz`. */
  readonly fuzz: number;
  /** `--replay`. */
  readonly replay: readonly string[];
  /** `--expect`. */
  readonly expect?: string;
  /** `--update-expect`. */
  readonly updateExpect: boolean;
  /** `--json`. */
  readonly json?: string;
  /** `--jsonl`. */
  readonly jsonl?: string;
  /** `--answers`. */
  readonly answers?: string;
  /** `--junit`. */
  readonly junit?: string;
  /** `--html`. */
  readonly html?: string;
  /** `--quiet`. */
  readonly quiet: boolean;
  /** `--version`. */
  readonly version: boolean;
  /** `--max-failures`. */
  readonly maxFailures: number;
  /** `--fail-fast`: stop at the first failing run. */
  readonly failFast: boolean;
  /** Not `--no-shrink`. */
  readonly shrink: boolean;
  /** `--list`. */
  readonly list: boolean;
  /** `--stream`. */
  readonly stream: boolean;
  /** `--timeout`. */
  readonly timeout: number;
  /** `--window` (undefined: each mode's default). */
  readonly window?: number;
  /** `--max-timeouts`. */
  readonly maxTimeouts: number;
  /** `--impl-budget`, seconds (0: none). */
  readonly implBudget: number;
  /** `--help`. */
  readonly help: boolean;
}

/** Largest `--cases` and `--fuzz`: cases are generated lazily, but a run must end. */
export const MAX_GENERATED = 100_000_000;

/** Parses and checks the gate's arguments. @throws {UsageError} */
export function parseOptions(args: string[]): Options {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        impl: { type: "string", multiple: true },
        only: { type: "string", multiple: true },
        "no-bundled": { type: "boolean" },
        kernel: { type: "boolean" },
        strict: { type: "boolean" },
        op: { type: "string", multiple: true },
        abi: { type: "string", multiple: true },
        profile: { type: "string", multiple: true },
        require: { type: "string", multiple: true },
        filter: { type: "string", multiple: true },
        shard: { type: "string" },
        seed: { type: "string" },
        cases: { type: "string" },
        fuzz: { type: "string" },
        replay: { type: "string", multiple: true },
        expect: { type: "string" },
        "update-expect": { type: "boolean" },
        json: { type: "string" },
        jsonl: { type: "string" },
        answers: { type: "string" },
        junit: { type: "string" },
        html: { type: "string" },
        quiet: { type: "boolean", short: "q" },
        version: { type: "boolean" },
        "max-failures": { type: "string" },
        "no-shrink": { type: "boolean" },
        "fail-fast": { type: "boolean" },
        list: { type: "boolean" },
        stream: { type: "boolean" },
        timeout: { type: "string" },
        window: { type: "string" },
        "max-timeouts": { type: "string" },
        "impl-budget": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message, { cause: e });
  }
  const int = (name: string, v: string | undefined, def: number, min: number, max: number) => {
    if (v === undefined) return def;
    if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new UsageError(`--${name}: expected an integer ${min}..${max}, found ${v}`);
    }
    return Number(v);
  };
  const oneOf = <T extends string>(name: string, vs: string[] | undefined, known: readonly T[]) => {
    for (const v of vs ?? []) {
      if (!known.includes(v as T)) {
        throw new UsageError(`--${name}: expected ${known.join(" or ")}, found ${v}`);
      }
    }
    return (vs ?? []) as T[];
  };
  let shard: { k: number; n: number } | undefined;
  if (values.shard !== undefined) {
    const m = /^([0-9]+)\/([0-9]+)$/.exec(values.shard);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
      throw new UsageError(`--shard: expected K/N with 1 <= K <= N, found ${values.shard}`);
    }
    shard = { k: Number(m[1]), n: Number(m[2]) };
  }
  const impls = (values.impl ?? []).map((spec): ImplSpec => {
    const eq = spec.indexOf("=");
    if (eq < 1 || eq === spec.length - 1) {
      throw new UsageError(`--impl: expected NAME=CMD, found ${spec}`);
    }
    const name = spec.slice(0, eq);
    const cmd = spec.slice(eq + 1);
    return cmd.startsWith("percase:")
      ? { name, cmd: cmd.slice(8), percase: true, spec }
      : { name, cmd, percase: false, spec };
  });
  const names = impls.map((i) => i.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UsageError(`--impl: the name ${dup} is given twice`);
  for (const r of values.require ?? []) {
    if (!requiredCells(r).length) {
      throw new UsageError(
        `--require: ${r} names no cell (expected OP/ABI[/PROFILE], e.g. restart/x86_64/hardened)`,
      );
    }
  }
  if (values["update-expect"] && !values.expect) {
    throw new UsageError("--update-expect needs --expect FILE");
  }
  if (values.stream) {
    const needsAll = (
      [
        ["--json", values.json],
        ["--junit", values.junit],
        ["--html", values.html],
        ["--update-expect", values["update-expect"]],
        ["--replay", values.replay?.length],
        ["--list", values.list],
      ] as const
    ).filter(([, v]) => v).map(([n]) => n);
    if (needsAll.length) {
      throw new UsageError(
        `--stream keeps only the results that are not passes; ${
          needsAll.join(", ")
        } needs every run (drop --stream, or use --jsonl for every result as it comes)`,
      );
    }
  }
  return {
    impls,
    only: values.only ?? [],
    bundled: !values["no-bundled"],
    kernel: values.kernel ?? false,
    strict: values.strict ?? false,
    ops: oneOf("op", values.op, OPS),
    abis: oneOf("abi", values.abi, abiNames()),
    profiles: oneOf("profile", values.profile, PROFILES),
    require: values.require ?? [],
    filters: values.filter ?? [],
    shard,
    seed: int("seed", values.seed, 1, 0, 0xffffffff),
    cases: int("cases", values.cases, 64, 0, MAX_GENERATED),
    fuzz: int("fuzz", values.fuzz, DEFAULT_FUZZ, 0, MAX_GENERATED),
    replay: values.replay ?? [],
    expect: values.expect,
    updateExpect: values["update-expect"] ?? false,
    json: values.json,
    jsonl: values.jsonl,
    answers: values.answers,
    junit: values.junit,
    html: values.html,
    quiet: values.quiet ?? false,
    version: values.version ?? false,
    maxFailures: int("max-failures", values["max-failures"], 10, 0, 1_000_000),
    shrink: !values["no-shrink"],
    failFast: values["fail-fast"] ?? false,
    list: values.list ?? false,
    stream: values.stream ?? false,
    timeout: int("timeout", values.timeout, 5000, 1, 3_600_000),
    window: values.window === undefined ? undefined : int("window", values.window, 64, 1, 65536),
    maxTimeouts: int("max-timeouts", values["max-timeouts"], 3, 0, 1_000_000),
    implBudget: int("impl-budget", values["impl-budget"], 3600, 0, 31_536_000),
    help: values.help ?? false,
  };
}
