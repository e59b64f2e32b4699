// The image walker on the known images (hand-computed record positions, types and lengths),
// on a header cut short and on a negative length: the structure-aware fuzzer and the golden
// scenarios read images through it.
import { deepStrictEqual } from "node:assert/strict";
import { KNOWN_I386, KNOWN_X86_64 } from "./testdata_test_helpers.ts";
import { fieldSpans, stringLayout, walkRecords } from "./walk.ts";

const brief = (abi: "x86_64" | "i386", bytes: Uint8Array) =>
  [...walkRecords(abi, bytes)].map((r) => [
    r.name,
    r.offset,
    r.headerBytes,
    r.type,
    r.len,
    r.parent,
    r.payloadOffset,
    r.payloadBytes,
  ]);

Deno.test("walkRecords(): every record of the known images, from the headers", () => {
  deepStrictEqual(brief("x86_64", KNOWN_X86_64), [
    ["HEAD", 0, 8, 1, 224, 0n, 8, 224],
    ["TASK", 232, 8, 101, 152, 0n, 240, 152],
    ["STRING", 392, 8, 2, 16, 0n, 400, 16],
    ["TAIL", 416, 8, 5001, 8, 0n, 424, 8],
  ]);
  deepStrictEqual(brief("i386", KNOWN_I386), [
    ["HEAD", 0, 8, 1, 224, 0n, 8, 224],
    ["TASK", 232, 8, 101, 144, 0n, 240, 144],
    ["STRING", 384, 8, 2, 16, 0n, 392, 16],
    ["TAIL", 408, 8, 5001, 8, 0n, 416, 8],
  ]);
});

Deno.test("walkRecords(): a header cut short is UNKNOWN with the bytes present; a negative len stops", () => {
  // Cut 3 bytes into TASK's header: type (101 = 0x65, 0x00) and one byte of len are there.
  deepStrictEqual(brief("x86_64", KNOWN_X86_64.subarray(0, 235)).at(-1), [
    "UNKNOWN",
    232,
    3,
    101,
    152,
    0n,
    240,
    0,
  ]);
  const neg = KNOWN_X86_64.slice();
  neg[234] = 0xff; // TASK len 0xffff: -1
  neg[235] = 0xff;
  deepStrictEqual(brief("x86_64", neg).map((r) => [r[0], r[4]]), [["HEAD", 224], ["TASK", -1]]);
});

Deno.test("walkRecords(): an image that ends right after a record ends the walk there", () => {
  // HEAD is 8 + 224 = 232 bytes: nothing follows it, so no record (not even an empty one) does.
  deepStrictEqual(brief("x86_64", KNOWN_X86_64.subarray(0, 232)).map((r) => r[0]), ["HEAD"]);
});

// x86_64 with STRING's len 0 and its 16 payload bytes gone: HEAD 0, TASK 232, STRING 392 (8
// bytes, no payload), TAIL 400; and with STRING's type made 77 (no record has it): UNKNOWN.
const emptyString = (type = 2) => {
  const img = Uint8Array.of(...KNOWN_X86_64.subarray(0, 400), ...KNOWN_X86_64.subarray(416));
  img[392] = type; // STRING type, little-endian s16
  img[394] = 0; // STRING len 0
  img[395] = 0;
  return img;
};

Deno.test("walkRecords(): a record of len 0 is walked past, and a STRING of len 0 has an empty layout", () => {
  deepStrictEqual(brief("x86_64", emptyString()), [
    ["HEAD", 0, 8, 1, 224, 0n, 8, 224],
    ["TASK", 232, 8, 101, 152, 0n, 240, 152],
    ["STRING", 392, 8, 2, 0, 0n, 400, 0],
    ["TAIL", 400, 8, 5001, 8, 0n, 408, 8],
  ]);
  const string = [...walkRecords("x86_64", emptyString())][2]!;
  deepStrictEqual(string.layout?.size, 0);
});

Deno.test("fieldSpans(): a record of len 0 has its header's spans and an empty payload, nothing more", () => {
  const spans = fieldSpans("x86_64", emptyString(77)).filter((s) => s.record === "UNKNOWN");
  deepStrictEqual(spans.map((s) => [s.record, s.field, s.start, s.size]), [
    ["UNKNOWN", "hdr.type", 392, 2],
    ["UNKNOWN", "hdr.len", 394, 2],
    ["UNKNOWN", "hdr.parent", 396, 4],
    ["UNKNOWN", "payload", 400, 0],
  ]);
});

Deno.test("fieldSpans(): a payload longer than its struct ends in an extra span of the rest", () => {
  // TAIL (at 416) with len 12 over its 8-byte struct: 4 more bytes, 432..435.
  const img = Uint8Array.of(...KNOWN_X86_64, 0xaa, 0xbb, 0xcc, 0xdd);
  img[418] = 12; // TAIL len, little-endian s16
  const extra = fieldSpans("x86_64", img).filter((s) => s.field === "extra");
  deepStrictEqual(extra, [{ record: "TAIL", field: "extra", start: 432, size: 4 }]);
});

// STRING's payload is comm and nothing else (the seed writes the 16 comm bytes right after the
// 8-byte header), so comm starts at the payload: file offset 392 + 8 = 400 on x86_64 and
// 384 + 8 = 392 on i386, 16 bytes.
Deno.test("fieldSpans(): STRING's comm starts at its payload, 16 bytes, on both ABIs", () => {
  const string = (abi: "x86_64" | "i386", bytes: Uint8Array) =>
    fieldSpans(abi, bytes).filter((s) => s.record === "STRING").map((
      s,
    ) => [s.field, s.start, s.size]);
  deepStrictEqual(string("x86_64", KNOWN_X86_64), [
    ["hdr.type", 392, 2],
    ["hdr.len", 394, 2],
    ["hdr.parent", 396, 4],
    ["comm", 400, 16],
  ]);
  deepStrictEqual(string("i386", KNOWN_I386).at(-1), ["comm", 392, 16]);
  deepStrictEqual(stringLayout(16).byName.comm?.offset, 0);
});
