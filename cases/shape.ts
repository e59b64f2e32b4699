/**
 * Shape cases derived from any valid image: every truncation point, every
 * record shortened and lengthened by one byte (with and without moving the
 * bytes), trailing bytes after TAIL, and the other ABI's image.
 *
 * @module
 */
import type { AbiName } from "../reference/layout.ts";
import type { RestartEnv } from "../reference/types.ts";
import { IMAGE_RECORDS, payloadSize, recordOffsets, resize, withHeader } from "./image.ts";
import type { RestartCase } from "./types.ts";

/** Every prefix 0..N-1 of `image`, as `restart/<abi>/truncate/<tag>at-NNNN`. */
export function truncations(
  abi: AbiName,
  image: Uint8Array,
  env: RestartEnv,
  tag = "",
): RestartCase[] {
  const out: RestartCase[] = [];
  for (let n = 0; n < image.length; n++) {
    out.push({
      id: `restart/${abi}/truncate/${tag}at-${String(n).padStart(4, "0")}`,
      op: "restart",
      abi,
      reason: `end of file after ${n} of ${image.length} bytes`,
      image: image.slice(0, n),
      env,
    });
  }
  return out;
}

/** Records shortened and lengthened by one, trailing bytes, and a foreign image. */
export function reshaped(
  abi: AbiName,
  image: Uint8Array,
  env: RestartEnv,
  foreign: Uint8Array,
): RestartCase[] {
  const out: RestartCase[] = [];
  const add = (id: string, reason: string, img: Uint8Array) =>
    out.push({ id: `restart/${abi}/shape/${id}`, op: "restart", abi, reason, image: img, env });
  const offs = recordOffsets(abi);
  for (const rec of IMAGE_RECORDS) {
    const r = rec.toLowerCase();
    const size = payloadSize(abi, rec);
    const end = offs[rec] + 8 + size;
    const len = (img: Uint8Array, v: number) => withHeader(img, abi, rec, "len", BigInt(v));
    add(
      `${r}-short-1`,
      `${rec} one byte shorter (len ${size - 1}, last payload byte removed)`,
      len(resize(image, end - 1, -1), size - 1),
    );
    add(
      `${r}-long-1`,
      `${rec} one byte longer (len ${size + 1}, a zero byte added)`,
      len(resize(image, end, 1), size + 1),
    );
    add(
      `${r}-len-minus-1`,
      `${rec} len ${size - 1} with the bytes left in place`,
      len(image, size - 1),
    );
    add(
      `${r}-len-plus-1`,
      `${rec} len ${size + 1} with the bytes left in place`,
      len(image, size + 1),
    );
    add(
      `${r}-len-0`,
      `${rec} len 0: the whole payload comes from what the buffer held`,
      len(image, 0),
    );
  }
  add("trailing-1", "one byte after TAIL: not read", Uint8Array.from([...image, 0xa5]));
  add(
    "trailing-page",
    "4096 bytes after TAIL: not read",
    Uint8Array.from([...image, ...new Uint8Array(4096).fill(0x5a)]),
  );
  add(
    "twice",
    "two images back to back: only the first is read",
    Uint8Array.from([...image, ...image]),
  );
  add("other-abi", "the other ABI's image of the same task", foreign);
  return out;
}
