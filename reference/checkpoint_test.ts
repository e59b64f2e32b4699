// Known-answer images written out by hand from the seed's struct declarations
// not produced by the encoder.
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { checkpoint } from "./checkpoint.ts";
import { InputError } from "./errors.ts";
import type { TaskState } from "./types.ts";
import {
  ascii,
  env,
  h,
  KNOWN_I386,
  KNOWN_X86_64,
  sampleTask,
  STRING_HDR,
} from "./testdata_test_helpers.ts";

Deno.test("checkpoint() writes the plain x86_64 image byte for byte, TASK padding from HEAD", () => {
  const r = checkpoint(sampleTask(), env("x86_64", 0x0102030405060708n));
  // KNOWN_X86_64 (testdata.ts) is this image written out by hand, record by record:
  // TASK padding [20,24) = the high half of HEAD.time, [148,152) = version[52..56).
  strictEqual(r.image.length, 432);
  deepStrictEqual(r.image, KNOWN_X86_64);
  strictEqual(r.ret, 1);
  strictEqual(r.counter, 1);
});

Deno.test("checkpoint() writes the plain i386 image: utime at 20, no padding, 424 bytes", () => {
  const r = checkpoint(sampleTask(), env("i386", 0x05060708n));
  strictEqual(r.image.length, 424);
  deepStrictEqual(r.image, KNOWN_I386);
});

Deno.test("checkpoint() copies a 64-byte utsname without NUL and leaks version[52..56) into x86_64 padding", () => {
  const version = Array.from({ length: 64 }, (_, i) => (0x40 + i).toString(16)).join(""); // 40 41 ... 7f
  const r = checkpoint(sampleTask(), env("x86_64", 1n, version));
  const head = r.image.subarray(8, 232);
  deepStrictEqual(head.subarray(96, 160), h(version));
  const task = r.image.subarray(240, 392);
  deepStrictEqual(task.subarray(148, 152), h("74757677")); // version[52..56)
  deepStrictEqual(task.subarray(20, 24), h("00000000")); // high half of time 1
});

Deno.test("checkpoint() writes u64 maxima on x86_64 (tv_nsec at its own maximum, 10^9-1)", () => {
  const max = (1n << 64n) - 1n;
  const t = sampleTask();
  for (const k of Object.keys(t) as (keyof TaskState)[]) {
    if (k === "comm") continue;
    (t as unknown as Record<string, bigint>)[k] = k.startsWith("exit_")
      ? 0xffffffffn
      : k.endsWith("_nsec")
      ? 999_999_999n
      : max;
  }
  const r = checkpoint(t, env("x86_64", max));
  deepStrictEqual(
    r.image.subarray(232, 392),
    h(
      "6500 9800 00000000",
      "ff".repeat(8),
      "ff".repeat(12),
      "ffffffff", // padding: high half of time 2^64-1
      "ff".repeat(8 * 10), // utime .. start_time_sec
      "ffc99a3b00000000", // start_time_nsec 999999999
      "ff".repeat(8), // real_start_time_sec
      "ffc99a3b00000000", // real_start_time_nsec
      "ff".repeat(8 * 2), // min_flt, maj_flt
      "10000000",
      "00000000",
    ),
  );
  deepStrictEqual(r.image.subarray(24, 32), h("ff".repeat(8))); // HEAD.time
});

Deno.test("checkpoint() on i386 sign-extends long fields and zero-extends unsigned long", () => {
  const t = sampleTask();
  t.state = (1n << 64n) - 1n; // -1 as a long
  t.utime = 0xffffffffn; // unsigned long maximum
  t.start_time_sec = (1n << 64n) - 0x80000000n; // LONG_MIN sign-extended
  const r = checkpoint(t, env("i386", 0x7fffffffn));
  const task = r.image.subarray(240, 384);
  deepStrictEqual(task.subarray(0, 8), h("ff".repeat(8)));
  deepStrictEqual(task.subarray(20, 28), h("ffffffff00000000"));
  deepStrictEqual(task.subarray(20 + 8 * 9, 20 + 8 * 10), h("00000080ffffffff"));
});

Deno.test("checkpoint() rejects values an i386 kernel cannot hold, naming the field", () => {
  const t = sampleTask();
  t.utime = 0x100000000n;
  throws(() => checkpoint(t, env("i386", 1n)), (e: unknown) => {
    strictEqual((e as InputError).name, "InputError");
    strictEqual((e as InputError).field, "TASK.utime");
    return /expected an unsigned long on i386: 0\.\.0xffffffff, found 4294967296 \(0x100000000\)/
      .test(
        (e as Error).message,
      );
  });
  const s = sampleTask();
  s.state = 0x80000000n; // not a sign-extended 32-bit long
  throws(() => checkpoint(s, env("i386", 1n)), /TASK\.state: expected a long on i386/);
  throws(
    () => checkpoint(sampleTask(), env("i386", 1n << 32n)),
    /env\.time: expected a long on i386/,
  );
});

Deno.test("checkpoint() writes comm as 16 raw bytes: 15 and 16 characters, bytes after the NUL", () => {
  const e = env("x86_64", 1n);
  const comm = (c: Uint8Array) =>
    checkpoint({ ...sampleTask(), comm: c }, e).image.subarray(392, 416);
  deepStrictEqual(
    comm(h(ascii("abcdefghijklmno", 16))),
    h(STRING_HDR, "6162636465666768696a6b6c6d6e6f00"),
  );
  deepStrictEqual(
    comm(h("6162636465666768696a6b6c6d6e6f70")),
    h(STRING_HDR, "6162636465666768696a6b6c6d6e6f70"),
  );
  deepStrictEqual(
    comm(h("41004243ff00fe000000000000000001")),
    h(STRING_HDR, "41004243ff00fe000000000000000001"),
  );
});

Deno.test("checkpoint() follows the syscall: flags, bad fd, read-only fd, TASK_DEAD, pid ignored", () => {
  const e = env("x86_64", 1n);
  const flags = checkpoint(sampleTask(), { ...e, flags: 1n, counter: 7 });
  deepStrictEqual([flags.ret, flags.image.length, flags.counter], [-22, 0, 7]);
  const bad = checkpoint(sampleTask(), { ...e, file: "bad-fd", counter: 7 });
  deepStrictEqual([bad.ret, bad.image.length, bad.counter], [-9, 0, 7]);
  const ro = checkpoint(sampleTask(), { ...e, file: "read-only", counter: 7 });
  deepStrictEqual([ro.ret, ro.image.length, ro.counter], [-9, 0, 8]);
  const dead = checkpoint({ ...sampleTask(), state: 64n }, { ...e, counter: 7 });
  deepStrictEqual([dead.ret, dead.image.length, dead.counter], [-11, 232, 8]);
  const a = checkpoint(sampleTask(), { ...e, pid: 1, counter: 41 });
  const b = checkpoint(sampleTask(), { ...e, pid: 999, counter: 41 });
  deepStrictEqual(a.image, b.image);
  strictEqual(a.ret, 42);
});

Deno.test("checkpoint() rejects malformed environments with a typed error", () => {
  const e = env("x86_64", 1n);
  throws(
    () => checkpoint(sampleTask(), { ...e, abi: "arm" as "i386" }),
    /env\.abi: expected one of x86_64, i386/,
  );
  throws(
    () => checkpoint(sampleTask(), { ...e, kernel: { major: 256, minor: 0, patch: 0 } }),
    /env\.kernel\.major/,
  );
  throws(
    () => checkpoint(sampleTask(), { ...e, uts: { ...e.uts, release: new Uint8Array(65) } }),
    /env\.uts\.release: expected 64 raw bytes \(Uint8Array\), found 65 bytes/,
  );
  throws(() => checkpoint({ ...sampleTask(), comm: new Uint8Array(15) }, e), InputError);
  throws(
    () => checkpoint({ ...sampleTask(), nvcsw: 1 as unknown as bigint }, e),
    /TASK\.nvcsw: expected a bigint/,
  );
});

// CheckpointEnv.counter is optional and defaults to 0 (types.ts), so leaving it out is the same
// as counter 0: a written checkpoint gets crid 0 + 1 = 1 (ret and counter), and a call refused
// by its flags returns before counting, leaving the counter at 0.
Deno.test("checkpoint() without a counter counts from 0: crid 1 when written, 0 when refused", () => {
  const { counter: _, ...e } = env("x86_64", 1n);
  const written = checkpoint(sampleTask(), e);
  deepStrictEqual([written.ret, written.counter], [1, 1]);
  const refused = checkpoint(sampleTask(), { ...e, flags: 1n });
  deepStrictEqual([refused.ret, refused.counter], [-22, 0]);
});
