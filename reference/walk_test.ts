// The image walker on the known images (hand-computed record positions, types and lengths),
// on a header cut short and on a negative length: the structure-aware fuzzer and the golden
// scenarios read images through it.
import { deepStrictEqual } from "node:assert/strict";
import { KNOWN_I386, KNOWN_X86_64 } from "./testdata_test_helpers.ts";
import { walkRecords } from "./walk.ts";

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
