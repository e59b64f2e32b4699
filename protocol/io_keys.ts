/**
 * The request keys of a file behaviour (`PROTOCOL.md`, "Features": `io`
 * and `io-zero`), shared by the encoder and the test vectors.
 *
 * @module
 */
import type { FileBehaviour } from "../reference/types.ts";

/**
 * The `io` and `io-zero` features' keys of a file behaviour, in the order
 * they go on the wire (only those set: `PROTOCOL.md`, "Features").
 */
export function ioKeys(io: FileBehaviour): [key: string, value: number][] {
  const out: [string, number][] = [];
  if (io.chunk !== undefined) out.push(["io_chunk", io.chunk]);
  if (io.eagain !== undefined) out.push(["io_eagain", io.eagain]);
  if (io.errorAfter) {
    out.push(["io_error_at", io.errorAfter.bytes], ["io_errno", io.errorAfter.errno]);
    if (io.errorAfter.count !== undefined) out.push(["io_error_count", io.errorAfter.count]);
  }
  if (io.zeroAfter) {
    out.push(["io_zero_at", io.zeroAfter.bytes]);
    if (io.zeroAfter.count !== undefined) out.push(["io_zero_count", io.zeroAfter.count]);
  }
  return out;
}
