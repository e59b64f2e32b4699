import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { defaultRestartEnv } from "../reference/types.ts";
import { frame, FrameReader, MAX_FRAME, parseAnswer, parseHello, ProtocolError } from "./codec.ts";
import { requestPayload } from "./encode.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("requestPayload() produces the worked example of PROTOCOL.md byte for byte", async () => {
  const doc = await Deno.readTextFile(new URL("./PROTOCOL.md", import.meta.url));
  const example = doc.split("## A worked example")[1]!.split("```")[1]!.replace(/^\n/, "");
  const payload = requestPayload({
    op: "restart",
    image: Uint8Array.of(1),
    env: defaultRestartEnv("x86_64"),
    profile: "seed",
  }, 1);
  const lines = (s: string) => s.trim().split("\n").sort();
  deepStrictEqual(lines(dec.decode(payload)), lines(example));
});

Deno.test("parseAnswer() reads a restart answer and rejects a wrong id, missing keys and bad values", () => {
  const a = parseAnswer(
    enc.encode("id 1\nret -22\nconsumed 1\ncounter 1\ncomm 72657374617274657200000000000000\n"),
    "restart",
    1,
  );
  deepStrictEqual(a, {
    kind: "restart",
    ret: -22,
    consumed: 1,
    counter: 1,
    comm: enc.encode("restarter\0\0\0\0\0\0\0"),
  });
  throws(
    () => parseAnswer(enc.encode("id 2\nret 0\n"), "restart", 1),
    /"id": expected 1, found "2"/,
  );
  throws(
    () => parseAnswer(enc.encode("id 1\nret 0\ncounter 1\ncomm 00\n"), "restart", 1),
    /missing key "consumed"/,
  );
  throws(
    () => parseAnswer(enc.encode("id 1\nret x\n"), "checkpoint", 1),
    /"ret": expected a decimal integer/,
  );
  throws(() => parseAnswer(enc.encode("id 1\nid 1\n"), "checkpoint", 1), /key "id" repeated/);
  throws(
    () => parseAnswer(enc.encode("id 1\nret 0\nconsumed 0\ncounter 1\ncomm 00\n"), "restart", 1),
    /"comm": expected 16 bytes, found 1/,
  );
  deepStrictEqual(parseAnswer(enc.encode("id 1\nunsupported no i386\n"), "checkpoint", 1), {
    kind: "unsupported",
    reason: "no i386",
  });
});

Deno.test("parseHello() checks ABIs, profiles and operations; no ops key means both", () => {
  deepStrictEqual(parseHello(enc.encode("protocol 1\nname x\nabis x86_64\nprofiles seed\n")), {
    protocol: 1,
    ops: ["checkpoint", "restart"],
    name: "x",
    abis: ["x86_64"],
    profiles: ["seed"],
  });
  deepStrictEqual(
    parseHello(enc.encode("protocol 1\nname x\nops restart\nabis i386\nprofiles\n")).ops,
    ["restart"],
  );
  throws(
    () => parseHello(enc.encode("protocol 1\nname x\nops frobnicate\nabis i386\nprofiles\n")),
    /unknown operation "frobnicate"/,
  );
  throws(
    () => parseHello(enc.encode("protocol 1\nname x\nabis arm\nprofiles seed\n")),
    /unknown ABI "arm"/,
  );
});

Deno.test("FrameReader splits frames across chunks and bounds their size", () => {
  const fr = new FrameReader();
  const a = frame(enc.encode("id 1\n"));
  const b = frame(enc.encode("id 2\n"));
  const both = Uint8Array.from([...a, ...b]);
  fr.push(both.subarray(0, 3));
  strictEqual(fr.next(), undefined);
  fr.push(both.subarray(3, 11));
  strictEqual(dec.decode(fr.next()), "id 1\n");
  strictEqual(fr.next(), undefined);
  fr.push(both.subarray(11));
  strictEqual(dec.decode(fr.next()), "id 2\n");
  const big = new FrameReader();
  const hdr = new Uint8Array(4);
  new DataView(hdr.buffer).setUint32(0, MAX_FRAME + 1, true);
  big.push(hdr);
  throws(() => big.next(), ProtocolError);
});
