/**
 * crconform: the reference model of the 2008 Linux checkpoint/restart image
 * format (the Linux-CR seed patch), exact to the byte for every registered
 * ABI (x86_64 and i386 built in).
 *
 * - {@link checkpoint}: task state and environment → the image the seed writes.
 * - {@link restart}: image → raw return value, bytes consumed and comm after,
 *   with every byte that depends on never-written kernel memory marked
 *   undefined; profiles `seed` and `hardened`.
 * - {@link inspect}: any bytes → records and named fields with offsets.
 * - {@link layoutOf} and {@link walkRecords}: the layout tables and the image
 *   walker every one of them reads; {@link registerAbi} adds an ABI.
 *
 * The conformance gate itself is the `./cli` entry (`deno task conform`).
 *
 * @example
 * ```ts
 * import {
 *   checkpoint,
 *   defaultCheckpointEnv,
 *   defaultRestartEnv,
 *   defaultTaskState,
 *   restart,
 * } from "@crconform/crconform";
 * import { deepStrictEqual } from "node:assert/strict";
 * const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64"));
 * const out = restart(image, defaultRestartEnv("x86_64"), "seed");
 * deepStrictEqual(out.ret, { defined: true, value: 0 });
 * deepStrictEqual(out.consumed, { defined: true, value: 432 });
 * ```
 *
 * @module
 */
export {
  type Abi,
  type AbiName,
  abiNames,
  type Endian,
  getAbi,
  registerAbi,
} from "./reference/abi.ts";
export {
  type AbiLayout,
  type Field,
  type FieldType,
  imageSize,
  layoutOf,
  MAGIC_HEAD,
  MAGIC_TAIL,
  RECORD_TYPES,
  type RecordLayout,
  type RecordName,
  type SourceType,
  TASK_COMM_LEN,
} from "./reference/layout.ts";
export {
  type CheckpointEnv,
  type CheckpointResult,
  type Decision,
  defaultCheckpointEnv,
  defaultRestartEnv,
  defaultTaskState,
  defaultUts,
  type FileBehaviour,
  type FileKind,
  type KernelVersion,
  type Maybe,
  type Profile,
  PROFILES,
  type RestartEnv,
  type RestartFileKind,
  type RestartOutcome,
  type TaskState,
  type UndefinedSource,
  type UnwrittenFill,
  type Uts,
} from "./reference/types.ts";
export { CrconformError, ERRNO, errnoName, InputError } from "./reference/errors.ts";
export { checkpoint } from "./reference/checkpoint.ts";
export { restart, RESTART_CHECKS, type RestartCheck } from "./reference/restart.ts";
export { fromHex, toHex } from "./reference/bytes.ts";
export {
  type DecidingContents,
  explainCheckpoint,
  explainRestart,
  type ExplainStep,
  type Explanation,
  formatExplanation,
  type SeedLine,
  traceRestart,
  type UnwrittenByte,
} from "./reference/explain.ts";
export type { CheckpointTraceSink } from "./reference/trace.ts";
export {
  formatInspection,
  guessAbi,
  inspect,
  type InspectedField,
  type InspectedRecord,
  type Inspection,
  inspectionToJson,
} from "./reference/inspect.ts";
export {
  imagePlan,
  type ImageRecord,
  type PlannedRecord,
  type WalkedRecord,
  walkRecords,
} from "./reference/walk.ts";
export type { FieldValue } from "./reference/codec.ts";
