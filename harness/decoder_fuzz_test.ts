// The harness's decoders under fuzz: nothing but a classified ProtocolError
// ever comes out of them, whatever the testee writes. (`deno task soak`
// runs 10^6 and more.)
import { ok, strictEqual, throws } from "node:assert/strict";
import { DecoderBug, fuzzDecoders } from "./decoder_fuzz.ts";
import { FrameReader, MAX_FRAME, parseAnswer, ProtocolError } from "../protocol/codec.ts";

Deno.test("10^4 random and mutated frames: the decoders only ever throw ProtocolError", () => {
  const stats = fuzzDecoders(1, 10_000);
  strictEqual(stats.inputs, 10_000);
  // The batch exercises both ways out: accepted answers and rejected ones.
  ok(stats.accepted > 1000 && stats.rejected > 10_000, JSON.stringify(stats));
});

Deno.test("another seed, from an offset: inputs are addressable by index", () => {
  const a = fuzzDecoders(7, 500, 2000);
  const b = fuzzDecoders(7, 500, 2000);
  strictEqual(JSON.stringify(a), JSON.stringify(b));
});

Deno.test("an oversized frame length is a ProtocolError, at once, before its bytes arrive", () => {
  const fr = new FrameReader();
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, MAX_FRAME + 1, true);
  fr.push(head);
  throws(() => fr.next(), ProtocolError);
  throws(() => parseAnswer(new Uint8Array([0xff, 0xfe, 0x0a]), "restart", 1), ProtocolError);
  ok(new DecoderBug("x") instanceof Error);
});
