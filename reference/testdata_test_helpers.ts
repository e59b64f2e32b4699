/**
 * Hand-written known-answer material shared by the model's tests: hex built
 * from the seed's struct declarations by hand, never by the encoder.
 *
 * @module
 */
import type { Abi } from "./abi.ts";
import type { CheckpointEnv, TaskState } from "./types.ts";

/** Test-local hex parser (independent of the code under test). */
export function h(...parts: string[]): Uint8Array {
  const s = parts.join("").replace(/\s+/g, "");
  return Uint8Array.from(
    { length: s.length / 2 },
    (_, i) => parseInt(s.slice(2 * i, 2 * i + 2), 16),
  );
}
/** n zero bytes as hex. */
export const z = (n: number): string => "00".repeat(n);
/** ASCII text zero-padded to size, as hex. */
export const ascii = (s: string, size: number): string =>
  Array.from(s, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("") + z(size - s.length);
/** A little-endian u64 from its low bytes. */
export const u64 = (hex: string): string => hex + z(8 - hex.length / 2);

/** A task whose every field is distinct, so a misplaced field shows. */
export function sampleTask(comm = "init"): TaskState {
  return {
    state: 1n,
    exit_state: 2n,
    exit_code: 3n,
    exit_signal: 17n,
    utime: 0x10n,
    stime: 0x11n,
    utimescaled: 0x12n,
    stimescaled: 0x13n,
    gtime: 0x14n,
    prev_utime: 0x15n,
    prev_stime: 0x16n,
    nvcsw: 0x17n,
    nivcsw: 0x18n,
    start_time_sec: 0x19n,
    start_time_nsec: 0x1an,
    real_start_time_sec: 0x1bn,
    real_start_time_nsec: 0x1cn,
    min_flt: 0x1dn,
    maj_flt: 0x1en,
    comm: new TextEncoder().encode(comm.padEnd(16, "\0")).slice(0, 16),
  };
}

export function env(
  abi: "x86_64" | "i386",
  time: bigint,
  version = ascii("#1", 64),
): CheckpointEnv {
  return {
    abi,
    kernel: { major: 2, minor: 6, patch: 25 },
    uts: { release: h(ascii("2.6.25", 64)), version: h(version), machine: h(ascii("x86_64", 64)) },
    time,
    counter: 0,
  };
}

// HEAD header and payload for kernel 2.6.25, release "2.6.25", machine "x86_64".
export const HEAD_HDR = "0100 e000 00000000"; // type 1, len 224, parent 0
/** HEAD payload for 2.6.25 with the given time and version hex. */
export const headPayload = (timeHex: string, versionHex: string = ascii("#1", 64)): string =>
  "00d2a2c00cedfe00" + // magic 0x00feed0cc0a2d200, little-endian
  "0200 0600 1900 0100" + // major 2, minor 6, patch 25, rev 1
  timeHex + // time
  "0100000000000000" + // flags = CR_CTX_CKPT
  ascii("2.6.25", 64) + versionHex + ascii("x86_64", 64);
export const TASK_FIELDS_FROM_UTIME = "10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e"
  .split(" ").map(u64).join("");
export const STRING_HDR = "0200 1000 00000000"; // type 2, len 16
export const TAIL = "8913 0800 00000000" + "00efdec00c2a2d00"; // type 5001, len 8, magic

/** The plain x86_64 image of {@link sampleTask} at time 0x0102030405060708, written by hand. */
export const KNOWN_X86_64: Uint8Array = h(
  HEAD_HDR,
  headPayload("0807060504030201"),
  "6500 9800 00000000", // TASK type 101, len 152
  "0100000000000000", // state
  "02000000 03000000 11000000", // exit_state, exit_code, exit_signal
  "04030201", // padding [20,24) = HEAD bytes [20,24): the high half of time
  TASK_FIELDS_FROM_UTIME,
  "10000000", // task_comm_len 16
  "00000000", // padding [148,152) = HEAD bytes [148,152): version[52..56)
  STRING_HDR,
  ascii("init", 16),
  TAIL,
);

/** The plain i386 image of {@link sampleTask} at time 0x05060708, written by hand. */
export const KNOWN_I386: Uint8Array = h(
  HEAD_HDR,
  headPayload("0807060500000000"),
  "6500 9000 00000000", // TASK type 101, len 144
  "0100000000000000", // state
  "02000000 03000000 11000000", // exit_state, exit_code, exit_signal; no padding: utime at 20
  TASK_FIELDS_FROM_UTIME,
  "10000000",
  STRING_HDR,
  ascii("init", 16),
  TAIL,
);

/** A big-endian ABI with 32-bit longs and 8 KiB pages, registered by tests of what no built-in ABI reaches. */
export const TOY_BE: Abi = {
  name: "toy-be",
  endian: "big",
  u64Align: 8,
  longBytes: 4,
  pageSize: 8192,
  machine: "toybe",
};

/** A little-endian ABI with 64 KiB pages (lengths past 2^15 fit in a page), registered by tests. */
export const TOY_64K: Abi = {
  name: "toy-64k",
  endian: "little",
  u64Align: 8,
  longBytes: 8,
  pageSize: 65536,
  machine: "toy64k",
};
