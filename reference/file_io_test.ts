// File behaviours against hand-counted offsets: the x86_64 image is HEAD (8 + 224), TASK
// (8 + 152), STRING (8 + 16), TAIL (8 + 8) = 432 bytes (reference/layout.ts, docs/LAYOUTS.md).
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { checkpoint } from "./checkpoint.ts";
import { InputError } from "./errors.ts";
import { ioFails, writtenWithZeros } from "./file_io.ts";
import { restart, restartShadow } from "./restart.ts";
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

Deno.test("writtenWithZeros: a write that moves nothing ends its loop; the next goes on there", () => {
  const image = Uint8Array.from({ length: 10 }, (_, i) => i);
  const loops = [{ at: 0, count: 4 }, { at: 4, count: 6 }];
  const w = (bytes: number, count?: number) => {
    const r = writtenWithZeros(image, loops, { bytes, count });
    return [[...r.held], r.dropped];
  };
  // By hand: the first loop moves 0,1 and meets the 0 at 2: 2,3 dropped; the second goes on at 2.
  deepStrictEqual(w(2, 1), [[0, 1, 4, 5, 6, 7, 8, 9], 2]);
  deepStrictEqual(w(2, 2), [[0, 1], 8]); // the second loop meets the second 0 at once
  deepStrictEqual(w(2), [[0, 1], 8]); // a file that takes nothing from 2 on
  deepStrictEqual(w(4, 1), [[0, 1, 2, 3], 6]); // the first loop ends at 4 without a transfer there
  deepStrictEqual(w(0, 1), [[4, 5, 6, 7, 8, 9], 4]);
  deepStrictEqual(w(9, 1), [[0, 1, 2, 3, 4, 5, 6, 7, 8], 1]);
  deepStrictEqual(w(10), [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0]); // never reached
  // A loop of 0 bytes makes no transfer, so it meets no 0.
  const r = writtenWithZeros(image, [{ at: 0, count: 0 }, ...loops], { bytes: 0, count: 1 });
  deepStrictEqual([...r.held], [4, 5, 6, 7, 8, 9]);
});

Deno.test("checkpoint: a write that moves nothing is taken for done; ret and counter unchanged", () => {
  const e = { ...defaultCheckpointEnv("x86_64"), counter: 3 };
  const ck = (zeroAfter: FileBehaviour["zeroAfter"], more: FileBehaviour = {}) =>
    checkpoint(defaultTaskState(), { ...e, io: { ...more, zeroAfter } });
  // At 10, inside HEAD's payload (8..232): 2 of its 224 bytes go, 222 are dropped; TASK goes on at 10.
  const z = ck({ bytes: 10, count: 1 });
  strictEqual(z.ret, 4);
  strictEqual(z.counter, 4);
  deepStrictEqual(
    z.image,
    Uint8Array.from([...plain.image.subarray(0, 10), ...plain.image.subarray(232)]),
  );
  // Short transfers and -EAGAIN do not move where it comes.
  deepStrictEqual(ck({ bytes: 10, count: 1 }, { chunk: 3, eagain: 2 }).image, z.image);
  // At 232 (TASK's header): the whole header is dropped, TASK's payload goes on at 232.
  deepStrictEqual(
    ck({ bytes: 232, count: 1 }).image,
    Uint8Array.from([...plain.image.subarray(0, 232), ...plain.image.subarray(240)]),
  );
  // A file that takes nothing from 400 on (STRING's payload is 400..416): 400 bytes, still success.
  const full = ck({ bytes: 400 });
  strictEqual(full.ret, 4);
  deepStrictEqual(full.image, plain.image.subarray(0, 400));
  // Past the end: the plain result, its decision too.
  const past = ck({ bytes: 432 });
  deepStrictEqual(past.image, plain.image);
  strictEqual(past.decision.detail, "checkpoint written");
});

Deno.test("a file without a write (read) method: -EINVAL at the first transfer, counter advanced", () => {
  const c = checkpoint(defaultTaskState(), {
    ...defaultCheckpointEnv("x86_64"),
    file: "no-write",
    counter: 9,
  });
  deepStrictEqual([c.ret, c.image.length, c.counter, c.decision.check], [-22, 0, 10, "write"]);
  const comm = ascii("restarter");
  const env: RestartEnv = { ...defaultRestartEnv("x86_64"), comm, counter: 9, file: "no-read" };
  for (const profile of ["seed", "hardened"] as const) {
    const r = restartShadow(plain.image, env, profile);
    deepStrictEqual(r.ret, { defined: true, value: -22 });
    deepStrictEqual(r.consumed, { defined: true, value: 0 });
    deepStrictEqual([...r.comm], [...comm]);
    ok(r.commDefined.every((d) => d));
    strictEqual(r.counter, 10);
  }
});

Deno.test("zeroAfter is validated: checkpoint only, not with errorAfter, its ranges", () => {
  const ck = (io: unknown) =>
    checkpoint(defaultTaskState(), { ...defaultCheckpointEnv("x86_64"), io: io as FileBehaviour });
  throws(() => ck({ zeroAfter: { bytes: -1 } }), InputError);
  throws(() => ck({ zeroAfter: {} }), InputError);
  throws(() => ck({ zeroAfter: { bytes: 1, count: 0 } }), InputError);
  throws(() => ck({ zeroAfter: { bytes: 1, count: 65 } }), InputError);
  throws(() => ck({ zeroAfter: 3 }), InputError);
  throws(() => ck({ zeroAfter: { bytes: 1 }, errorAfter: { bytes: 2, errno: 5 } }), InputError);
  strictEqual(ck({ zeroAfter: { bytes: 1, count: 64 } }).ret, 1);
  const renv = { ...defaultRestartEnv("x86_64"), io: { zeroAfter: { bytes: 1 } } };
  throws(() => restart(plain.image, renv, "seed"), /zeroAfter on restart/);
});
