/**
 * An external implementation in per-case mode: one process per request
 * (`CMD OP`), at most `window` at a time (by default as many as there are
 * cores: a testee that is slow to start is not flooded), each case's
 * timeout counted from its own spawn. A close() during a run stops it
 * starting processes and kills the running ones.
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
} from "../protocol/codec.ts";
import { requestPayload } from "../protocol/encode.ts";
import {
  answerOutcome,
  type Failure,
  type Outcome,
  SetupError,
  type Testee,
} from "../protocol/testee.ts";
import { Child, raceTimeout } from "./child.ts";
import {
  Activity,
  cores,
  HELLO_MIN_MS,
  type ProcessOptions,
  withDefaults,
} from "./process_options.ts";

/** An external implementation in per-case mode: one process per request (`CMD OP`). */
export class PerCaseTestee implements Testee {
  /** Name given on the command line. */
  readonly name: string;
  private readonly cmd: string;
  private readonly opts: ReturnType<typeof withDefaults>;
  /** Most processes that ran at once (for tests and diagnostics). */
  peak = 0;
  private running = 0;
  /** The start or run in progress, which a close() stops. */
  private readonly activity = new Activity();

  /** Describes a testee run as `sh -c 'CMD OP'` per request. */
  constructor(name: string, cmd: string, opts: ProcessOptions = {}) {
    this.name = name;
    this.cmd = cmd;
    this.opts = withDefaults(opts, cores());
  }

  /** Processes run at once. */
  get window(): number {
    return this.opts.window;
  }

  private async once(
    op: string,
    payload: Uint8Array,
    signal?: AbortSignal,
    timeoutMs = this.opts.timeoutMs,
  ): Promise<Uint8Array | Failure | "aborted"> {
    if (signal?.aborted) return "aborted";
    const child = new Child(this.cmd, [op], this.opts.cwd, true, this.opts.contain);
    this.peak = Math.max(this.peak, ++this.running);
    try {
      child.abortOn(signal);
      child.write(payload);
      child.endInput();
      const out = await child.readAll(timeoutMs, MAX_FRAME);
      if (out === "aborted" || out === "timeout" || out === "oversize") {
        await child.kill(this.opts.graceMs);
        if (out === "aborted") return out;
        return out === "timeout"
          ? {
            status: "timeout",
            detail: `no answer within ${timeoutMs} ms; process group killed`,
          }
          : { status: "protocol", detail: `answer exceeds ${MAX_FRAME} bytes` };
      }
      const st = await raceTimeout(child.status, timeoutMs);
      if (st === "timeout") {
        await child.kill(this.opts.graceMs);
        return signal?.aborted
          ? "aborted"
          : { status: "timeout", detail: "did not exit after answering" };
      }
      await child.reap(); // anything left in its group
      if (st.code !== 0) {
        return {
          status: "crash",
          detail: st.signal ? `killed by ${st.signal}` : `exited with ${st.code}`,
        };
      }
      return out;
    } finally {
      this.running--;
    }
  }

  /**
   * Runs `CMD hello`. Starting up may be slow (a JIT, a VM, a loaded host):
   * hello gets at least {@link HELLO_MIN_MS}, as in persistent mode.
   */
  async start(): Promise<Hello> {
    this.activity.renew();
    const helloMs = Math.max(this.opts.timeoutMs, HELLO_MIN_MS);
    const out = await this.activity.track(
      this.once("hello", helloPayload(), this.activity.signal, helloMs),
    );
    if (out === "aborted") throw new Error(`${this.name}: stopped before its hello`);
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

  /**
   * Runs each request in its own process, `window` at a time. After a
   * close() meanwhile, or when a callback throws, no process is started any
   * more and the running ones are killed; their requests get no outcome.
   */
  run(
    requests: readonly Request[],
    onOutcome: (index: number, o: Outcome) => void,
  ): Promise<void> {
    return this.activity.track(this.all(requests, onOutcome));
  }

  private async all(
    requests: readonly Request[],
    onOutcome: (index: number, o: Outcome) => void,
  ): Promise<void> {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    const halted = this.activity.signal;
    if (halted.aborted) return;
    halted.addEventListener("abort", onAbort, { once: true });
    let next = 0;
    let failure: { e: unknown } | undefined;
    const worker = async () => {
      while (next < requests.length && !stop.signal.aborted) {
        const i = next++;
        const r = requests[i]!;
        try {
          const out = await this.once(r.op, requestPayload(r, i), stop.signal);
          if (out === "aborted") return;
          if (!(out instanceof Uint8Array)) {
            onOutcome(i, out);
            continue;
          }
          let outcome: Outcome;
          try {
            outcome = answerOutcome(parseAnswer(out, r.op, i));
          } catch (e) {
            if (!(e instanceof ProtocolError)) throw e;
            outcome = { status: "protocol", detail: e.message };
          }
          onOutcome(i, outcome);
        } catch (e) {
          failure ??= { e };
          stop.abort();
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: this.opts.window }, worker));
    } finally {
      halted.removeEventListener("abort", onAbort);
    }
    if (failure) throw failure.e;
  }

  /**
   * Nothing stays running between cases; during a start or a run, kills the
   * running processes (SIGTERM, then SIGKILL after the grace) and waits.
   */
  async close(): Promise<void> {
    await this.activity.stop();
  }
}
