/**
 * crconform: the reference model of the 2008 Linux checkpoint/restart image
 * format (the Linux-CR seed patch), exact to the byte for x86_64 and i386.
 *
 * - {@link checkpoint}: task state and environment → the image the seed writes.
 * - {@link restart}: image → raw return value, bytes consumed and comm after,
 *   with every byte that depends on never-written kernel memory marked
 *   undefined; profiles `seed` and `hardened`.
 * - {@link inspect}: any bytes → records and named fields with offsets.
 * - The layout tables ({@link LAYOUTS}) every one of them reads.
 *
 * @example
 * ```ts
 * import { checkpoint, defaultCheckpointEnv, defaultRestartEnv, defaultTaskState, restart } from "./mod.ts";
 * const { image } = checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64"));
 * const out = restart(image, defaultRestartEnv("x86_64"), "seed");
 * console.log(out.ret); // { defined: true, value: 0 }
 * ```
 *
 * @module
 */
export * from "./reference/layout.ts";
export * from "./reference/types.ts";
export { ERRNO, errnoName, InputError } from "./reference/errors.ts";
export { checkpoint, TASK_DEAD } from "./reference/checkpoint.ts";
export { restart, RESTART_CHECKS } from "./reference/restart.ts";
export type { RestartCheck } from "./reference/restart.ts";
export { fromHex, toHex } from "./reference/bytes.ts";
export { formatInspection, guessAbi, inspect, inspectionToJson } from "./reference/inspect.ts";
export type { InspectedField, InspectedRecord, Inspection } from "./reference/inspect.ts";
export type { FieldValue } from "./reference/codec.ts";
