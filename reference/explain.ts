/**
 * Explanations: the reference's own path through the seed for one run, step
 * by step — each read (bytes asked, bytes the file gave, the file position
 * after), each check in the seed's order with the value it compared and
 * where each of its bytes came from (an image offset, stale bytes of an
 * earlier record, or memory never written: stack, page or kmalloc), the
 * check that decided, and the seed source line of every step
 * (`seed_lines.json`). Where the outcome is undefined, it says which
 * never-written bytes it depends on and which contents would change it.
 *
 * The steps come from the trace sinks of {@link restartShadow} and
 * {@link checkpoint}: this module only records and words them.
 *
 * @module
 */
import { toHex } from "./bytes.ts";
import { checkpoint } from "./checkpoint.ts";
import { errnoName } from "./errors.ts";
import { fieldAt, layoutOf } from "./layout.ts";
import { restart, restartShadow } from "./restart.ts";
import type {
  CheckpointEnv,
  CheckpointResult,
  Profile,
  RestartEnv,
  RestartOutcome,
  TaskState,
  UnwrittenFill,
} from "./types.ts";
import { validateProfile, validateRestartEnv } from "./validate.ts";
import {
  type ExplainStep,
  hex3,
  SEED_LINES,
  type SeedLine,
  seedLineOf,
  sourceText,
} from "./explain_steps.ts";
import { RestartRecorder } from "./explain_restart.ts";

export {
  type DecidingContents,
  type ExplainStep,
  SEED_LINES,
  SEED_PATCH_FILE,
  type SeedLine,
  seedLineOf,
  sourceText,
  type UnwrittenByte,
} from "./explain_steps.ts";

/** A run explained. */
export interface Explanation {
  /** The operation. */
  readonly op: "checkpoint" | "restart";
  /** Its input, one line per item. */
  readonly input: readonly string[];
  /** Steps in the seed's order. */
  readonly steps: readonly ExplainStep[];
  /** The reference's outcome, one line per value. */
  readonly outcome: readonly string[];
  /** The deciding check: id, file offset, detail and seed line. */
  readonly decided: {
    readonly check: string;
    readonly offset: number;
    readonly detail: string;
    readonly source?: SeedLine;
  };
  /** Why each undefined value of the outcome is undefined (empty when all are defined). */
  readonly undefinedNotes: readonly string[];
}

const retText = (v: number) => (errnoName(v) ? `${v} (${errnoName(v)})` : String(v));

/** An outcome as lines: ret, consumed, counter, comm (`??` where undefined). */
export function outcomeLines(o: RestartOutcome): string[] {
  const comm = toHex(o.comm).replace(
    /(..)/g,
    (_, b: string, i: number) => o.commDefined[i / 2] ? b : "??",
  );
  return [
    `ret ${o.ret.defined ? retText(o.ret.value) : `undefined (${o.ret.source}: ${o.ret.why})`}`,
    `consumed ${
      o.consumed.defined ? o.consumed.value : `undefined (${o.consumed.source}: ${o.consumed.why})`
    }`,
    `counter ${o.counter}`,
    `comm ${comm}`,
  ];
}

/**
 * The steps of {@link explainRestart} and the outcome they lead to: the
 * reference's shadow path run with a recorder, checked against
 * {@link restart} (without `fill`). With `fill`, a what-if run (see
 * {@link UnwrittenFill}). Each undecidable step carries the never-written
 * bytes it read and contents that decide it each way ({@link ExplainStep.deciding}).
 *
 * @example
 * ```ts
 * import { checkpoint, defaultCheckpointEnv, defaultRestartEnv, defaultTaskState, traceRestart } from "@crconform/crconform";
 * const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64"));
 * const t = traceRestart(image.slice(0, 300), defaultRestartEnv("x86_64"), "seed");
 * console.log(t.steps.at(-1)?.deciding?.length); // 2: the len that goes on, one that stops
 * ```
 */
export function traceRestart(
  image: Uint8Array,
  env: RestartEnv,
  profile: Profile,
  fill?: UnwrittenFill,
): { readonly steps: readonly ExplainStep[]; readonly outcome: RestartOutcome } {
  validateRestartEnv(env);
  validateProfile(profile);
  const rec = new RestartRecorder(env, profile, fill);
  const o = restartShadow(image, env, profile, rec, fill);
  const fast = fill ? o : restart(image, env, profile);
  if (fast.decision.check !== o.decision.check || fast.decision.offset !== o.decision.offset) {
    throw new Error(
      `explain: the traced run decided ${o.decision.check} but restart() decides ${fast.decision.check}`,
    );
  }
  return { steps: rec.steps, outcome: o };
}

/**
 * Explains `sys_restart` on `image`: runs the reference's shadow path with a
 * recorder and checks that it gives the outcome {@link restart} gives.
 * With `fill`, a what-if run: the never-written bytes it names hold its
 * contents (seed-c's `--fill-at`); there is then no fast path to compare with.
 *
 * @example
 * ```ts
 * import { checkpoint, defaultCheckpointEnv, defaultRestartEnv, defaultTaskState, explainRestart } from "@crconform/crconform";
 * const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv("i386"));
 * const e = explainRestart(image, defaultRestartEnv("i386"), "seed");
 * console.log(e.decided.check); // ok
 * ```
 */
export function explainRestart(
  image: Uint8Array,
  env: RestartEnv,
  profile: Profile,
  fill?: UnwrittenFill,
): Explanation {
  const { steps, outcome: o } = traceRestart(image, env, profile, fill);
  const rec = { steps };
  const notes: string[] = [];
  if (!o.ret.defined) notes.push(`ret: ${o.ret.why}`);
  if (!o.consumed.defined) notes.push(`consumed: ${o.consumed.why}`);
  const undef = o.commDefined.flatMap((d, i) => (d ? [] : [i]));
  if (undef.length) {
    const tail = rec.steps.some((s) => s.kind === "comm")
      ? "copied from kmalloc bytes STRING's payload never filled (end of file)"
      : "the run stopped on an undecidable check before comm was final";
    notes.push(
      `comm[${undef[0]}..${undef.at(-1)}] undefined (${o.commSource[undef[0]!]} memory): ${tail}`,
    );
  }
  return {
    op: "restart",
    input: [
      `restart, abi ${env.abi}, profile ${profile}, kernel ${env.kernel.major}.${env.kernel.minor}.${env.kernel.patch}`,
      `comm before ${toHex(env.comm)}, counter ${env.counter ?? 0}, flags ${
        env.flags ?? 0n
      }, crid ${env.crid ?? 0}, file ${env.file ?? "ok"}`,
      `image ${image.length} bytes`,
    ],
    steps: rec.steps,
    outcome: outcomeLines(o),
    decided: {
      check: o.decision.check,
      offset: o.decision.offset,
      detail: o.decision.detail,
      source: rec.steps.findLast((s) => s.kind === "check" && s.id === o.decision.check)?.source ??
        seedLineOf(o.decision.check),
    },
    undefinedNotes: notes,
  };
}

/**
 * Explains `sys_checkpoint`: the records written and where their bytes
 * come from (TASK's padding keeps HEAD's bytes at the same scratch offsets).
 *
 * @example
 * ```ts
 * import { defaultCheckpointEnv, defaultTaskState, explainCheckpoint } from "@crconform/crconform";
 * const e = explainCheckpoint(defaultTaskState(), defaultCheckpointEnv("x86_64"));
 * console.log(e.decided.check); // ok
 * ```
 */
export function explainCheckpoint(state: TaskState, env: CheckpointEnv): Explanation {
  const steps: ExplainStep[] = [];
  const l = layoutOf(env.abi);
  const r: CheckpointResult = checkpoint(state, env, {
    write(rec, at, size) {
      const bytes: string[] = [];
      if (rec === "TASK") {
        for (const f of l.TASK.fields) {
          if (f.type !== "pad") continue;
          const h = f.offset < l.HEAD.size ? fieldAt(l.HEAD, f.offset) : undefined;
          bytes.push(
            `${f.name} (image ${hex3(at + l.HDR.size + f.offset)}, ${f.size} bytes): ${
              h ? `stale HEAD bytes (HEAD.${h.name}) left in the scratch buffer` : "zero"
            }`,
          );
        }
      }
      steps.push({
        kind: "write",
        id: `write.${rec}`,
        text: `write ${rec}: header ${hex3(at)}..${
          hex3(at + l.HDR.size - 1)
        }, payload ${size} bytes ${hex3(at + l.HDR.size)}..${hex3(at + l.HDR.size + size - 1)}`,
        bytes: bytes.length ? bytes : undefined,
        source: SEED_LINES[`write.${rec}`],
      });
    },
  });
  const d = r.decision;
  return {
    op: "checkpoint",
    input: [
      `checkpoint, abi ${env.abi}, kernel ${env.kernel.major}.${env.kernel.minor}.${env.kernel.patch}`,
      `counter ${env.counter ?? 0}, flags ${env.flags ?? 0n}, file ${
        env.file ?? "ok"
      }, state ${state.state}, comm ${toHex(state.comm)}`,
    ],
    steps,
    outcome: [`ret ${retText(r.ret)}`, `counter ${r.counter}`, `image ${r.image.length} bytes`],
    decided: {
      check: d.check,
      offset: d.offset,
      detail: d.detail,
      source: seedLineOf(d.check, "checkpoint"),
    },
    undefinedNotes: [],
  };
}

/** An explanation as text, for the console and the HTML drill-down. */
export function formatExplanation(e: Explanation, title?: string): string {
  const out: string[] = [];
  if (title) out.push(`explain ${title}`);
  for (const l of e.input) out.push(`  ${l}`);
  out.push("  steps:");
  e.steps.forEach((s, i) => {
    out.push(`  ${String(i + 1).padStart(3)}. ${s.text}`);
    for (const b of s.bytes ?? []) out.push(`         ${b}`);
    for (const u of s.unknown ?? []) out.push(`         ? ${u}`);
    if (s.source) out.push(`         [${sourceText(s.source)}]`);
  });
  const d = e.decided;
  out.push(`  decided by ${d.check} @${hex3(d.offset)}: ${d.detail}`);
  if (d.source) out.push(`         [${sourceText(d.source)}]`);
  out.push("  outcome:");
  for (const l of e.outcome) out.push(`    ${l}`);
  for (const n of e.undefinedNotes) out.push(`    undefined: ${n}`);
  return out.join("\n");
}
