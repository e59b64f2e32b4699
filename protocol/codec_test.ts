import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { defaultRestartEnv } from "../reference/types.ts";
import {
  frame,
  FrameReader,
  helloAccepts,
  MAX_FRAME,
  parseAnswer,
  parseAnswerLines,
  parseHello,
  ProtocolError,
  type Request,
} from "./codec.ts";
import { scanAnswer } from "./answer.ts";
import { ByteWriter, encodeFrames, requestPayload } from "./encode.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("requestPayload() produces the worked example of PROTOCOL.md byte for byte", async () => {
  const doc = await Deno.readTextFile(new URL("./PROTOCOL.md", import.meta.url));
  const example = doc.split("## A worked example")[1]!.split("```")[1]!.replace(/^\n/, "");
  const payload = requestPayload({
    op: "restart",
    image: Uint8Array.of(1),
    env: defaultRestartEnv("x86_64"),
    profile: "seed",
  }, 1);
  const lines = (s: string) => s.trim().split("\n").sort();
  deepStrictEqual(lines(dec.decode(payload)), lines(example));
});

Deno.test("parseAnswer() reads a restart answer and rejects a wrong id, missing keys and bad values", () => {
  const a = parseAnswer(
    enc.encode("id 1\nret -22\nconsumed 1\ncounter 1\ncomm 72657374617274657200000000000000\n"),
    "restart",
    1,
  );
  deepStrictEqual(a, {
    kind: "restart",
    ret: -22,
    consumed: 1,
    counter: 1,
    comm: enc.encode("restarter\0\0\0\0\0\0\0"),
  });
  throws(
    () => parseAnswer(enc.encode("id 2\nret 0\n"), "restart", 1),
    /"id": expected 1, found "2"/,
  );
  throws(
    () => parseAnswer(enc.encode("id 1\nret 0\ncounter 1\ncomm 00\n"), "restart", 1),
    /missing key "consumed"/,
  );
  throws(
    () => parseAnswer(enc.encode("id 1\nret x\n"), "checkpoint", 1),
    /"ret": expected a decimal integer/,
  );
  throws(() => parseAnswer(enc.encode("id 1\nid 1\n"), "checkpoint", 1), /key "id" repeated/);
  throws(
    () => parseAnswer(enc.encode("id 1\nret 0\nconsumed 0\ncounter 1\ncomm 00\n"), "restart", 1),
    /"comm": expected 16 bytes, found 1/,
  );
  deepStrictEqual(parseAnswer(enc.encode("id 1\nunsupported no i386\n"), "checkpoint", 1), {
    kind: "unsupported",
    reason: "no i386",
  });
});

Deno.test("parseHello() checks ABIs, profiles and operations; no ops key means both", () => {
  deepStrictEqual(parseHello(enc.encode("protocol 1\nname x\nabis x86_64\nprofiles seed\n")), {
    protocol: 1,
    ops: ["checkpoint", "restart"],
    name: "x",
    abis: ["x86_64"],
    profiles: ["seed"],
  });
  deepStrictEqual(
    parseHello(enc.encode("protocol 1\nname x\nops restart\nabis i386\nprofiles\n")).ops,
    ["restart"],
  );
  throws(
    () => parseHello(enc.encode("protocol 1\nname x\nops frobnicate\nabis i386\nprofiles\n")),
    /unknown operation "frobnicate"/,
  );
  throws(
    () => parseHello(enc.encode("protocol 1\nname x\nabis arm\nprofiles seed\n")),
    /unknown ABI "arm"/,
  );
});

Deno.test("FrameReader splits frames across chunks and bounds their size", () => {
  const fr = new FrameReader();
  const a = frame(enc.encode("id 1\n"));
  const b = frame(enc.encode("id 2\n"));
  const both = Uint8Array.from([...a, ...b]);
  fr.push(both.subarray(0, 3));
  strictEqual(fr.next(), undefined);
  fr.push(both.subarray(3, 11));
  strictEqual(dec.decode(fr.next()), "id 1\n");
  strictEqual(fr.next(), undefined);
  fr.push(both.subarray(11));
  strictEqual(dec.decode(fr.next()), "id 2\n");
  const big = new FrameReader();
  const hdr = new Uint8Array(4);
  new DataView(hdr.buffer).setUint32(0, MAX_FRAME + 1, true);
  big.push(hdr);
  throws(() => big.next(), ProtocolError);
});

Deno.test("requestPayload() writes what a plain string rendering of PROTOCOL.md's keys writes", async () => {
  const { buildCases, caseRuns } = await import("../cases/suite.ts");
  const { toHex } = await import("../reference/bytes.ts");
  const { TASK_STATE_FIELDS } = await import("../reference/layout.ts");
  // The keys of PROTOCOL.md, rendered the obvious way: the byte writer must agree.
  const plain = (req: Request, id: number) => {
    const e = req.env;
    let t =
      `op ${req.op}\nid ${id}\nabi ${e.abi}\nmajor ${e.kernel.major}\nminor ${e.kernel.minor}\n` +
      `patch ${e.kernel.patch}\ncounter ${e.counter ?? 0}\nflags ${e.flags ?? 0n}\nfile ${
        e.file ?? "ok"
      }\n`;
    const io = e.io;
    if (io?.chunk !== undefined) t += `io_chunk ${io.chunk}\n`;
    if (io?.eagain !== undefined) t += `io_eagain ${io.eagain}\n`;
    if (io?.errorAfter) {
      t += `io_error_at ${io.errorAfter.bytes}\nio_errno ${io.errorAfter.errno}\n`;
      if (io.errorAfter.count !== undefined) t += `io_error_count ${io.errorAfter.count}\n`;
    }
    if (io?.zeroAfter) {
      t += `io_zero_at ${io.zeroAfter.bytes}\n`;
      if (io.zeroAfter.count !== undefined) t += `io_zero_count ${io.zeroAfter.count}\n`;
    }
    if (req.op === "checkpoint") {
      const u = req.env.uts;
      t += `release ${toHex(u.release)}\nversion ${toHex(u.version)}\nmachine ${
        toHex(u.machine)
      }\ntime ${req.env.time}\npid ${req.env.pid ?? 0}\n`;
      for (const n of TASK_STATE_FIELDS) {
        t += `${n} ${(req.state as unknown as Record<string, bigint>)[n]}\n`;
      }
      t += `comm ${toHex(req.state.comm)}\n`;
    } else {
      t += `profile ${req.profile}\ncrid ${req.env.crid ?? 0}\ncomm ${toHex(req.env.comm)}\n` +
        `image ${toHex(req.image)}\n`;
    }
    // PROTOCOL.md, Sizes: a request past 4 MiB is padded with x-pad to exactly 4 MiB + 64 KiB.
    const limit = 2 ** 22 + 2 ** 16;
    if (t.length > 2 ** 22) t += `x-pad ${"a".repeat(limit - t.length - 7)}\n`;
    return t;
  };
  const runs = caseRuns(buildCases({ cases: 8, fuzz: 300 }));
  let n = 0;
  for (const r of runs) {
    const c = r.case;
    const req: Request = c.op === "checkpoint"
      ? { op: "checkpoint", state: c.state, env: c.env }
      : { op: "restart", image: c.image, env: c.env, profile: r.profile! };
    const id = n++ * 7919;
    strictEqual(new TextDecoder().decode(requestPayload(req, id)), plain(req, id), r.rid);
  }
  ok(n > 5000);
  ok(runs.some((r) => r.case.env.io?.errorAfter?.count !== undefined), "io keys rendered");
});

Deno.test("parseAnswer() agrees with the line parser on valid and mangled answers", () => {
  // A small PRNG, so that the mangling is reproducible.
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const bases: [string, "checkpoint" | "restart"][] = [
    ["id 7\nret 0\nconsumed 424\ncounter 1\ncomm 72657374617274657200000000000000\n", "restart"],
    [
      "id 7\nret -22\ncounter 4294967295\nconsumed 0\ncomm 00112233445566778899AABBCCDDEEFF",
      "restart",
    ],
    ["id 7\nret 1\ncounter 1\nimage 0100d80000000000\n", "checkpoint"],
    ["id 7\nret -2147483648\ncounter 0\nimage \n", "checkpoint"],
  ];
  const alphabet = enc.encode("0123456789abcdefABCDEF- \nidretcounsmgx\r");
  let same = 0, thrown = 0, scanned = 0;
  for (let n = 0; n < 20_000; n++) {
    const [text, op] = bases[rnd(bases.length)]!;
    const b = [...enc.encode(text)];
    for (let k = rnd(3); k > 0; k--) {
      const at = rnd(b.length + 1);
      const what = rnd(3);
      if (what === 0) b.splice(at, 1);
      else if (what === 1) b.splice(at, 0, alphabet[rnd(alphabet.length)]!);
      else b[at] = alphabet[rnd(alphabet.length)]!;
    }
    const payload = Uint8Array.from(b);
    let want: unknown, got: unknown;
    try {
      want = parseAnswerLines(payload, op, 7);
    } catch (e) {
      want = (e as Error).message;
    }
    try {
      got = parseAnswer(payload, op, 7);
    } catch (e) {
      got = (e as Error).message;
    }
    deepStrictEqual(got, want, JSON.stringify(dec.decode(payload)));
    const fast = scanAnswer(payload, op, 7);
    if (fast) {
      scanned++;
      deepStrictEqual(fast, want, JSON.stringify(dec.decode(payload)));
    }
    if (typeof want === "string") thrown++;
    else same++;
  }
  // Both kinds were exercised.
  ok(same > 2000 && thrown > 2000, `${same} answers, ${thrown} errors`);
  ok(scanned > 1000 && scanned < same, `the byte scan took ${scanned} of ${same} answers`);
});

Deno.test("ByteWriter.decimal() writes integers beyond 2^53 exactly, neighbours that round alike included", () => {
  const w = new ByteWriter(8);
  const dec = new TextDecoder();
  const top = (1n << 64n) - 1n;
  // Each pair rounds to the same number: the digits kept for one must not be written for the other.
  const values = [
    top,
    top - 1n,
    1n << 63n,
    (1n << 63n) + 1n,
    1n << 53n,
    (1n << 53n) + 1n,
    (1n << 53n) - 1n,
    -(1n << 53n) - 1n,
    -(1n << 63n),
    -(1n << 63n) - 1n,
    0n,
    -1n,
  ];
  for (let round = 0; round < 2; round++) {
    for (const v of [...values, ...values.reverse()]) {
      w.clear().decimal(v);
      strictEqual(dec.decode(w.view()), v.toString());
    }
  }
  strictEqual(
    dec.decode(new ByteWriter(1).decimal(18446744073709551615n).view()),
    "18446744073709551615",
  );
});

Deno.test("ByteWriter.decimal() writes every u64 as its bigint's own digits (halves, carries, powers of ten)", () => {
  const w = new ByteWriter(8);
  const dec = new TextDecoder();
  const values: bigint[] = [];
  // Powers of ten and their neighbours (a carry across the low four digits, a zero run).
  for (let p = 15n; p <= 19n; p++) values.push(10n ** p - 1n, 10n ** p, 10n ** p + 1n);
  // Halves at their ends, and a low part whose four last digits are 0 and 9999.
  for (const hi of [0x200000n, 0x200001n, 0x7fffffffn, 0x80000000n, 0xffffffffn]) {
    for (const lo of [0n, 1n, 9999n, 10000n, 0x7fffffffn, 0xffffffffn]) {
      values.push((hi << 32n) | lo);
    }
  }
  // And 20,000 values from a 64-bit LCG (Knuth's MMIX constants), none of them near the above.
  let x = 0x0123456789abcdefn;
  for (let i = 0; i < 20_000; i++) {
    x = BigInt.asUintN(64, x * 6364136223846793005n + 1442695040888963407n);
    values.push(x);
  }
  for (const v of values) {
    w.clear().decimal(v);
    strictEqual(dec.decode(w.view()), v.toString());
  }
});

Deno.test("encodeFrames() batches stay intact while later batches are written (length-prefixed requestPayloads)", async () => {
  const { buildCases, caseRuns } = await import("../cases/suite.ts");
  const reqs: Request[] = caseRuns(buildCases({ cases: 40, fuzz: 40 })).map((r) => {
    const c = r.case;
    return c.op === "checkpoint"
      ? { op: "checkpoint", state: c.state, env: c.env }
      : { op: "restart", image: c.image, env: c.env, profile: r.profile! };
  });
  const batches: [number, Uint8Array][] = [];
  // Uneven batch sizes, the odd-length images of the fuzz cases among them.
  for (let from = 0, k = 1; from < reqs.length; from += k, k = (k * 7) % 61 + 1) {
    batches.push([from, encodeFrames(reqs, from, Math.min(reqs.length, from + k))]);
  }
  ok(batches.length > 20);
  for (const [from, bytes] of batches) {
    let at = 0;
    for (let i = from; at < bytes.length; i++) {
      const len = new DataView(bytes.buffer, bytes.byteOffset + at).getUint32(0, true);
      deepStrictEqual(
        bytes.subarray(at + 4, at + 4 + len),
        requestPayload(reqs[i]!, i),
        `request ${i}`,
      );
      at += 4 + len;
    }
    strictEqual(at, bytes.length);
  }
});

Deno.test("parseHello() reads features; absent means none, unknown ones are ignored", () => {
  const h = (extra: string) =>
    parseHello(enc.encode(`protocol 1\nname x\nabis x86_64\nprofiles seed\n${extra}`));
  strictEqual(h("").features, undefined);
  deepStrictEqual(h("features io\n").features, ["io"]);
  deepStrictEqual(h("features teleport io\n").features, ["io"]);
  strictEqual(h("features teleport\n").features, undefined);
});

Deno.test("io keys go on the wire only for a case with a file behaviour (PROTOCOL.md, Features)", () => {
  const base: Request = {
    op: "restart",
    image: Uint8Array.of(1),
    env: defaultRestartEnv("i386"),
    profile: "seed",
  };
  const plain = dec.decode(requestPayload(base, 3));
  ok(!plain.includes("io_"), plain);
  const env = { ...base.env, io: { chunk: 7, eagain: 2, errorAfter: { bytes: 232, errno: 28 } } };
  const withIo = dec.decode(requestPayload({ ...base, env }, 3));
  const lines = withIo.split("\n");
  for (const l of ["io_chunk 7", "io_eagain 2", "io_error_at 232", "io_errno 28"]) {
    ok(lines.includes(l), `${l} in ${withIo}`);
  }
  // Everything else is the plain request's.
  deepStrictEqual(lines.filter((l) => !l.startsWith("io_")).sort(), plain.split("\n").sort());
  const only = dec.decode(requestPayload({ ...base, env: { ...base.env, io: { chunk: 1 } } }, 3));
  deepStrictEqual(only.split("\n").filter((l) => l.startsWith("io_")), ["io_chunk 1"]);
  ok(
    helloAccepts(
      parseHello(enc.encode("protocol 1\nname x\nabis i386\nprofiles seed\nfeatures io\n")),
      env,
    ),
  );
  ok(!helloAccepts(parseHello(enc.encode("protocol 1\nname x\nabis i386\nprofiles seed\n")), env));
  ok(
    helloAccepts(
      parseHello(enc.encode("protocol 1\nname x\nabis i386\nprofiles seed\n")),
      base.env,
    ),
  );
  // io-zero's keys, and each feature a case needs: all of them must be declared.
  const zeroEnv = { ...base.env, io: { chunk: 3, zeroAfter: { bytes: 40, count: 2 } } };
  const zero = dec.decode(requestPayload({ ...base, env: zeroEnv }, 3)).split("\n");
  deepStrictEqual(zero.filter((l) => l.startsWith("io_")), [
    "io_chunk 3",
    "io_zero_at 40",
    "io_zero_count 2",
  ]);
  const hello = (f: string) =>
    parseHello(enc.encode(`protocol 1\nname x\nabis i386\nprofiles seed\nfeatures ${f}\n`));
  ok(!helloAccepts(hello("io"), zeroEnv));
  ok(!helloAccepts(hello("io-zero"), zeroEnv));
  ok(helloAccepts(hello("io-zero io"), zeroEnv));
  ok(helloAccepts(hello("io-zero"), { ...base.env, io: { zeroAfter: { bytes: 0 } } }));
  const noRead = { ...base.env, file: "no-read" as const };
  ok(!helloAccepts(hello("io io-zero"), noRead));
  ok(helloAccepts(hello("no-method"), noRead));
});
