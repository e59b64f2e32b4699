/**
 * `deno task soak`: the long haul, not run in CI. Sends fuzzed restart
 * images (`cases/fuzz.ts`) through the reference model and the bundled C
 * implementation (one persistent process for the whole soak), compares
 * every defined value, and samples the resident memory of the harness and
 * of the C process as it goes; then feeds random and mutated frames to the
 * harness's own decoders (`harness/decoder_fuzz.ts`). Chunked, so memory
 * stays flat, and resumable: `--from K --runs N` covers runs K … K+N-1 of a
 * seed, so 10^7 runs can be done as ten invocations of 10^6. Prints
 * progress, then runs/s and RSS (first, peak, last); exits 0 when nothing
 * differed and no decoder threw anything but a ProtocolError, 1 otherwise,
 * 2 on a usage or setup error.
 *
 * @example
 * ```sh
 * deno task soak                         # 10^7 runs, 10^6 decoder inputs
 * deno task soak --runs 1000000 --from 3000000
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { abiNames } from "../reference/abi.ts";
import type { AbiName } from "../reference/layout.ts";
import { fuzzRestartCase } from "../cases/fuzz.ts";
import { caseRuns } from "../cases/suite.ts";
import { buildC } from "../harness/build.ts";
import { compare, expectedOf, requestOf } from "../harness/compare.ts";
import { DecoderBug, fuzzDecoders } from "../harness/decoder_fuzz.ts";
import { ProcessTestee } from "../harness/process_testee.ts";
import { referenceAnswer } from "../harness/reference_testee.ts";

const USAGE = `usage: deno task soak [options]

Fuzzed restart images through the reference and the C implementation, with
RSS sampled; then fuzzed frames through the harness's decoders.

  --runs N         case runs (one fuzzed image under one profile; default 10000000)
  --from K         first run (default 0): --from K --runs N resumes a long soak
  --seed S         fuzz seed (default 1)
  --chunk N        runs generated and sent at a time (default 2000)
  --decoder N      decoder inputs (default 1000000; 0: none)
  --every S        seconds between progress lines (default 10)
  -h, --help       this text`;

/** Megabytes, rounded. */
const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/**
 * Resident set size of the processes whose command starts with `exe` (the
 * C testee, wherever it was started), in bytes, asked of ps(1): Deno reads
 * /proc only with every permission.
 */
function rssOf(exe: string): number {
  try {
    const out = new Deno.Command("ps", { args: ["-eo", "rss=,args="], stderr: "null" })
      .outputSync();
    let kb = 0;
    for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
      const m = /^\s*(\d+) (\S+)/.exec(line);
      if (m && m[2] === exe) kb += Number(m[1]);
    }
    return kb * 1024;
  } catch {
    return 0;
  }
}

/** First, peak and last of a sampled quantity. */
class Series {
  first = -1;
  peak = 0;
  last = 0;
  /** Adds a sample. */
  add(v: number): void {
    if (this.first < 0) this.first = v;
    this.peak = Math.max(this.peak, v);
    this.last = v;
  }
  /** "first A, peak B, last C". */
  toString(): string {
    return `first ${mb(this.first)}, peak ${mb(this.peak)}, last ${mb(this.last)}`;
  }
}

/** Runs the soak with `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args,
      options: {
        runs: { type: "string" },
        from: { type: "string" },
        seed: { type: "string" },
        chunk: { type: "string" },
        decoder: { type: "string" },
        every: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const num = (name: string, s: string | undefined, def: number, min: number) => {
    const n = s === undefined ? def : Number(s);
    if (!Number.isSafeInteger(n) || n < min || n > 1e12) {
      throw new Error(`--${name}: expected an integer >= ${min}, found ${s}`);
    }
    return n;
  };
  let runs: number, from: number, seed: number, chunk: number, decoder: number, every: number;
  try {
    runs = num("runs", v.runs, 10_000_000, 0);
    from = num("from", v.from, 0, 0);
    seed = num("seed", v.seed, 1, 0);
    chunk = Math.max(2, num("chunk", v.chunk, 2_000, 2));
    decoder = num("decoder", v.decoder, 1_000_000, 0);
    every = num("every", v.every, 10, 1);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const exe = await buildC();
  const c = new ProcessTestee("c", exe, { window: 256 });
  const hello = await c.start();
  const abis = abiNames().filter((a) => hello.abis.includes(a as AbiName)) as AbiName[];
  const profiles = hello.profiles.length;
  console.log(
    `soak: runs ${fmt(from)} … ${fmt(from + runs - 1)} of seed ${seed} (${
      abis.join(", ")
    }, ${profiles} profiles), chunks of ${fmt(chunk)}; C implementation ${hello.name}`,
  );
  const harnessRss = new Series();
  const cRss = new Series();
  let sampledAt = -Infinity;
  const sample = (force = false) => {
    if (!force && performance.now() - sampledAt < 1000) return;
    sampledAt = performance.now();
    harnessRss.add(Deno.memoryUsage().rss);
    const c = rssOf(exe);
    if (c) cRss.add(c);
  };
  let failing = 0;
  let done = 0;
  let refMs = 0, cMs = 0, genMs = 0;
  const t0 = performance.now();
  let lastPrint = t0;
  let printed = -1;
  const line = () => {
    const s = (performance.now() - t0) / 1000;
    return `soak: ${fmt(done)}/${fmt(runs)} runs in ${s.toFixed(1)} s, ${
      fmt(done / s)
    } runs/s (generate and reference ${fmt(done / (genMs / 1000))}/s, compare the reference ${
      fmt(done / (refMs / 1000))
    }/s, C ${fmt(done / (cMs / 1000))}/s), RSS harness ${mb(harnessRss.last)}, C ${
      mb(cRss.last)
    }, ${failing} failing`;
  };
  try {
    // Run r is image floor(r / profiles) under profile r % profiles; images alternate ABIs.
    for (let r = from; r < from + runs;) {
      const end = Math.min(from + runs, r + chunk);
      const tg = performance.now();
      const cases = [];
      for (let img = Math.floor(r / profiles); img * profiles < end; img++) {
        cases.push(fuzzRestartCase(seed, Math.floor(img / abis.length), abis[img % abis.length]!));
      }
      const all = caseRuns(cases);
      const base = Math.floor(r / profiles) * profiles;
      const chunkRuns = all.slice(r - base, end - base);
      const tr = performance.now();
      genMs += tr - tg;
      for (const run of chunkRuns) {
        const res = compare(run, expectedOf(run), referenceAnswer(requestOf(run)));
        if (res.status !== "pass") {
          failing++;
          console.log(`FAIL reference ${res.rid}: ${res.status} ${res.detail ?? ""}`);
        }
      }
      const tc = performance.now();
      refMs += tc - tr;
      await c.run(chunkRuns.map(requestOf), (i, o) => {
        const res = compare(chunkRuns[i]!, expectedOf(chunkRuns[i]!), o);
        if (res.status !== "pass") {
          if (++failing <= 10) {
            console.log(`FAIL c ${res.rid}: ${res.status} ${res.detail ?? ""}`);
          }
        }
      });
      cMs += performance.now() - tc;
      done += chunkRuns.length;
      r = end;
      sample(r === from + runs);
      if (performance.now() - lastPrint >= every * 1000) {
        lastPrint = performance.now();
        printed = done;
        console.log(line());
      }
    }
  } finally {
    await c.close();
  }
  const runSeconds = (performance.now() - t0) / 1000;
  if (runs && printed !== done) console.log(line());
  let decoderBug: string | undefined;
  let decoderLine = "";
  if (decoder) {
    const td = performance.now();
    let stats = { inputs: 0, accepted: 0, rejected: 0 };
    try {
      for (let i = 0; i < decoder; i += 100_000) {
        const s = fuzzDecoders(seed, Math.min(100_000, decoder - i), i);
        stats = {
          inputs: stats.inputs + s.inputs,
          accepted: stats.accepted + s.accepted,
          rejected: stats.rejected + s.rejected,
        };
      }
    } catch (e) {
      if (!(e instanceof DecoderBug)) throw e;
      decoderBug = e.message;
    }
    sample(true);
    const s = (performance.now() - td) / 1000;
    decoderLine = `decoders: ${fmt(stats.inputs)} inputs in ${s.toFixed(1)} s (${
      fmt(stats.inputs / s)
    }/s): ${fmt(stats.accepted)} calls accepted, ${
      fmt(stats.rejected)
    } rejected with a ProtocolError${
      decoderBug ? `; BUG: ${decoderBug}` : ", nothing else thrown"
    }`;
  }
  console.log(
    [
      `soak done: ${fmt(done)} runs in ${runSeconds.toFixed(1)} s = ${
        fmt(done / runSeconds)
      } runs/s through the reference and C, ${failing} failing`,
      `RSS harness: ${harnessRss}`,
      `RSS C process: ${cRss}`,
      ...(decoderLine ? [decoderLine] : []),
    ].join("\n"),
  );
  return failing || decoderBug ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
