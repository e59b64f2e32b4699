/**
 * An external implementation in persistent mode (see `protocol/PROTOCOL.md`):
 * one long-lived process, requests pipelined within a window, respawned
 * after a crash, a timeout or a protocol error.
 *
 * @module
 */
import {
  encodeFrames,
  frame,
  type Hello,
  helloPayload,
  parseAnswer,
  parseHello,
  PROTOCOL_VERSION,
  ProtocolError,
  type Request,
} from "../protocol/codec.ts";
import { answerOutcome, type Outcome, SetupError, type Testee } from "../protocol/testee.ts";
import { Child, raceTimeout } from "./child.ts";
import type { ProcessOptions } from "./process_options.ts";

/** An external implementation in persistent mode (see PROTOCOL.md). */
export class ProcessTestee implements Testee {
  /** Name given on the command line. */
  readonly name: string;
  private readonly cmd: string;
  private readonly opts: Required<Omit<ProcessOptions, "cwd">> & { cwd?: string };
  private child: Child | undefined;
  private hello: Hello | undefined;
  /** How many times the testee was (re)started. */
  spawns = 0;

  /** Describes a testee started as `sh -c CMD` (a plain path with arguments is run directly). */
  constructor(name: string, cmd: string, opts: ProcessOptions = {}) {
    this.name = name;
    this.cmd = cmd;
    this.opts = { timeoutMs: 5000, window: 64, graceMs: 200, ...opts };
  }

  private async spawn(): Promise<Child> {
    const child = new Child(this.cmd, [], this.opts.cwd);
    this.spawns++;
    child.write(frame(helloPayload()));
    // Starting up may be slow (a JIT, a VM): hello gets at least 30 s.
    const helloMs = Math.max(this.opts.timeoutMs, 30_000);
    const f = await child.nextFrame(helloMs).catch((e) => e as Error);
    const fail = async (why: string) => {
      await child.kill(this.opts.graceMs);
      throw new SetupError(`${this.name}: ${why} (command: ${this.cmd})`);
    };
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
    this.child = await this.spawn();
    return this.hello!;
  }

  /** Runs requests pipelined within the window; respawns after a crash, timeout or protocol error. */
  async run(
    requests: readonly Request[],
    onOutcome: (index: number, o: Outcome) => void,
  ): Promise<void> {
    let sent = 0;
    let done = 0;
    while (done < requests.length) {
      if (!this.child) {
        try {
          this.child = await this.spawn();
        } catch (e) {
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
        child.write(encodeFrames(requests, sent, end));
        sent = end;
      }
      let outcome: Outcome;
      let restartChild = false;
      try {
        // Answers already buffered are taken without yielding to the event loop.
        const f = child.tryFrame() ?? await child.nextFrame(this.opts.timeoutMs);
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
          outcome = answerOutcome(parseAnswer(f, requests[done]!.op, done));
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

  /** Closes stdin, waits briefly, kills what is left of the group. */
  async close(): Promise<void> {
    await this.child?.close(1000, this.opts.graceMs);
    this.child = undefined;
  }
}
