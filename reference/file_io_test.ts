// File behaviours against hand-counted offsets: the x86_64 image is HEAD (8 + 224), TASK
// (8 + 152), STRING (8 + 16), TAIL (8 + 8) = 432 bytes (reference/layout.ts, docs/LAYOUTS.md).
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { checkpoint } from "./checkpoint.ts";
import { InputError } from "./errors.ts";
import { ioFails } from "./file_io.ts";
import { restartShadow } from "./restart.ts";
import { restartConcrete } from "./restart_concrete.ts";
import {
  defaultCheckpointEnv,
  defaultRestartEnv,
  defaultTaskState,
  type FileBehaviour,
  type RestartEnv,
} from "./types.ts";

const plain = checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64"));
const ascii = (s: string) => Uint8Array.from(s.padEnd(16, "\0"), (c) => c.charCodeAt(0));

Deno.test("ioFails: a 0-byte loop never fails; end of file before the error comes first", () => {
  strictEqual(ioFails(8, 0, 100, 8), false);
  strictEqual(ioFails(8, 1, 100, 8), true);
  strictEqual(ioFails(0, 8, 100, 8), false);
  strictEqual(ioFails(0, 9, 100, 8), true);
  strictEqual(ioFails(0, 9, 5, 8), false); // EOF at 5, before byte 8
  strictEqual(ioFails(0, 9, 8, 8), true); // EOF and the error at the same byte: the error
});

Deno.test("checkpoint: short transfers and -EAGAIN runs change nothing", () => {
  for (const io of [{ chunk: 1 }, { chunk: 7, eagain: 3 }, { eagain: 64 }] as FileBehaviour[]) {
    const r = checkpoint(defaultTaskState(), { ...defaultCheckpointEnv("x86_64"), io });
    deepStrictEqual([r.ret, r.counter, r.image], [plain.ret, plain.counter, plain.image]);
  }
});

Deno.test("checkpoint: a file failing after N bytes keeps N bytes and returns its error", () => {
  strictEqual(plain.image.length, 432);
  for (const n of [0, 1, 7, 8, 231, 232, 240, 391, 392, 415, 416, 424, 431]) {
    const io = { errorAfter: { bytes: n, errno: 28 } };
    const r = checkpoint(defaultTaskState(), { ...defaultCheckpointEnv("x86_64"), io });
    strictEqual(r.ret, -28, `N ${n}`);
    strictEqual(r.counter, 1); // the context was allocated
    deepStrictEqual(r.image, plain.image.subarray(0, n));
    deepStrictEqual([r.decision.check, r.decision.offset], ["write", n]);
  }
  const whole = checkpoint(defaultTaskState(), {
    ...defaultCheckpointEnv("x86_64"),
    io: { errorAfter: { bytes: 432, errno: 28 } },
  });
  strictEqual(whole.ret, 1);
  // A dead task: HEAD (232 bytes) then -EAGAIN; a failure inside HEAD wins.
  const dead = { ...defaultTaskState(), state: 64n };
  const at = (n: number) =>
    checkpoint(dead, {
      ...defaultCheckpointEnv("x86_64"),
      io: { errorAfter: { bytes: n, errno: 5 } },
    });
  deepStrictEqual([at(231).ret, at(231).image.length], [-5, 231]);
  deepStrictEqual([at(232).ret, at(232).image.length], [-11, 232]);
});

Deno.test("restart: a read failing after N bytes: ret -errno, consumed N, comm as it stood", () => {
  const run = (n: number, profile: "seed" | "hardened" = "seed") => {
    const env: RestartEnv = {
      ...defaultRestartEnv("x86_64"),
      io: { errorAfter: { bytes: n, errno: 5 } },
    };
    const s = restartShadow(plain.image, env, profile);
    deepStrictEqual(restartConcrete(plain.image, env, profile), s, `N ${n} both paths`);
    return s;
  };
  for (const n of [0, 3, 8, 232, 240, 392, 400, 407, 415]) {
    const o = run(n);
    deepStrictEqual([o.ret, o.consumed], [{ defined: true, value: -5 }, {
      defined: true,
      value: n,
    }]);
    deepStrictEqual(o.comm, ascii("restarter"), `N ${n}: comm untouched before STRING is read`);
  }
  // From the end of STRING (416): comm is already restored when the TAIL read fails.
  for (const n of [416, 424, 431]) {
    const o = run(n, "hardened");
    deepStrictEqual([o.ret, o.consumed], [{ defined: true, value: -5 }, {
      defined: true,
      value: n,
    }]);
    deepStrictEqual(o.comm, ascii("init"));
  }
  const done = run(432);
  deepStrictEqual([done.ret, done.consumed], [{ defined: true, value: 0 }, {
    defined: true,
    value: 432,
  }]);
  // End of file before the error: the seed's truncated-image success path, not the error.
  const short = plain.image.subarray(0, 416);
  const env: RestartEnv = {
    ...defaultRestartEnv("x86_64"),
    io: { errorAfter: { bytes: 420, errno: 5 } },
  };
  deepStrictEqual(restartShadow(short, env, "seed").consumed, { defined: true, value: 416 });
  deepStrictEqual(restartShadow(short, env, "hardened").ret, { defined: true, value: -32 });
});

Deno.test("io is validated: ranges, EAGAIN as the error, io without file ok", () => {
  const ck = (io: unknown, file?: "ok" | "read-only") =>
    checkpoint(defaultTaskState(), {
      ...defaultCheckpointEnv("i386"),
      io: io as FileBehaviour,
      file,
    });
  throws(() => ck({ chunk: 0 }), InputError);
  throws(() => ck({ eagain: 65 }), InputError);
  throws(() => ck({ errorAfter: { bytes: 1, errno: 11 } }), InputError);
  throws(() => ck({ errorAfter: { bytes: -1, errno: 5 } }), InputError);
  throws(() => ck({ errorAfter: { bytes: 1 } }), InputError);
  throws(() => ck({ chunk: 1 }, "read-only"), InputError);
});
