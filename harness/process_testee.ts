/**
 * An external implementation in persistent mode (see `protocol/PROTOCOL.md`):
 * one long-lived process, requests pipelined within a window, respawned
 * after a crash, a timeout or a protocol error. A close() during a run
 * stops it: nothing more is sent and the testee is killed (SIGTERM, then
 * SIGKILL after the grace).
 *
 * @module
 */
import {
  frame,
  type Hello,
  helloPayload,
  parseAnswer,
  parseHello,
  PROTOCOL_VERSION,
  ProtocolError,
  type Request,
} from "../protocol/codec.ts";
import { encodeFrames } from "../protocol/encode.ts";
import { batchCuts } from "../protocol/vary.ts";
import { answerOutcome, type Outcome, SetupError, type Testee } from "../protocol/testee.ts";
import { Child, raceTimeout } from "./child.ts";
import {
  Activity,
  END_MIN_MS,
  HELLO_MIN_MS,
  type ProcessOptions,
  withDefaults,
} from "./process_options.ts";

/** An external implementation in persistent mode (see PROTOCOL.md). */
export class ProcessTestee implements Testee {
  /** Name given on the command line. */
  readonly name: string;
  private readonly cmd: string;
  private readonly opts: ReturnType<typeof withDefaults>;
  private child: Child | undefined;
  private hello: Hello | undefined;
  /** The start or run in progress, which a close() stops. */
  private readonly activity = new Activity();
  /** How many times the testee was (re)started. */
  spawns = 0;
  /** How it broke the rule for the end of its input (exit 0), at its last close. */
  endError: string | undefined;
  /** The id of the next run's first request: ids go on from run to run (a streamed suite). */
  private nextId = 0;

  /** Describes a testee started as `sh -c CMD` (a plain path with arguments is run directly). */
  constructor(name: string, cmd: string, opts: ProcessOptions = {}) {
    this.name = name;
    this.cmd = cmd;
    this.opts = withDefaults(opts, 64);
  }

  private async spawn(): Promise<Child> {
    const child = new Child(this.cmd, [], this.opts.cwd, false, this.opts.contain);
    child.abortOn(this.activity.signal);
    this.spawns++;
    child.write(frame(helloPayload()));
    // Starting up may be slow (a JIT, a VM): hello gets at least HELLO_MIN_MS.
    const helloMs = Math.max(this.opts.timeoutMs, HELLO_MIN_MS);
    const f = await child.nextFrame(helloMs).catch((e) => e as Error);
    const fail = async (why: string) => {
      await child.kill(this.opts.graceMs);
      throw new SetupError(`${this.name}: ${why} (command: ${this.cmd})`);
    };
    if (f === "aborted") {
      await child.kill(this.opts.graceMs);
      throw new Error(`${this.name}: stopped before its hello`);
    }
    if (f === "eof") return fail("exited before answering hello");
    if (f === "timeout") return fail(`no hello answer within ${helloMs} ms`);
    if (f instanceof Error) return fail(`bad hello answer: ${f.message}`);
    let hello: Hello;
    try {
      hello = parseHello(f);
    } catch (e) {
      return fail(`bad hello answer: ${(e as Error).message}`);
    }
    if (hello.protocol !== PROTOCOL_VERSION) {
      return fail(`speaks protocol ${hello.protocol}, this harness speaks ${PROTOCOL_VERSION}`);
    }
    this.hello = hello;
    return child;
  }

  /** Spawns and handshakes. */
  async start(): Promise<Hello> {
    this.activity.renew();
    this.endError = undefined;
    this.child = await this.activity.track(this.spawn());
    return this.hello!;
  }

  /**
   * Runs requests pipelined within the window; respawns after a crash,
   * timeout or protocol error. A close() meanwhile stops it: nothing more
   * is sent, the testee is killed, and the requests in flight get no
   * outcome.
   */
  run(
    requests: readonly Request[],
    onOutcome: (index: number, o: Outcome) => void,
  ): Promise<void> {
    const idBase = this.nextId;
    this.nextId += requests.length;
    return this.activity.track(this.loop(requests, onOutcome, idBase));
  }

  private async loop(
    requests: readonly Request[],
    onOutcome: (index: number, o: Outcome) => void,
    idBase: number,
  ): Promise<void> {
    const halted = this.activity.signal;
    let sent = 0;
    let done = 0;
    while (done < requests.length) {
      if (halted.aborted) return await this.kill();
      if (!this.child) {
        try {
          this.child = await this.spawn();
        } catch (e) {
          if (halted.aborted) return;
          for (; done < requests.length; done++) {
            onOutcome(done, { status: "crash", detail: (e as Error).message });
          }
          return;
        }
        sent = done;
      }
      const child = this.child;
      if (sent - done <= this.opts.window >> 1 && sent < requests.length) {
        const end = Math.min(requests.length, done + this.opts.window);
        const batch = encodeFrames(requests, sent, end, idBase);
        // A few frames go in pieces, written apart (PROTOCOL.md: any number of reads).
        const cuts = batchCuts(batch, requests.slice(sent, end).map((r) => r.encoding));
        if (cuts.length) child.writePieces(batch, cuts, this.opts.piecePauseMs);
        else child.write(batch);
        sent = end;
      }
      let outcome: Outcome;
      let restartChild = false;
      try {
        // Answers already buffered are taken without yielding to the event loop.
        const f = child.tryFrame() ?? await child.nextFrame(this.opts.timeoutMs);
        if (f === "aborted") return await this.kill();
        if (f === "eof") {
          const st = await raceTimeout(child.status, this.opts.graceMs);
          const how = st === "timeout"
            ? "closed its stdout"
            : st.signal
            ? `killed by ${st.signal}`
            : `exited with ${st.code}`;
          outcome = { status: "crash", detail: `${how} before answering` };
          restartChild = true;
        } else if (f === "timeout") {
          outcome = {
            status: "timeout",
            detail: `no answer within ${this.opts.timeoutMs} ms; process group killed`,
          };
          restartChild = true;
        } else {
          outcome = answerOutcome(parseAnswer(f, requests[done]!.op, idBase + done));
        }
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        outcome = { status: "protocol", detail: e.message };
        restartChild = true;
      }
      onOutcome(done, outcome);
      done++;
      if (restartChild) {
        await child.kill(this.opts.graceMs);
        this.child = undefined;
      }
    }
  }

  private async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await child?.kill(this.opts.graceMs);
  }

  /**
   * Stops it, leaving nothing behind. Between runs: closes stdin, waits
   * briefly for a clean exit, kills what is left. During a start or a run
   * (the runner giving up, an interrupt): stops sending and kills it at
   * once (SIGTERM, then SIGKILL after the grace).
   */
  async close(): Promise<void> {
    if (await this.activity.stop()) return await this.kill();
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    // PROTOCOL.md: "When stdin reaches end of file, exit 0", within the per-case timeout (at
    // least END_MIN_MS: shutting down may be slow, as starting up is).
    const waitMs = Math.max(this.opts.timeoutMs, END_MIN_MS);
    const st = await child.close(waitMs, this.opts.graceMs);
    const how = !st
      ? `was still running ${waitMs} ms later and was killed`
      : st.signal
      ? `was killed by ${st.signal}`
      : st.code !== 0
      ? `exited with ${st.code}`
      : undefined;
    if (how) {
      this.endError =
        `at end of its input it ${how} (PROTOCOL.md: when stdin reaches end of file, exit 0)`;
    }
  }
}
