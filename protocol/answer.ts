/**
 * A testee's answers: their types, and their fast read: the common, well-formed answer read
 * straight from its bytes, without decoding text or building a map. It
 * takes only what it can read exactly as the line parser would; for
 * anything else it says "not mine", and `parseAnswerLines` in `codec.ts`
 * decides (with its protocol error). `codec_test.ts` checks that the two
 * agree on valid and mangled answers.
 *
 * @module
 */
import { HEX_DIGIT_VALUES, newBytes } from "../reference/bytes.ts";
import { TASK_COMM_LEN } from "../reference/layout.ts";

/** A checkpoint answer. */
export interface CheckpointAnswer {
  /** Kind. */
  readonly kind: "checkpoint";
  /** Raw return value. */
  readonly ret: number;
  /** Counter after. */
  readonly counter: number;
  /** Bytes written. */
  readonly image: Uint8Array;
}

/** A restart answer. */
export interface RestartAnswer {
  /** Kind. */
  readonly kind: "restart";
  /** Raw return value. */
  readonly ret: number;
  /** Bytes consumed. */
  readonly consumed: number;
  /** Counter after. */
  readonly counter: number;
  /** Comm after (16 bytes). */
  readonly comm: Uint8Array;
}

/** What a testee can answer to a case request. */
export type Answer =
  | CheckpointAnswer
  | RestartAnswer
  | { readonly kind: "unsupported"; readonly reason: string }
  | { readonly kind: "error"; readonly message: string };

/** The keys this scanner takes, as ASCII; a key's code is its index plus one (0: none). */
const KEYS = ["id", "ret", "counter", "consumed", "comm", "image"].map((k) =>
  Uint8Array.from(k, (c) => c.charCodeAt(0))
);
const KEY_ID = 1, KEY_RET = 2, KEY_COUNTER = 3, KEY_CONSUMED = 4, KEY_COMM = 5, KEY_IMAGE = 6;

/** Which answer key the bytes `from`..`to` spell (0: none this scanner takes). */
function keyAt(b: Uint8Array, from: number, to: number): number {
  const n = to - from;
  for (let k = 0; k < KEYS.length; k++) {
    const key = KEYS[k]!;
    if (key.length !== n) continue;
    let i = 0;
    while (i < n && b[from + i] === key[i]) i++;
    if (i === n) return k + 1;
  }
  return 0;
}

/** A canonical decimal (no leading zero, no `-0`, at most 15 digits), or NaN. */
function decimalAt(b: Uint8Array, from: number, to: number): number {
  let i = from, neg = false;
  if (b[i] === 45) {
    neg = true;
    i++;
  }
  const digits = to - i;
  if (digits < 1 || digits > 15 || (b[i] === 48 && (digits > 1 || neg))) return NaN;
  let v = 0;
  for (; i < to; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/**
 * The byte two hex digits spell, indexed by the digits' ASCII codes as the
 * first plus 256 times the second; -1 where either is not a hex digit.
 */
const HEX_PAIR_VALUES = (() => {
  const t = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) {
    const hi = HEX_DIGIT_VALUES[i & 255]!, lo = HEX_DIGIT_VALUES[i >> 8]!;
    t[i] = (hi | lo) < 0 ? -1 : (hi << 4) | lo;
  }
  return t;
})();

/** Hex bytes, or undefined when the text is not an even number of hex digits. */
function hexAt(b: Uint8Array, from: number, to: number): Uint8Array | undefined {
  if ((to - from) & 1) return undefined;
  const out = newBytes((to - from) >> 1);
  for (let i = 0, j = from; j < to; i++, j += 2) {
    const v = HEX_PAIR_VALUES[b[j]! | (b[j + 1]! << 8)]!;
    if (v < 0) return undefined;
    out[i] = v;
  }
  return out;
}

/**
 * The common answer, read straight from its bytes: exactly the keys its
 * operation needs, once each, canonical decimals in range, hex of the right
 * size. Anything else (an `unsupported` or `error` line, an extra key, an
 * empty line, a value out of range) returns undefined, and the general
 * parser, `parseAnswerLines`, decides: the same answer, or the
 * protocol error with its message.
 */
export function scanAnswer(
  b: Uint8Array,
  op: "checkpoint" | "restart",
  id: number,
): Answer | undefined {
  let seen = 0, gotId = NaN, ret = NaN, counter = NaN, consumed = NaN;
  let comm: Uint8Array | undefined, image: Uint8Array | undefined;
  const restart = op === "restart";
  for (let start = 0; start < b.length;) {
    let end = b.indexOf(10, start);
    if (end < 0) end = b.length;
    let sp = start;
    while (sp < end && b[sp] !== 32) sp++;
    const k = sp < end ? keyAt(b, start, sp) : 0;
    if (k === 0 || seen & (1 << k)) return undefined;
    seen |= 1 << k;
    const v = sp + 1;
    if (k === KEY_ID) gotId = decimalAt(b, v, end);
    else if (k === KEY_RET) ret = decimalAt(b, v, end);
    else if (k === KEY_COUNTER) counter = decimalAt(b, v, end);
    else if (k === KEY_CONSUMED && restart) consumed = decimalAt(b, v, end);
    else if (k === KEY_COMM && restart) comm = hexAt(b, v, end);
    else if (k === KEY_IMAGE && !restart) image = hexAt(b, v, end);
    else return undefined;
    start = end + 1;
  }
  if (gotId !== id || !(ret >= -0x80000000 && ret <= 0x7fffffff)) return undefined;
  if (!(counter >= 0 && counter <= 0xffffffff)) return undefined;
  if (!restart) return image ? { kind: "checkpoint", ret, counter, image } : undefined;
  if (!(consumed >= 0) || comm?.length !== TASK_COMM_LEN) return undefined;
  return { kind: "restart", ret, counter, consumed, comm };
}
