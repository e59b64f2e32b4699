/**
 * Tests of the capture pipeline's host side that run without booting:
 * CRC-32, frame parsing and its failure paths, record parsing, bundle
 * encoding (known answer), image decoding round trip, /proc stat parsing,
 * and a recorded serial excerpt from a real boot when one is present.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { assertThrows } from "./testdata/assert_throws.ts";
import { encodeBundle, prctlCanSet } from "./bundle.ts";
import { decodeCheckpointImage, parseProcStat } from "./scenarios.ts";
import {
  crc32,
  interpretRecords,
  parseFrames,
  parseRecords,
  SerialStreamError,
  versionFromRelease,
} from "./serial.ts";
import { fromHex, toHex } from "../reference/bytes.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { defaultCheckpointEnv, defaultTaskState } from "../reference/types.ts";
import { bundleCases, goldenCases } from "./golden.ts";

const enc = new TextEncoder();

function frame(seq: number, payload: Uint8Array, crc = crc32(payload), len = payload.length) {
  const hex = toHex(payload);
  const lines = [];
  for (let i = 0; i < hex.length; i += 128) lines.push(hex.slice(i, i + 128));
  return `=CRF ${seq.toString(16)} ${len.toString(16)} ${crc.toString(16)}\n${
    lines.map((l) => l + "\r\n").join("")
  }=END ${seq.toString(16)}\n`;
}

Deno.test("crc32: standard check value", () => {
  assertEquals(crc32(enc.encode("123456789")), 0xcbf43926);
  assertEquals(crc32(new Uint8Array(0)), 0);
});

Deno.test("parseFrames: literal excerpt with console noise and CRLF", () => {
  // payload "U" record: tag 'U', 1 field of 3 bytes "abc"
  const log = "[    0.1] noise\n=CRF 0 7 " + crc32(fromHex("55010300616263")!).toString(16) +
    "\r\n55010300616263\r\n=END 0\r\n" + "more noise\n";
  const f = parseFrames(log);
  assertEquals(f.frames, 1);
  assertEquals(toHex(f.data), "55010300616263");
  const recs = parseRecords(f.data);
  assertEquals(recs.length, 1);
  assertEquals(recs[0]!.tag, "U");
  assertEquals(new TextDecoder().decode(recs[0]!.fields[0]), "abc");
});

Deno.test("parseFrames: concatenates frames in order", () => {
  const a = new Uint8Array(200).map((_, i) => i);
  const b = Uint8Array.from([1, 2, 3]);
  const f = parseFrames(frame(0, a) + frame(1, b));
  assertEquals(f.frames, 2);
  assertEquals(f.data.length, 203);
  assertEquals(f.data[202], 3);
});

Deno.test("parseFrames: checksum failure is reported with the frame", () => {
  const p = enc.encode("hello");
  const e = assertThrows(() => parseFrames(frame(0, p, crc32(p) ^ 1)), SerialStreamError);
  assert(e.message.includes("CRC-32"), e.message);
});

Deno.test("parseFrames: length mismatch, sequence gap, bad hex, unfinished frame", () => {
  const p = enc.encode("hello");
  assertThrows(() => parseFrames(frame(0, p, crc32(p), 6)), SerialStreamError, "header says 6");
  assertThrows(() => parseFrames(frame(1, p)), SerialStreamError, "expected 0");
  assertThrows(
    () => parseFrames(`=CRF 0 1 0\nzz\n=END 0\n`),
    SerialStreamError,
    "not hex",
  );
  const cut = frame(0, p) + frame(1, p).split("\n").slice(0, 2).join("\n");
  assertThrows(() => parseFrames(cut), SerialStreamError, "never ended");
  const t = parseFrames(cut, { allowTruncatedTail: true });
  assertEquals(t.frames, 1);
  assert(t.truncatedTail);
});

Deno.test("parseRecords: truncated record", () => {
  assertThrows(() => parseRecords(Uint8Array.from([0x52, 1, 9, 0, 1])), SerialStreamError);
});

Deno.test("interpretRecords: restart record maps the index to the case id", () => {
  const i64 = (v: number) => {
    const b = new Uint8Array(10);
    b[0] = 8;
    new DataView(b.buffer).setBigInt64(2, BigInt(v), true);
    return b;
  };
  const comm = new Uint8Array(18);
  comm[0] = 16;
  comm.set(enc.encode("abc"), 2);
  const rec = Uint8Array.from([0x52, 5, ...i64(1), ...i64(-22), ...i64(240), ...comm, ...i64(1)]);
  const r = interpretRecords(parseRecords(rec), ["a", "b"]);
  assertEquals(r.restarts.get("b")?.ret, -22);
  assertEquals(r.restarts.get("b")?.consumed, 240);
  assertEquals(r.restarts.get("b")?.counterDelta, 1);
  assertThrows(() => interpretRecords(parseRecords(rec), ["a"]), SerialStreamError, "unknown case");
});

Deno.test("encodeBundle: known answer", () => {
  const comm = new Uint8Array(16);
  comm.set(enc.encode("ab"));
  const b = encodeBundle([
    { id: "x", commBefore: comm, image: Uint8Array.from([0xde, 0xad]) },
    { id: "yz", commBefore: new Uint8Array(16), image: new Uint8Array(0), fd: "bad-fd", flags: 3n },
  ]);
  assertEquals(
    toHex(b),
    "424e444c" + "01000000" + "02000000" +
      "0100" + "78" + "6162" + "00".repeat(14) + "00" + "0000000000000000" + "02000000" + "dead" +
      "0200" + "797a" + "00".repeat(16) + "01" + "0300000000000000" + "00000000",
  );
});

Deno.test("encodeBundle: rejects comm prctl cannot set, duplicate ids", () => {
  const bad = new Uint8Array(16);
  bad.set([0x61, 0, 0x62]);
  assert(!prctlCanSet(bad));
  assert(!prctlCanSet(new Uint8Array(16).fill(0x41)));
  assertThrows(() => encodeBundle([{ id: "a", commBefore: bad, image: new Uint8Array(0) }]));
  const ok = new Uint8Array(16);
  assertThrows(
    () =>
      encodeBundle([
        { id: "a", commBefore: ok, image: new Uint8Array(0) },
        { id: "a", commBefore: ok, image: new Uint8Array(0) },
      ]),
    Error,
    "duplicate",
  );
});

Deno.test("decodeCheckpointImage: round trip through the model, both ABIs", () => {
  for (const abi of ["x86_64", "i386"] as const) {
    const env = { ...defaultCheckpointEnv(abi), counter: 41 };
    const r = checkpoint(defaultTaskState(), env);
    const d = decodeCheckpointImage(abi, r.image, r.ret);
    assertEquals(d.env.counter, 41);
    assertEquals(toHex(checkpoint(d.state, d.env).image), toHex(r.image));
  }
});

Deno.test("versionFromRelease clamps the sublevel like KERNEL_VERSION", () => {
  assertEquals(versionFromRelease("6.1.192"), { major: 6, minor: 1, patch: 192 });
  assertEquals(versionFromRelease("6.1.300"), { major: 6, minor: 1, patch: 255 });
});

Deno.test("parseProcStat: comm with spaces and parentheses", () => {
  const s = parseProcStat(
    "1 (a) b) S 0 1 1 0 -1 4194560 57 0 0 0 3 5 0 0 20 0 1 0 17 1 2 3\n",
  );
  assertEquals(s?.comm, "a) b");
  assertEquals(s?.minflt, 57n);
  assertEquals(s?.utime, 3n);
  assertEquals(s?.stime, 5n);
  assertEquals(s?.starttime, 17n);
});

Deno.test("goldenCases: the catalog for a 6.1 kernel, ids unique, every comm prctl-settable, encodable", () => {
  for (const abi of ["x86_64", "i386"] as const) {
    const cs = goldenCases(abi, { major: 6, minor: 1, patch: 192 });
    assert(cs.length > 1000);
    assert(cs.every((c) => prctlCanSet(c.env.comm) && c.env.kernel.patch === 192));
    assert(
      cs.some((c) => c.id === `restart/${abi}/head/patch`) &&
        !cs.some((c) => c.id.endsWith("/kernel-mismatch")),
    );
    encodeBundle(bundleCases(cs));
  }
});

Deno.test("recorded serial stream from a real boot parses and verifies", async () => {
  const path = new URL("./data/kernel-x86_64/zeroed.data.log", import.meta.url);
  const log = await Deno.readTextFile(path);
  const f = parseFrames(log);
  const recs = parseRecords(f.data);
  assertEquals(recs[0]!.tag, "U");
  assertEquals(recs.at(-1)!.tag, "Z");
  // flipping one hex digit inside the first frame must fail the checksum
  const i = log.indexOf("\n", log.indexOf("=CRF")) + 5;
  const flipped = log.slice(0, i) + (log[i] === "0" ? "1" : "0") + log.slice(i + 1);
  assertThrows(() => parseFrames(flipped), SerialStreamError, "CRC-32");
});
