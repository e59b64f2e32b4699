/**
 * The file as part of the domain: cases whose file behaves (short
 * transfers, runs of -EAGAIN, a failure after N bytes), on both operations,
 * and checkpoint's file taking nothing at a byte. The seed's transfer loops
 * hide the first two (the answer is the plain file's); the third cuts the
 * image or the read where it comes; the fourth drops the rest of the write
 * loop it ends, and the seed reports success. Sent only to testees whose
 * hello declares the `io` feature (`io-zero` for the fourth:
 * `protocol/PROTOCOL.md`).
 *
 * Ids: `checkpoint/<abi>/io/<what>` and `restart/<abi>/io/<what>`.
 *
 * @module
 */
import { checkpoint, writeLoops } from "../reference/checkpoint.ts";
import { IO_BYTES_MAX, IO_ERRNO_MAX } from "../reference/file_io.ts";
import { layoutOf, TASK_COMM_LEN } from "../reference/layout.ts";
import { type FileBehaviour, IO_EAGAIN_MAX } from "../reference/types.ts";
import type { CatalogBase } from "./catalog.ts";
import type { Prng } from "./prng.ts";
import type { Case } from "./types.ts";

/**
 * The errnos a failing file returns, in turn: the usual ones (EIO, ENOSPC,
 * EFAULT, EFBIG, EINTR, EPIPE, EINVAL, EBADF, ENOMEM), the kernel-internal
 * ERESTARTSYS (512) and the range's ends (1, MAX_ERRNO).
 */
export const IO_ERRNOS: readonly number[] = Object.freeze([
  5,
  28,
  14,
  27,
  4,
  32,
  22,
  9,
  12,
  512,
  1,
  IO_ERRNO_MAX,
]);

/** The offsets where the image's pieces (each header, each payload) start, and its end. */
export function pieceBoundaries(abi: CatalogBase["abi"]): number[] {
  return [0, ...writeLoops(abi).map((w) => w.at + w.count)];
}

/** Chunk sizes: 1, 2, 3, 7, and each piece size and boundary offset, ±1. */
function chunkSizes(abi: CatalogBase["abi"], size: number): number[] {
  const l = layoutOf(abi);
  const near = [l.HDR.size, l.HEAD.size, l.TASK.size, TASK_COMM_LEN, l.TAIL.size];
  near.push(...pieceBoundaries(abi).slice(1), size);
  const out = new Set([1, 2, 3, 7]);
  for (const n of near) for (const d of [-1, 0, 1]) if (n + d >= 1) out.add(n + d);
  return [...out].sort((a, b) => a - b);
}

/** -EAGAIN runs (alone and with short transfers). */
const EAGAINS: readonly FileBehaviour[] = [
  { eagain: 1 },
  { eagain: 2 },
  { eagain: 5 },
  { eagain: IO_EAGAIN_MAX },
  { eagain: 1, chunk: 1 },
  { eagain: 2, chunk: 3 },
  { eagain: 3, chunk: 7 },
];

/**
 * A short tag for a behaviour: `c7-a2-e232.5`, `e8.4x1` (a transient
 * failure), `z40x1` (one write that moves nothing at 40).
 */
function tagOf(io: FileBehaviour): string {
  const parts: string[] = [];
  if (io.chunk !== undefined) parts.push(`c${io.chunk}`);
  if (io.eagain !== undefined) parts.push(`a${io.eagain}`);
  const e = io.errorAfter;
  if (e) parts.push(`e${e.bytes}.${e.errno}${e.count === undefined ? "" : `x${e.count}`}`);
  const z = io.zeroAfter;
  if (z) parts.push(`z${z.bytes}${z.count === undefined ? "" : `x${z.count}`}`);
  return parts.join("-");
}

/**
 * Each `io` key at the ends of its domain (`PROTOCOL.md`: `io_chunk`
 * 1..0x7fffffff, `io_eagain` 0..64, `io_error_at` 0..0x7fffffff, `io_errno`
 * 1..4095 but 11, `io_error_count` 1..64; for checkpoint `io_zero_at` and
 * `io_zero_count` too) and next to them, the others plain: a reader whose
 * range check is off by one refuses a legal request.
 */
export function domainEdgeBehaviours(op: "checkpoint" | "restart"): FileBehaviour[] {
  const B = IO_BYTES_MAX, C = IO_EAGAIN_MAX;
  const out: FileBehaviour[] = [];
  for (const chunk of [1, 2, B - 1, B]) out.push({ chunk });
  for (const eagain of [0, 1, C - 1, C]) out.push({ eagain });
  for (const bytes of [0, 1, B - 1, B]) out.push({ errorAfter: { bytes, errno: 5 } });
  for (const errno of [1, 2, 10, 12, IO_ERRNO_MAX - 1, IO_ERRNO_MAX]) {
    out.push({ errorAfter: { bytes: 8, errno } });
  }
  for (const count of [1, 2, C - 1, C]) out.push({ errorAfter: { bytes: 8, errno: 5, count } });
  if (op === "checkpoint") {
    for (const bytes of [0, 1, B - 1, B]) out.push({ zeroAfter: { bytes } });
    for (const count of [1, 2, C - 1, C]) out.push({ zeroAfter: { bytes: 8, count } });
  }
  return out;
}

/**
 * The write-only behaviours of checkpoint's file over an image of `size`
 * bytes: one write that moves nothing (the loop it ends drops the rest of
 * its bytes, the next goes on) within 2 bytes of every piece boundary and
 * at every 7th offset between; and at each piece boundary ±1 a file that
 * takes nothing from there on (the seed still succeeds), two or three such
 * writes, with short transfers and -EAGAIN.
 */
export function zeroWriteBehaviours(abi: CatalogBase["abi"], size: number): FileBehaviour[] {
  const out: FileBehaviour[] = [];
  const bounds = pieceBoundaries(abi);
  for (let n = 0; n <= size; n++) {
    if (n % 7 === 0 || bounds.some((b) => Math.abs(n - b) <= 2)) {
      out.push({ zeroAfter: { bytes: n, count: 1 } });
    }
  }
  for (const b of bounds) {
    for (const d of [-1, 0, 1]) {
      if (b + d < 0 || b + d > size) continue;
      const bytes = b + d;
      out.push(
        { zeroAfter: { bytes } },
        { zeroAfter: { bytes, count: 2 } },
        { chunk: 3, eagain: 1, zeroAfter: { bytes, count: 3 } },
        { chunk: 7, zeroAfter: { bytes, count: 1 } },
      );
    }
  }
  return out;
}

/**
 * The behaviours a family runs over an image of `size` bytes: every chunk
 * size, every -EAGAIN run, a failure at every offset 0..size (errnos in
 * turn), and at each piece boundary ±1 with short transfers and -EAGAIN too,
 * and as a transient failure (the file works again after 1 or 3).
 */
export function fileBehaviours(abi: CatalogBase["abi"], size: number): FileBehaviour[] {
  const out: FileBehaviour[] = chunkSizes(abi, size).map((chunk) => ({ chunk }));
  out.push(...EAGAINS);
  for (let n = 0; n <= size; n++) {
    out.push({ errorAfter: { bytes: n, errno: IO_ERRNOS[n % IO_ERRNOS.length]! } });
  }
  for (const b of pieceBoundaries(abi)) {
    for (const d of [-1, 0, 1]) {
      if (b + d < 0 || b + d > size) continue;
      const errorAfter = { bytes: b + d, errno: 5 };
      out.push({ chunk: 7, errorAfter }, { chunk: 3, eagain: 1, errorAfter });
      // A transient failure: the file works again after 1 (or 3) failed transfers.
      out.push(
        { errorAfter: { bytes: b + d, errno: 4, count: 1 } },
        { chunk: 2, errorAfter: { bytes: b + d, errno: 5, count: 3 } },
      );
    }
  }
  return out;
}

/**
 * The file-behaviour family of one ABI: the plain task's checkpoint and
 * restart under every behaviour of {@link fileBehaviours}; the restart of a
 * truncated image (end of file before the failure, and inside a transfer)
 * and of a rejected one (bad TAIL magic) under short transfers and failures.
 */
export function fileBehaviourCases(b: CatalogBase): Case[] {
  const abi = b.abi;
  const image = checkpoint(b.state, b.ckptEnv).image;
  const out: Case[] = [];
  const ckpt = (what: string, io: FileBehaviour) =>
    out.push({
      id: `checkpoint/${abi}/io/${what}${tagOf(io)}`,
      op: "checkpoint",
      abi,
      reason: `checkpoint on a file that behaves: ${JSON.stringify(io)}`,
      state: b.state,
      env: { ...b.ckptEnv, file: "ok", io },
    });
  const rst = (what: string, img: Uint8Array, io: FileBehaviour) =>
    out.push({
      id: `restart/${abi}/io/${what}${tagOf(io)}`,
      op: "restart",
      abi,
      reason: `restart from a file that behaves: ${JSON.stringify(io)}`,
      image: img,
      env: { ...b.rstEnv, file: "ok", io },
    });
  for (const io of fileBehaviours(abi, image.length)) {
    ckpt("", io);
    rst("", image, io);
  }
  for (const io of zeroWriteBehaviours(abi, image.length)) ckpt("", io);
  for (const io of domainEdgeBehaviours("checkpoint")) ckpt("edge-", io);
  for (const io of domainEdgeBehaviours("restart")) rst("edge-", image, io);
  const bounds = pieceBoundaries(abi);
  // End of file inside a transfer, and before (or at) the failure.
  for (const cut of [bounds[3]! + 5, bounds[6]! - 1]) {
    const short = image.subarray(0, cut);
    for (const io of [{ chunk: 2 }, { chunk: 7, eagain: 1 }, { chunk: 1, eagain: 2 }]) {
      rst(`cut${cut}-`, short, io);
    }
    for (const n of [cut - 1, cut, cut + 1, cut + 100]) {
      rst(`cut${cut}-`, short, { chunk: 3, errorAfter: { bytes: n, errno: 5 } });
    }
  }
  // A rejected image: the TAIL magic wrong, found after reads in short transfers.
  const bad = image.slice();
  bad[bad.length - 1]! ^= 0xff;
  for (
    const io of [{ chunk: 1 }, { chunk: 5, eagain: 1 }, {
      errorAfter: { bytes: bad.length - 1, errno: 5 },
    }]
  ) {
    rst("bad-tail-", bad, io);
  }
  return out;
}

/**
 * A fuzzed file behaviour for a file of `size` bytes, or undefined (7 times
 * in 8): short transfers, a -EAGAIN run and a failure (transient half the
 * time), each drawn at even odds (at least one of them); for checkpoint, the
 * failure is one time in three a write that moves nothing instead.
 */
export function fuzzFileBehaviour(
  rng: Prng,
  size: number,
  op: "checkpoint" | "restart",
): FileBehaviour | undefined {
  if (rng.int(8) !== 0) return undefined;
  const io: FileBehaviour = {};
  const which = 1 + rng.int(7); // a non-empty subset of the three
  if (which & 1) io.chunk = 1 + rng.int(rng.int(2) ? 16 : Math.max(1, size + 8));
  if (which & 2) io.eagain = 1 + rng.int(4);
  // An offset in or just past the file, one time in 16 at the end of its domain; a count of 1..3,
  // one time in 8 at the end of its.
  const bytes = () => rng.int(16) ? rng.int(size + 9) : IO_BYTES_MAX - rng.int(2);
  const count = () => rng.int(8) ? 1 + rng.int(3) : IO_EAGAIN_MAX - rng.int(2);
  if (which & 4) {
    if (op === "checkpoint" && rng.int(3) === 0) {
      io.zeroAfter = { bytes: bytes() };
      if (rng.int(2)) io.zeroAfter.count = count();
    } else {
      io.errorAfter = { bytes: bytes(), errno: IO_ERRNOS[rng.int(IO_ERRNOS.length)]! };
      if (rng.int(2)) io.errorAfter.count = count();
    }
  }
  return io;
}
