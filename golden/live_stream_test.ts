/**
 * Tests of the live init's result stream (golden/recipe/LIVE.md) without
 * booting: a known-answer stream, every truncation and every single-byte
 * corruption of it is an error (never a pass), frame order, and the compact
 * result record's failure paths.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { assertThrows } from "./testdata/assert_throws.ts";
import { concat, fromHex, toHex } from "../reference/bytes.ts";
import {
  decodeCompactResult,
  interpretLiveRecords,
  LIVE_FRAME_MAGIC,
  LiveStreamError,
  parseLiveFrames,
} from "./live_stream.ts";
import { crc32, SerialStreamError } from "./serial.ts";
import { CrconformError } from "../reference/errors.ts";

const enc = new TextEncoder();

/**
 * Two frames, written out by hand (LIVE.md) and cross-checked with Python's
 * zlib.crc32: frame 0 = B (bundle 1234 bytes), S (case 0: ret -22, consumed
 * 240, delta 1, comm as before), S (case 1: ret 0xffff888003c1e000 as a
 * negative long, consumed 0, delta 0, comm "restarter"); frame 1 = Z.
 */
const KNOWN = "43524c56" + "00000000" + "35000000" + "4465b1be" +
  "42010800d204000000000000" +
  "53010600" + "002be0030200" +
  "53011b00" + "01fffff0c3ffdf3b000001" + "72657374617274657200000000000000" +
  "43524c56" + "01000000" + "0c000000" + "0cd4fd0f" +
  "5a010800eaffffffffffffff";
const FRAME0_END = 69;

const comm = (s: string) => {
  const b = new Uint8Array(16);
  b.set(enc.encode(s));
  return b;
};
const CASES = [{ id: "first", commBefore: comm("before") }, {
  id: "second",
  commBefore: comm("x"),
}];

Deno.test("live stream: known answer decodes to the results, comm filled in from the bundle", () => {
  const f = parseLiveFrames(fromHex(KNOWN)!);
  assertEquals(f.frames, 2);
  assertEquals(f.truncatedTail, false);
  const r = interpretLiveRecords(f.data, CASES, { bundleBytes: 1234 });
  assert(r.complete);
  assertEquals(r.bundleBytes, 1234);
  const a = r.restarts.get("first")!, b = r.restarts.get("second")!;
  assertEquals([a.ret, a.consumed, a.counterDelta, toHex(a.comm)], [
    -22,
    240,
    1,
    toHex(comm("before")),
  ]);
  assertEquals([b.ret, b.consumed, b.counterDelta, toHex(b.comm)], [
    Number(0xffff888003c1e000n - (1n << 64n)),
    0,
    0,
    toHex(comm("restarter")),
  ]);
});

Deno.test("live stream: crc32 of frame 0's payload is the one in its header", () => {
  const s = fromHex(KNOWN)!;
  const len = new DataView(s.buffer).getUint32(8, true);
  assertEquals(crc32(s.subarray(16, 16 + len)), 0xbeb16544);
});

Deno.test("live stream: every truncation is an error or an unfinished stream, never a pass", () => {
  const s = fromHex(KNOWN)!;
  for (let n = 0; n < s.length; n++) {
    const cut = s.subarray(0, n);
    if (n !== 0 && n !== FRAME0_END) {
      assertThrows(() => parseLiveFrames(cut), LiveStreamError, "ends inside frame");
    }
    // A host that tolerates a cut tail (QEMU killed on timeout) gets an unfinished stream:
    // not complete, so every case without a result is a crash, and no Z.
    const f = parseLiveFrames(cut, { allowTruncatedTail: true });
    const r = interpretLiveRecords(f.data, CASES, { bundleBytes: 1234 });
    assert(!r.complete, `cut at ${n} looks complete`);
  }
});

Deno.test("live stream: every single-byte corruption is an error", () => {
  const s = fromHex(KNOWN)!;
  for (let i = 0; i < s.length; i++) {
    for (const x of [0x01, 0x80, 0xff]) {
      const bad = s.slice();
      bad[i]! ^= x;
      assertThrows(() => parseLiveFrames(bad), LiveStreamError);
    }
  }
});

Deno.test("live stream: bytes before, between or after frames, a gap, a repeat", () => {
  const s = fromHex(KNOWN)!;
  const f0 = s.subarray(0, FRAME0_END), f1 = s.subarray(FRAME0_END);
  assertThrows(() => parseLiveFrames(concat([enc.encode("x"), s])), LiveStreamError, "magic");
  assertThrows(() => parseLiveFrames(concat([f0, Uint8Array.of(0), f1])), LiveStreamError, "magic");
  assertThrows(
    () => parseLiveFrames(concat([s, LIVE_FRAME_MAGIC])),
    LiveStreamError,
    "ends inside frame 2",
  );
  assertThrows(() => parseLiveFrames(f1), LiveStreamError, "frame sequence 1, expected 0");
  assertThrows(() => parseLiveFrames(concat([f0, f0])), LiveStreamError, "expected 1");
  // a tail parsed from a frame boundary (progress) starts at that frame's number
  assertEquals(parseLiveFrames(f1, { firstSeq: 1 }).frames, 1);
});

Deno.test("live stream: a finished stream must hold every result and the bundle size", () => {
  const s = fromHex(KNOWN)!;
  const data = parseLiveFrames(s).data;
  const three = [...CASES, { id: "third", commBefore: comm("") }];
  assertThrows(() => interpretLiveRecords(data, three), LiveStreamError, "after 2 of 3 results");
  assertThrows(
    () => interpretLiveRecords(data, CASES, { bundleBytes: 1235 }),
    LiveStreamError,
    "expected 1235",
  );
  assertThrows(
    () => interpretLiveRecords(data, CASES.slice(0, 1)),
    LiveStreamError,
    "bundle has 1",
  );
});

Deno.test("live stream: S records out of order, and the capture's failed-checkpoint R record", () => {
  const s = (idx: number) => Uint8Array.of(0x53, 1, 5, 0, idx, 0, 0, 0, 0);
  assertEquals(toHex(s(0)), "530105000000000000");
  assertThrows(() => interpretLiveRecords(s(1), CASES), LiveStreamError, "expected 0");
  assertThrows(
    () => interpretLiveRecords(concat([s(0), s(0)]), CASES),
    LiveStreamError,
    "index 0, expected 1",
  );
  const i64 = (v: number) => {
    const b = new Uint8Array(10);
    b[0] = 8;
    new DataView(b.buffer).setBigInt64(2, BigInt(v), true);
    return b;
  };
  const r = Uint8Array.from([
    0x52,
    6,
    ...i64(0),
    ...i64(0),
    ...i64(0),
    16,
    0,
    ...new Uint8Array(16),
    ...i64(0),
    ...i64(-12),
  ]);
  const e = assertThrows(() => interpretLiveRecords(r, CASES), SerialStreamError, "failed (-12)");
  assert(e instanceof CrconformError);
});

Deno.test("compact result: known answer, and every malformed body is an error", () => {
  assertEquals(decodeCompactResult(fromHex("002be0030200")!), {
    index: 0,
    ret: -22,
    consumed: 240,
    counterDelta: 1,
    comm: undefined,
  });
  const bad: [string, string][] = [
    ["", "index: varint runs past"],
    ["00", "ret: varint runs past"],
    ["002be0", "consumed: varint runs past"],
    ["002be00302", "comm kind missing"],
    ["002be0030202", "comm kind 2"],
    ["002be0030201" + "00".repeat(15), "expected 16 comm bytes, found 15"],
    ["002be003020000", "7 bytes, the result ends after 6"],
    ["00" + "ff".repeat(9) + "7f", "varint over 64 bits"],
    ["00" + "ff".repeat(11), "longer than 10 bytes"],
    ["00feffffffffffffff3f", "outside the safe integer range"],
  ];
  for (const [hex, msg] of bad) {
    assertThrows(() => decodeCompactResult(fromHex(hex)!), LiveStreamError, msg);
  }
});
