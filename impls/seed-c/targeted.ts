/**
 * The targeted fill experiment for seed-c: for each restart run the
 * reference calls (partly) undefined, the contents of never-written memory
 * that decide its undecidable checks, taken from the reference's own trace
 * ({@link traceRestart}: each undecidable step names the bytes it read and
 * contents that decide it each way), explored path by path until every
 * value is defined; then seed-c is run with each path's contents
 * (`--fill-at=request`, the request key `x-fill-at`) and must answer what
 * the reference answers with the same contents. An undefined value is shown
 * to vary when two paths give seed-c's answer two different values.
 *
 * @module
 */
import { traceRestart, type UnwrittenByte } from "../../reference/explain.ts";
import { fillAtSpec } from "../../reference/explain_steps.ts";
import { TASK_COMM_LEN } from "../../reference/layout.ts";
import type {
  RestartEnv,
  RestartOutcome,
  UndefinedSource,
  UnwrittenFill,
} from "../../reference/types.ts";
import { frame, parseAnswer } from "../../protocol/codec.ts";
import { requestPayload } from "../../protocol/encode.ts";
import { Child } from "../../harness/child.ts";

/** One never-written byte given a value. */
export interface Assignment {
  /** Where. */
  readonly at: UnwrittenByte;
  /** The byte. */
  readonly value: number;
}

/** One path through a run's undecidable checks: the contents that take it, and the outcome. */
export interface Leaf {
  /** The contents. */
  readonly fill: readonly Assignment[];
  /** The reference's outcome with them (every value defined, unless {@link Leaf.open}). */
  readonly outcome: RestartOutcome;
  /** Some value is still undefined (the exploration stopped at its limit). */
  readonly open?: boolean;
}

/** What the exploration of one run found. */
export interface Exploration {
  /** Its paths. */
  readonly leaves: readonly Leaf[];
  /** Undecidable checks met that only one way could be given contents for (their ids). */
  readonly oneWay: readonly string[];
  /** The path limit was reached. */
  readonly truncated: boolean;
}

/** An undefined value of an outcome: `ret`, `consumed` or `comm[i]`, with its source. */
export interface UndefinedValue {
  /** `ret`, `consumed` or `comm[i]`. */
  readonly name: string;
  /** Where the reference says it comes from. */
  readonly source: UndefinedSource;
}

/** The undefined values of an outcome. */
export function undefinedValues(o: RestartOutcome): UndefinedValue[] {
  const out: UndefinedValue[] = [];
  if (!o.ret.defined) out.push({ name: "ret", source: o.ret.source });
  if (!o.consumed.defined) out.push({ name: "consumed", source: o.consumed.source });
  for (let i = 0; i < TASK_COMM_LEN; i++) {
    if (!o.commDefined[i]) out.push({ name: `comm[${i}]`, source: o.commSource[i] ?? "stack" });
  }
  return out;
}

/** A value of an outcome or an answer by name (`ret`, `consumed`, `comm[i]`). */
export function valueOf(
  o: { ret: number; consumed: number; comm: Uint8Array },
  name: string,
): number {
  if (name === "ret") return o.ret;
  if (name === "consumed") return o.consumed;
  const i = Number(/^comm\[(\d+)\]$/.exec(name)?.[1] ?? NaN);
  return o.comm[i]!;
}

/** A defined outcome's values as plain numbers (undefined ones as NaN). */
export function plainOutcome(
  o: RestartOutcome,
): { ret: number; consumed: number; comm: Uint8Array } {
  return {
    ret: o.ret.defined ? o.ret.value : NaN,
    consumed: o.consumed.defined ? o.consumed.value : NaN,
    comm: o.comm,
  };
}

const keyOf = (u: UnwrittenByte) =>
  u.memory === "stack" ? `stack${u.header}@${u.offset}` : `${u.memory}@${u.offset}`;

/** Contents as the reference takes them. */
export function fillOf(assign: readonly Assignment[]): UnwrittenFill {
  const stack: Map<number, number>[] = [];
  const page = new Map<number, number>(), kmalloc = new Map<number, number>();
  for (const { at, value } of assign) {
    if (at.memory === "stack") (stack[at.header!] ??= new Map()).set(at.offset, value);
    else (at.memory === "page" ? page : kmalloc).set(at.offset, value);
  }
  return { stack, page, kmalloc };
}

/** Contents as seed-c's `--fill-at` takes them: `stack2@3=ff,page@20=00,...`. */
export function fillSpec(assign: readonly Assignment[]): string {
  return fillAtSpec(assign);
}

const allDefined = (o: RestartOutcome) =>
  o.ret.defined && o.consumed.defined && o.commDefined.every((d) => d);

/**
 * Every path through the undecidable checks of a seed restart of `image`,
 * up to about `limit` paths (past it, paths are left open: some value still
 * undefined, not compared): at an undecidable check, each way its trace step
 * gives contents for ({@link ExplainStep.deciding}); when no check is
 * undecidable but a value still is (a parent returned as the value, comm
 * bytes copied from kmalloc), the never-written bytes the run read, all
 * 0x00 and all 0xff.
 */
export function explore(image: Uint8Array, env: RestartEnv, limit = 128): Exploration {
  const leaves: Leaf[] = [];
  const oneWay = new Set<string>();
  let truncated = false;
  // Breadth first: the paths that end early (an -EINVAL at the first undecidable check) are all
  // kept before the limit cuts the deep ones.
  const queue: (readonly Assignment[])[] = [[]];
  while (queue.length) {
    const assign = queue.shift()!;
    const { steps, outcome } = traceRestart(image, env, "seed", fillOf(assign));
    const children: (readonly Assignment[])[] = [];
    const stuck = steps.findLast((s) => s.verdict === "unknown");
    if (allDefined(outcome)) {
      leaves.push({ fill: assign, outcome });
      continue;
    } else if (stuck && stuck.id === outcome.decision.check && stuck.deciding?.length) {
      if (new Set(stuck.deciding.map((d) => d.holds)).size < 2) oneWay.add(stuck.id);
      for (const d of stuck.deciding) children.push([...assign, ...d.bytes]);
    } else {
      const seen = new Set<string>();
      const rest = steps.flatMap((s) => s.unwritten ?? []).filter((u) => {
        const k = keyOf(u);
        return !seen.has(k) && seen.add(k);
      });
      for (const value of [0x00, 0xff]) {
        children.push([...assign, ...rest.map((at) => ({ at, value }))]);
      }
      if (!rest.length) children.length = 0;
    }
    if (!children.length || leaves.length + queue.length + children.length > limit) {
      // No way to go on, or the limit: a path with values still undefined (not compared).
      if (children.length) truncated = true;
      leaves.push({ fill: assign, outcome, open: true });
      continue;
    }
    queue.push(...children);
  }
  return { leaves, oneWay: [...oneWay], truncated };
}

/** One request for seed-c: a seed restart of `image` with contents for never-written memory. */
export interface FillRun {
  /** The file. */
  readonly image: Uint8Array;
  /** The environment. */
  readonly env: RestartEnv;
  /** The contents. */
  readonly fill: readonly Assignment[];
}

/** seed-c's answer to one {@link FillRun}. */
export interface FillAnswer {
  /** The return value. */
  readonly ret: number;
  /** The file position afterwards. */
  readonly consumed: number;
  /** The counter afterwards. */
  readonly counter: number;
  /** comm afterwards. */
  readonly comm: Uint8Array;
}

/**
 * Runs `runs` through seed-c started as `cmd` (persistent mode, with
 * `--fill-at=request`: each request carries its contents as `x-fill-at`),
 * pipelined `window` at a time; resolves to the answers in order.
 * @throws {Error} when seed-c crashes, times out or answers anything but a restart answer.
 */
export async function runSeedC(
  cmd: string,
  runs: readonly FillRun[],
  window = 64,
): Promise<FillAnswer[]> {
  const child = new Child(`${cmd} --fill-at=request`, []);
  const enc = new TextEncoder();
  const out: FillAnswer[] = [];
  let sent = 0;
  try {
    for (let i = 0; i < runs.length; i++) {
      for (; sent < runs.length && sent < i + window; sent++) {
        const r = runs[sent]!;
        const body = requestPayload(
          { op: "restart", image: r.image, env: r.env, profile: "seed" },
          sent,
        );
        const extra = enc.encode(`x-fill-at ${fillSpec(r.fill)}\n`);
        const payload = new Uint8Array(body.length + extra.length);
        payload.set(body);
        payload.set(extra, body.length);
        child.write(frame(payload));
      }
      const f = await child.nextFrame(60_000);
      if (!(f instanceof Uint8Array)) throw new Error(`seed-c (${cmd}): ${f} at request ${i}`);
      const a = parseAnswer(f, "restart", i);
      if (a.kind !== "restart") {
        throw new Error(`seed-c (${cmd}): request ${i} answered ${JSON.stringify(a)}`);
      }
      out.push({ ret: a.ret, consumed: a.consumed, counter: a.counter, comm: a.comm });
    }
  } finally {
    child.endInput();
    await child.close(10_000, 1_000);
  }
  return out;
}
