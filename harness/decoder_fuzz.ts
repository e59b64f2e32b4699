/**
 * Fuzzing of the harness's own decoders: random and mutated payloads and
 * frame streams through {@link FrameReader}, `parseLines`, `parseHello` and
 * `parseAnswer`. Whatever a testee writes, the only thing they may throw is
 * a {@link ProtocolError} (which the harness classifies as PROTOCOL); any
 * other exception is a harness bug and is reported with the input that
 * caused it. Input `index` of a seed is the same on every machine.
 *
 * @module
 */
import { Prng } from "../cases/prng.ts";
import { toHex } from "../reference/bytes.ts";
import {
  frame,
  FrameReader,
  MAX_FRAME,
  parseAnswer,
  parseHello,
  parseLines,
  ProtocolError,
} from "../protocol/codec.ts";

const KEYS = [
  "id",
  "ret",
  "consumed",
  "counter",
  "comm",
  "image",
  "protocol",
  "name",
  "abis",
  "profiles",
  "ops",
  "unsupported",
  "error",
  "op",
  "x",
];
const VALUES = [
  "0",
  "1",
  "-1",
  "-22",
  "-0",
  "2147483647",
  "2147483648",
  "-2147483648",
  "-2147483649",
  "4294967295",
  "4294967296",
  "9007199254740991",
  "9007199254740993",
  "18446744073709551615",
  "1e3",
  "0x10",
  " 1",
  "",
  "00",
  "0",
  "zz",
  "00112233445566778899aabbccddeeff",
  "00112233445566778899AABBCCDDEEF",
  "00 11",
  "x86_64",
  "x86_64 i386",
  "i386  x86_64 ",
  "seed hardened",
  "hardened",
  "checkpoint restart",
  "sparc",
  "\u00e9\u00e9",
  "\ud800",
  "\0",
  "\r",
];

const enc = new TextEncoder();

const VALID = [
  "protocol 1\nname t\nabis x86_64 i386\nprofiles seed hardened\n",
  "id 7\nret -22\nconsumed 8\ncounter 1\ncomm 72657374617274657200000000000000\n",
  "id 7\nret 5\ncounter 6\nimage 0102030405\n",
  "id 7\nunsupported nope\n",
  "id 7\nerror oops\n",
].map((s) => enc.encode(s));

/** A payload: random bytes, protocol-shaped lines, or a valid answer mutated. */
export function fuzzPayload(rng: Prng): Uint8Array {
  const kind = rng.int(4);
  if (kind === 0) return rng.bytes(rng.int(rng.int(8) === 0 ? 4096 : 64));
  if (kind === 1) {
    let s = "";
    for (let n = rng.int(9); n > 0; n--) {
      const key = rng.int(10) === 0
        ? rng.pick(["", "ID", "1d", "a b", "_", "k\u00e9"])
        : rng.pick(KEYS);
      const sep = rng.pick([" ", " ", " ", "", "  ", "\t"]);
      const value = rng.int(12) === 0 ? "ab".repeat(rng.int(3000)) : rng.pick(VALUES);
      s += `${key}${sep}${value}${rng.pick(["\n", "\n", "\n", "\r\n", "", "\n\n"])}`;
    }
    return enc.encode(s);
  }
  const b = [...rng.pick(VALID)];
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const at = rng.int(b.length + 1);
    switch (rng.int(5)) {
      case 0:
        if (at < b.length) b[at] = rng.u32() & 0xff;
        break;
      case 1:
        b.splice(at, 0, rng.pick([0x0a, 0x20, 0x2d, 0x30, 0x39, 0x61, 0x00, 0xff]));
        break;
      case 2:
        b.splice(at, 1 + rng.int(8));
        break;
      case 3:
        b.splice(at, 0, ...b.slice(rng.int(b.length), rng.int(b.length)));
        break;
      default:
        b.length = Math.min(b.length, at);
    }
  }
  return Uint8Array.from(b);
}

/** A stream of frames (some with a bogus or oversized length), cut into chunks. */
export function fuzzStream(rng: Prng): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const r = rng.int(8);
    if (r === 0) {
      const head = new Uint8Array(4);
      const len = rng.pick([MAX_FRAME, MAX_FRAME + 1, 0xffffffff, 0x80000000, rng.u32()]);
      new DataView(head.buffer).setUint32(0, len >>> 0, true);
      parts.push(head, rng.bytes(rng.int(16)));
    } else if (r === 1) parts.push(rng.bytes(rng.int(12)));
    else parts.push(frame(fuzzPayload(rng)));
  }
  const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((o, p) => (all.set(p, o), o + p.length), 0);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < all.length;) {
    const n = 1 + rng.int(rng.int(2) ? 7 : all.length);
    chunks.push(all.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

/** What a batch did. */
export interface DecoderFuzzStats {
  /** Inputs tried (payloads and streams). */
  inputs: number;
  /** Decoder calls that returned a value. */
  accepted: number;
  /** Decoder calls that threw a ProtocolError. */
  rejected: number;
}

/** A decoder threw something other than a ProtocolError: the input, to reproduce it. */
export class DecoderBug extends Error {
  /** The error's class name. */
  override readonly name: string = "DecoderBug";
}

/** Input `index` of `seed`: its own generator, so inputs do not depend on each other. */
function rngFor(seed: number, index: number): Prng {
  return new Prng(Math.imul(seed ^ 0x5bd1e995, 0x2545f491) ^ Math.imul(index + 1, 0x9e3779b1));
}

/**
 * Feeds inputs `from` … `from + count - 1` of `seed` to every decoder.
 * @throws {DecoderBug} on any exception that is not a ProtocolError.
 */
export function fuzzDecoders(seed: number, count: number, from = 0): DecoderFuzzStats {
  const stats: DecoderFuzzStats = { inputs: 0, accepted: 0, rejected: 0 };
  const attempt = (what: string, input: Uint8Array, f: () => unknown) => {
    try {
      f();
      stats.accepted++;
    } catch (e) {
      if (!(e instanceof ProtocolError)) {
        throw new DecoderBug(
          `${what} threw ${(e as Error)?.name}: ${(e as Error)?.message} on ${
            toHex(input.subarray(0, 4096))
          } (seed ${seed})`,
          { cause: e },
        );
      }
      stats.rejected++;
    }
  };
  for (let i = from; i < from + count; i++) {
    const rng = rngFor(seed, i);
    stats.inputs++;
    if (rng.int(4) === 0) {
      const chunks = fuzzStream(rng);
      const all = Uint8Array.from(chunks.flatMap((c) => [...c]));
      attempt(`FrameReader (input ${i})`, all, () => {
        const fr = new FrameReader();
        for (const c of chunks) {
          fr.push(c);
          while (fr.next());
        }
      });
      continue;
    }
    const p = fuzzPayload(rng);
    attempt(`parseLines (input ${i})`, p, () => parseLines(p));
    attempt(`parseHello (input ${i})`, p, () => parseHello(p));
    attempt(`parseAnswer restart (input ${i})`, p, () => parseAnswer(p, "restart", 7));
    attempt(`parseAnswer checkpoint (input ${i})`, p, () => parseAnswer(p, "checkpoint", 7));
  }
  return stats;
}
