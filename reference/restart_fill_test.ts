// restartShadow() with what-if contents for never-written bytes (the fills `explain --fill-at` and
// the targeted seed-c fills give), and never-written bytes on a registered big-endian ABI. Each
// expected outcome is worked out by hand from the seed's code (docs: seed-semantics, sys_restart).
import { deepStrictEqual } from "node:assert/strict";
import { registerAbi } from "./abi.ts";
import { restart, restartShadow } from "./restart.ts";
import { ascii, h, KNOWN_X86_64, TOY_64K, TOY_BE } from "./testdata_test_helpers.ts";
import { defaultRestartEnv, type RestartOutcome } from "./types.ts";

const brief = (o: RestartOutcome) => ({
  ret: o.ret.defined ? o.ret.value : `undefined (${o.ret.source})`,
  consumed: o.consumed.defined ? o.consumed.value : `undefined (${o.consumed.source})`,
  check: o.decision.check,
});

// The file ends 4 bytes into HEAD's header: type 1 and len 224 are read, parent is the stack's.
const cut4 = KNOWN_X86_64.slice(0, 4);
const env = defaultRestartEnv("x86_64");

Deno.test("restartShadow(): a parent of 0 from the stack goes on, to HEAD's magic on a never-written page", () => {
  const fill = { stack: [new Map([[4, 0], [5, 0], [6, 0], [7, 0]])] };
  deepStrictEqual(brief(restartShadow(cut4, env, "seed", undefined, fill)), {
    ret: "undefined (page)",
    consumed: 4,
    check: "HEAD.magic",
  });
});

Deno.test("restartShadow(): a parent with only its sign byte known (0x80) is returned, its value the stack's", () => {
  // parent >= 0x80000000 is a negative int: cr_read_obj returns it and restart returns it as is.
  const fill = { stack: [new Map([[7, 0x80]])] };
  deepStrictEqual(brief(restartShadow(cut4, env, "seed", undefined, fill)), {
    ret: "undefined (stack)",
    consumed: 4,
    check: "HEAD.hdr.parent",
  });
});

Deno.test("restart(): on a big-endian ABI, a 1-byte header 00 may still be HEAD's (type 0x00??)", () => {
  using _ = registerAbi(TOY_BE);
  // Type's low byte is the stack's: 1 (HEAD) goes on with len and parent from the stack too.
  const out = restart(Uint8Array.of(0), { ...env, abi: "toy-be" as never }, "seed");
  deepStrictEqual([out.ret.defined, out.consumed], [false, { defined: true, value: 1 }]);
});

Deno.test("restartShadow(): on a big-endian ABI, a task_comm_len whose low byte was never written passes, and the run goes each way", () => {
  using _ = registerAbi(TOY_BE);
  const be = { ...defaultRestartEnv("x86_64"), abi: "toy-be" as never };
  // The file ends 147 bytes into HEAD's payload, with payload bytes 144..146 zero. TASK's header
  // and payload, and STRING's header, are never read from it. The scratch buffer keeps HEAD's
  // bytes, so task_comm_len (TASK payload 144..147, big-endian) is 00 00 00 ??. Every value it
  // allows, 0..255, is in 0..8192, so the check passes whatever byte 147 holds.
  const cut = new Uint8Array(8 + 147);
  cut.set([0, 1, 0, 224, 0, 0, 0, 0]); // HEAD, len 224, parent 0
  cut.set([0x00, 0xfe, 0xed, 0x0c, 0xc0, 0xa2, 0xd2, 0x00], 8); // CHECKPOINT_MAGIC_HEAD
  cut.set([0, 1], 8 + 14); // rev: CR_VERSION
  cut.set([0, 0, 0, 0, 0, 0, 0, 1], 8 + 24); // flags: CR_CTX_CKPT
  cut.set([0, 2, 0, 6, 0, 25], 8 + 8); // major, minor, patch: restart's default kernel, 2.6.25
  const header = (type: number, len: number) =>
    new Map([[0, type >> 8], [1, type & 0xff], [2, len >> 8], [3, len & 0xff], [4, 0], [5, 0], [
      6,
      0,
    ], [7, 0]]);
  // The headers past the end of the file are the stack's, given here: TASK (101, len 152), STRING.
  const fill = (len: number) => ({ stack: [undefined, header(101, 152), header(2, len)] });
  // STRING's len 256 > every task_comm_len 0..255: -EINVAL whatever byte 147 holds; comm untouched.
  const o256 = restartShadow(cut, be, "seed", undefined, fill(256));
  deepStrictEqual(brief(o256).ret, -22);
  deepStrictEqual(o256.commDefined.every((d) => d), true);
  // len 100: -EINVAL where byte 147 < 100, else the run goes on past STRING. The model used to
  // read the unknown byte as 0, and said -EINVAL.
  deepStrictEqual(
    brief(restartShadow(cut, be, "seed", undefined, fill(100))).ret,
    "undefined (page)",
  );
  deepStrictEqual(
    brief(restartShadow(cut, be, "seed", undefined, { ...fill(100), page: new Map([[147, 99]]) }))
      .ret,
    -22,
  );
});

Deno.test("restart(): with 64 KiB pages, a task_comm_len of 0x??????20 goes each way, one of them past 16", () => {
  using _ = registerAbi(TOY_64K);
  const env64 = { ...defaultRestartEnv("x86_64"), abi: "toy-64k" as never };
  // TOY_64K lays records out as x86_64 does (task_comm_len at TASK payload 144). HEAD len 145:
  // magic..flags as in the valid image, payload byte 144 = 0x20, and the scratch buffer from 145
  // on a never-written page. TASK len 0 reads nothing, so task_comm_len is 0x??????20: in 0..65536
  // it is 32 + 256m (256 values, none <= 16). Out of range: -EINVAL after the TASK header
  // (8 + 145 + 8 = 161). In range, min(tcl, 16) = 16 and STRING len 16 <= tcl: comm becomes
  // "ABCDEFGHIJKLMNOP", and the valid TAIL gives 0 at 161 + 24 + 16 = 201. So ret, the position
  // and comm all hang on the page bytes: undefined.
  const hp = new Uint8Array(145);
  hp.set(KNOWN_X86_64.subarray(8, 40));
  hp[144] = 0x20;
  const img = Uint8Array.from([
    ...h("0100 9100 00000000"), // HEAD, len 145
    ...hp,
    ...h("6500 0000 00000000"), // TASK, len 0
    ...h("0200 1000 00000000"), // STRING, len 16
    ...h(ascii("ABCDEFGHIJKLMNOP", 16)),
    ...KNOWN_X86_64.subarray(416, 432), // TAIL
  ]);
  const out = restart(img, env64, "seed");
  deepStrictEqual(brief(out), {
    ret: "undefined (page)",
    consumed: "undefined (page)",
    check: "TASK.task_comm_len",
  });
  deepStrictEqual(out.commDefined, Array(16).fill(false));
  // The page bytes given as 0: task_comm_len is 32, and that way alone restores comm.
  const way32 = restartShadow(img, env64, "seed", undefined, {
    page: new Map([[145, 0], [146, 0], [147, 0]]),
  });
  deepStrictEqual(brief(way32), { ret: 0, consumed: 201, check: "ok" });
  deepStrictEqual(way32.comm, h(ascii("ABCDEFGHIJKLMNOP", 16)));
});

Deno.test("restartShadow(): with 64 KiB pages, a task_comm_len of 0x0000??10 goes the 16 way and a way past 16", () => {
  using _ = registerAbi(TOY_64K);
  const env64 = {
    ...defaultRestartEnv("x86_64"),
    abi: "toy-64k" as never,
    comm: new Uint8Array(16),
  };
  // HEAD len 32 (magic..flags as in the valid image); the scratch buffer from 32 on is a
  // never-written page. TASK len 145 writes payload 0..144, ending with task_comm_len's low byte
  // 0x10; the fill gives page bytes 146, 147 as 0, so task_comm_len is 0x0000??10: 16 + 256k,
  // k = 0..255, all in 0..65536: the check passes whatever byte 145 holds, and the run goes each
  // way. tcl 16: STRING len 20 > 16 is -EINVAL after STRING's header (8+32 + 8+145 + 8 = 201),
  // comm as it was (16 zeros). tcl >= 272: the 20 bytes are read, comm = "init" and 12 zeros,
  // and the TAIL gives 0 at 201 + 20 + 16 = 237. So ret and the position are undefined, and of
  // comm only bytes 4..15 (zero both ways) are defined.
  const img = Uint8Array.from([
    ...h("0100 2000 00000000"), // HEAD, len 32
    ...KNOWN_X86_64.subarray(8, 40),
    ...h("6500 9100 00000000"), // TASK, len 145
    ...KNOWN_X86_64.subarray(240, 385), // TASK payload to task_comm_len's low byte 0x10
    ...h("0200 1400 00000000"), // STRING, len 20
    ...h(ascii("init", 20)),
    ...KNOWN_X86_64.subarray(416, 432), // TAIL
  ]);
  const page = (b145?: number) =>
    new Map(
      [...(b145 === undefined ? [] : [[145, b145]]), [146, 0], [147, 0]] as [number, number][],
    );
  const both = restartShadow(img, env64, "seed", undefined, { page: page() });
  deepStrictEqual(brief(both), {
    ret: "undefined (page)",
    consumed: "undefined (page)",
    check: "TASK.task_comm_len",
  });
  deepStrictEqual(both.commDefined, [...Array(4).fill(false), ...Array(12).fill(true)]);
  deepStrictEqual([...both.comm.subarray(4)], Array(12).fill(0));
  // Each way alone, byte 145 given: 0 is task_comm_len 16, 1 is 272.
  deepStrictEqual(brief(restartShadow(img, env64, "seed", undefined, { page: page(0) })), {
    ret: -22,
    consumed: 201,
    check: "STRING.hdr.len",
  });
  const way272 = restartShadow(img, env64, "seed", undefined, { page: page(1) });
  deepStrictEqual([brief(way272), way272.comm], [
    { ret: 0, consumed: 237, check: "ok" },
    h(ascii("init", 16)),
  ]);
});

Deno.test("restart(): a task_comm_len never written and the file ending before STRING's len: every way past 16 is followed", () => {
  // HEAD len 100 and TASK len 144 write the scratch buffer up to byte 143, so task_comm_len
  // (TASK payload 144..147) was never written: too many values to follow one by one. Then
  // the file ends inside STRING's header, before its len (the stack's).
  const head = h("0100 6400 00000000"), task = h("6500 9000 00000000");
  const image = (tail: string) =>
    Uint8Array.from([
      ...head,
      ...KNOWN_X86_64.subarray(8, 108),
      ...task,
      ...KNOWN_X86_64.subarray(240, 384),
      ...h(tail),
    ]);
  // Type 3: the check fails (-EINVAL at 260), or STRING's len fails (-EINVAL), or its payload
  // reads nothing and the type is not STRING's (-EINVAL): -EINVAL every way, comm never copied
  // ("restarter" stays); the position is 260 or 262.
  const three = restart(image("0300"), env, "seed");
  deepStrictEqual(brief(three).ret, -22);
  deepStrictEqual(brief(three).consumed, "undefined (page)");
  deepStrictEqual(new TextDecoder().decode(three.comm.subarray(0, 9)), "restarter");
  deepStrictEqual(three.commDefined.every((d) => d), true);
  // Type 2 (STRING) with len's low byte 0x64: a task_comm_len of 100 or more lets len 100 pass, the
  // payload reads nothing, and the parent is the stack's: ret is not the same every way.
  deepStrictEqual(brief(restart(image("0200 64"), env, "seed")).ret, "undefined (page)");
});

Deno.test("restart(): comm bytes the ways of a never-written task_comm_len disagree on are undefined with value 0", () => {
  // HEAD len 32 and TASK len 0: task_comm_len was never written. The way where it is out of
  // range keeps "restarter\0..."; a way of 16 or more copies STRING's "ABCDEFGHIJKLMNOP". They
  // differ at all 16 bytes, so every comm byte is undefined, and RestartOutcome.comm holds 0
  // where a byte is undefined.
  const img = Uint8Array.from([
    ...h("0100 2000 00000000"),
    ...KNOWN_X86_64.subarray(8, 40),
    ...h("6500 0000 00000000", "0200 1000 00000000", ascii("ABCDEFGHIJKLMNOP", 16)),
    ...KNOWN_X86_64.subarray(416, 432),
  ]);
  const out = restart(img, env, "seed");
  deepStrictEqual([out.comm, out.commDefined], [new Uint8Array(16), Array(16).fill(false)]);
});

Deno.test("restartShadow(): a task_comm_len of 0x000001?? passes whatever its low byte, and its one class (256) copies STRING", () => {
  // HEAD len 100 and TASK len 144 leave task_comm_len (scratch 144..147) never written; the page
  // fill makes bytes 145..147 01 00 00, so it is 256..511: always in 0..4096, the check passes.
  // 256 values are too many to follow, and none is up to 16, so the one class is 256 (>= 17 and
  // >= STRING's len 16). STRING len 16 fits, its 16 bytes go to comm, and TAIL ends the run:
  // ret 0 at 260 + 24 + 16 = 300.
  const img = Uint8Array.from([
    ...h("0100 6400 00000000"),
    ...KNOWN_X86_64.subarray(8, 108),
    ...h("6500 9000 00000000"),
    ...KNOWN_X86_64.subarray(240, 384),
    ...h("0200 1000 00000000", ascii("ABCDEFGHIJKLMNOP", 16)),
    ...KNOWN_X86_64.subarray(416, 432),
  ]);
  const out = restartShadow(img, env, "seed", undefined, {
    page: new Map([[145, 1], [146, 0], [147, 0]]),
  });
  deepStrictEqual([brief(out), out.comm, out.commDefined.every((d) => d)], [
    { ret: 0, consumed: 300, check: "TASK.task_comm_len" },
    h(ascii("ABCDEFGHIJKLMNOP", 16)),
    true,
  ]);
});

Deno.test("restartShadow(): a what-if fill for STRING header bytes the file holds changes nothing (nextLen reads the file)", () => {
  // HEAD len 32, TASK len 0: task_comm_len (scratch 144..147) is never-written page memory, so all
  // 4097 values 0..4096 pass and tclClasses picks the ways from STRING's len, which the file holds:
  // 20. Ways 0..17 fail `len 20 > t` (-22 at 56); the way 20 reads the 20 bytes and TAIL: ret 0 at
  // 56 + 20 + 16 = 92. They disagree, so ret is the page's. A fill giving STRING's header (stack[2])
  // len bytes 0 must be ignored: the file's bytes win, and the way 20 is still followed (were len 0
  // taken, the ways would be 0..17 only, every one -22).
  const img = Uint8Array.from([
    ...h("0100 2000 00000000"),
    ...KNOWN_X86_64.subarray(8, 40),
    ...h("6500 0000 00000000"),
    ...h("0200 1400 00000000", ascii("ABCDEFGHIJKLMNOPQRST", 20)),
    ...KNOWN_X86_64.subarray(416, 432),
  ]);
  const fill = { stack: [undefined, undefined, new Map([[2, 0], [3, 0]])] };
  const want = {
    ret: "undefined (page)",
    consumed: "undefined (page)",
    check: "TASK.task_comm_len",
  };
  deepStrictEqual(brief(restart(img, env, "seed")), want);
  deepStrictEqual(brief(restartShadow(img, env, "seed", undefined, fill)), want);
});
