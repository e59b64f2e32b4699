/**
 * An external implementation in per-case mode: one process per request
 * (`CMD OP`), at most `window` at a time.
 *
 * @module
 */
import {
  type Hello,
  helloPayload,
  MAX_FRAME,
  parseAnswer,
  parseHello,
  PROTOCOL_VERSION,
  ProtocolError,
  type Request,
  requestPayload,
} from "../protocol/codec.ts";
import {
  answerOutcome,
  type Failure,
  type Outcome,
  SetupError,
  type Testee,
} from "../protocol/testee.ts";
import { Child, raceTimeout } from "./child.ts";
import type { ProcessOptions } from "./process_options.ts";

/** An external implementation in per-case mode: one process per request (`CMD OP`). */
export class PerCaseTestee implements Testee {
  /** Name given on the command line. */
  readonly name: string;
  private readonly cmd: string;
  private readonly opts: Required<Omit<ProcessOptions, "cwd">> & { cwd?: string };

  /** Describes a testee run as `sh -c 'CMD OP'` per request. */
  constructor(name: string, cmd: string, opts: ProcessOptions = {}) {
    this.name = name;
    this.cmd = cmd;
    this.opts = { timeoutMs: 5000, window: 2, graceMs: 200, ...opts };
  }

  private async once(op: string, payload: Uint8Array): Promise<Uint8Array | Failure> {
    const child = new Child(this.cmd, [op], this.opts.cwd, true);
    child.write(payload);
    child.endInput();
    const out = await child.readAll(this.opts.timeoutMs, MAX_FRAME);
    if (out === "timeout" || out === "oversize") {
      await child.kill(this.opts.graceMs);
      return out === "timeout"
        ? {
          status: "timeout",
          detail: `no answer within ${this.opts.timeoutMs} ms; process group killed`,
        }
        : { status: "protocol", detail: `answer exceeds ${MAX_FRAME} bytes` };
    }
    const st = await raceTimeout(child.status, this.opts.timeoutMs);
    if (st === "timeout") {
      await child.kill(this.opts.graceMs);
      return { status: "timeout", detail: "did not exit after answering" };
    }
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch { /* group gone */ }
    if (st.code !== 0) {
      return {
        status: "crash",
        detail: st.signal ? `killed by ${st.signal}` : `exited with ${st.code}`,
      };
    }
    return out;
  }

  /** Runs `CMD hello`. */
  async start(): Promise<Hello> {
    const out = await this.once("hello", helloPayload());
    if (!(out instanceof Uint8Array)) {
      throw new SetupError(`${this.name}: hello failed: ${out.detail}`);
    }
    try {
      const h = parseHello(out);
      if (h.protocol !== PROTOCOL_VERSION) {
        throw new ProtocolError(
          `speaks protocol ${h.protocol}, this harness speaks ${PROTOCOL_VERSION}`,
        );
      }
      return h;
    } catch (e) {
      throw new SetupError(`${this.name}: bad hello answer: ${(e as Error).message}`);
    }
  }

  /** Runs each request in its own process, `window` at a time. */
  async run(
    requests: readonly Request[],
    onOutcome: (index: number, o: Outcome) => void,
  ): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const r = requests[i]!;
        const out = await this.once(r.op, requestPayload(r, i));
        if (!(out instanceof Uint8Array)) {
          onOutcome(i, out);
          continue;
        }
        try {
          onOutcome(i, answerOutcome(parseAnswer(out, r.op, i)));
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          onOutcome(i, { status: "protocol", detail: e.message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.opts.window) }, worker));
  }

  /** Nothing stays running between cases. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
