/**
 * restart() per check, per profile, with exact return values and bytes
 * consumed, and per-byte definedness. One cohesive thing: the check list's
 * known answers, one test per check.
 *
 * @module
 */
// One test per restart check, both ABIs, both profiles. Images are the
// hand-written known answers patched at hand-computed offsets; expected
// returns and positions are worked out by hand from the seed's code.
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { restart, restartShadow } from "./restart.ts";
import { restartConcrete } from "./restart_concrete.ts";
import { ascii, h, KNOWN_I386, KNOWN_X86_64 } from "./testdata_test_helpers.ts";
import type { Profile, RestartEnv, RestartOutcome } from "./types.ts";

const RESTARTER = h(ascii("restarter", 16));
const INIT = h(ascii("init", 16));
const renv = (abi: "x86_64" | "i386"): RestartEnv => ({
  abi,
  kernel: { major: 2, minor: 6, patch: 25 },
  comm: RESTARTER,
  counter: 0,
});

/** File offsets of the records, by hand: STRING header, TAIL header, end, task_comm_len. */
const OFF = {
  x86_64: {
    S: 392,
    T: 416,
    END: 432,
    TCL: 384,
    TASK_LEN: "9800",
    TASK_LEN_PLUS1: "9900",
    TASK_SHORT: "9000",
  },
  i386: {
    S: 384,
    T: 408,
    END: 424,
    TCL: 380,
    TASK_LEN: "9000",
    TASK_LEN_PLUS1: "9100",
    TASK_SHORT: "8800",
  },
};
type Off = typeof OFF.x86_64;

function patch(img: Uint8Array, at: number, hex: string): Uint8Array {
  const out = img.slice();
  out.set(h(hex), at);
  return out;
}

type Want = { ret: number | "undefined"; consumed: number | "undefined"; comm?: Uint8Array };
interface Case {
  name: string;
  image: (img: Uint8Array, o: Off) => Uint8Array;
  seed: (o: Off) => Want;
  hardened: (o: Off) => Want;
}
const same = (w: (o: Off) => Want) => ({ seed: w, hardened: w });

const CASES: Case[] = [
  {
    name: "a valid image restores comm",
    image: (i) => i,
    ...same((o) => ({ ret: 0, consumed: o.END, comm: INIT })),
  },
  {
    name: "HEAD.hdr.type 2",
    image: (i) => patch(i, 0, "0200"),
    ...same(() => ({ ret: -22, consumed: 232 })),
  },
  {
    name: "HEAD.hdr.len -1",
    image: (i) => patch(i, 2, "ffff"),
    ...same(() => ({ ret: -22, consumed: 8 })),
  },
  {
    name: "HEAD.hdr.len 225",
    image: (i) => patch(i, 2, "e100"),
    ...same(() => ({ ret: -22, consumed: 8 })),
  },
  {
    name: "HEAD.hdr.len 223 (short by one)",
    image: (i) => patch(i, 2, "df00"),
    // The TASK header is then read one byte early: type 0x6500, len 0x9800 < 0.
    seed: () => ({ ret: -22, consumed: 239 }),
    hardened: () => ({ ret: -22, consumed: 8 }),
  },
  {
    name: "HEAD.hdr.parent 1",
    image: (i) => patch(i, 4, "01000000"),
    ...same(() => ({ ret: -22, consumed: 232 })),
  },
  {
    name: "HEAD.hdr.parent 0xfffffffe is returned as -2",
    image: (i) => patch(i, 4, "feffffff"),
    seed: () => ({ ret: -2, consumed: 232 }),
    hardened: () => ({ ret: -22, consumed: 232 }),
  },
  {
    name: "HEAD.magic",
    image: (i) => patch(i, 8, "01"),
    ...same(() => ({ ret: -22, consumed: 232 })),
  },
  {
    name: "HEAD.major",
    image: (i) => patch(i, 16, "0300"),
    ...same(() => ({ ret: -22, consumed: 232 })),
  },
  {
    name: "HEAD.minor",
    image: (i) => patch(i, 18, "0700"),
    ...same(() => ({ ret: -22, consumed: 232 })),
  },
  {
    name: "HEAD.patch",
    image: (i) => patch(i, 20, "1a00"),
    ...same(() => ({ ret: -22, consumed: 232 })),
  },
  {
    name: "HEAD.rev",
    image: (i) => patch(i, 22, "0200"),
    ...same(() => ({ ret: -22, consumed: 232 })),
  },
  {
    name: "HEAD.flags 2",
    image: (i) => patch(i, 32, "02"),
    ...same(() => ({ ret: -22, consumed: 232 })),
  },
  {
    name: "HEAD.flags high bit",
    image: (i) => patch(i, 39, "80"),
    ...same(() => ({ ret: -22, consumed: 232 })),
  },
  {
    name: "HEAD.flags 0 is accepted",
    image: (i) => patch(i, 32, "00"),
    ...same((o) => ({ ret: 0, consumed: o.END, comm: INIT })),
  },
  {
    name: "TASK.hdr.type 102",
    image: (i) => patch(i, 232, "6600"),
    ...same((o) => ({ ret: -22, consumed: o.S })),
  },
  {
    name: "TASK.hdr.len -1",
    image: (i) => patch(i, 234, "ffff"),
    ...same(() => ({ ret: -22, consumed: 240 })),
  },
  {
    name: "TASK.hdr.len one over the struct",
    image: (i, o) => patch(i, 234, o.TASK_LEN_PLUS1),
    ...same(() => ({ ret: -22, consumed: 240 })),
  },
  {
    name: "TASK.hdr.len 8 short: the STRING header is read from the TASK tail",
    image: (i, o) => patch(i, 234, o.TASK_SHORT),
    seed: (o) => ({ ret: -22, consumed: o.S }),
    hardened: () => ({ ret: -22, consumed: 240 }),
  },
  {
    name: "TASK.hdr.parent 1",
    image: (i) => patch(i, 236, "01"),
    ...same((o) => ({ ret: -22, consumed: o.S })),
  },
  {
    name: "TASK.hdr.parent 0x80000000 is returned as INT_MIN",
    image: (i) => patch(i, 236, "00000080"),
    seed: (o) => ({ ret: -2147483648, consumed: o.S }),
    hardened: (o) => ({ ret: -22, consumed: o.S }),
  },
  {
    name: "TASK.task_comm_len -1",
    image: (i, o) => patch(i, o.TCL, "ffffffff"),
    ...same((o) => ({ ret: -22, consumed: o.S })),
  },
  {
    name: "TASK.task_comm_len 4097",
    image: (i, o) => patch(i, o.TCL, "01100000"),
    ...same((o) => ({ ret: -22, consumed: o.S })),
  },
  {
    name: "TASK.task_comm_len 4096",
    image: (i, o) => patch(i, o.TCL, "00100000"),
    seed: (o) => ({ ret: 0, consumed: o.END, comm: INIT }),
    hardened: (o) => ({ ret: -22, consumed: o.S + 8 }),
  },
  {
    name: "TASK.task_comm_len 0",
    image: (i, o) => patch(i, o.TCL, "00000000"),
    seed: (o) => ({ ret: -22, consumed: o.S + 8 }),
    hardened: (o) => ({ ret: -22, consumed: o.S }),
  },
  {
    name: "TASK.task_comm_len 20",
    image: (i, o) => patch(i, o.TCL, "14000000"),
    seed: (o) => ({ ret: 0, consumed: o.END, comm: INIT }),
    hardened: (o) => ({ ret: -22, consumed: o.S + 8 }),
  },
  {
    name: "STRING.hdr.len 17",
    image: (i, o) => patch(i, o.S + 2, "1100"),
    ...same((o) => ({ ret: -22, consumed: o.S + 8 })),
  },
  {
    name: "STRING.hdr.type 3",
    image: (i, o) => patch(i, o.S, "0300"),
    ...same((o) => ({ ret: -22, consumed: o.T })),
  },
  {
    name: "STRING.hdr.parent 5 leaves comm and succeeds",
    image: (i, o) => patch(i, o.S + 4, "05"),
    seed: (o) => ({ ret: 0, consumed: o.END, comm: RESTARTER }),
    hardened: (o) => ({ ret: -22, consumed: o.T }),
  },
  {
    name: "STRING.hdr.parent 0xfffffff0 is returned as -16",
    image: (i, o) => patch(i, o.S + 4, "f0ffffff"),
    seed: (o) => ({ ret: -16, consumed: o.T, comm: RESTARTER }),
    hardened: (o) => ({ ret: -22, consumed: o.T }),
  },
  {
    name: "STRING.hdr.len 8: the TAIL header is read from comm's zeros",
    image: (i, o) => patch(i, o.S + 2, "0800"),
    seed: (o) => ({ ret: -22, consumed: o.T }),
    hardened: (o) => ({ ret: -22, consumed: o.S + 8 }),
  },
  {
    name: "TAIL.hdr.type",
    image: (i, o) => patch(i, o.T, "8a13"),
    ...same((o) => ({ ret: -22, consumed: o.END })),
  },
  {
    name: "TAIL.hdr.len 9",
    image: (i, o) => patch(i, o.T + 2, "0900"),
    ...same((o) => ({ ret: -22, consumed: o.T + 8 })),
  },
  {
    name: "TAIL.hdr.parent 1",
    image: (i, o) => patch(i, o.T + 4, "01"),
    ...same((o) => ({ ret: -22, consumed: o.END })),
  },
  {
    name: "TAIL.magic",
    image: (i, o) => patch(i, o.T + 8, "01"),
    ...same((o) => ({ ret: -22, consumed: o.END })),
  },
  {
    name: "bytes after TAIL are not read",
    image: (i) => Uint8Array.from([...i, 0xde, 0xad, 0xbe, 0xef]),
    ...same((o) => ({ ret: 0, consumed: o.END, comm: INIT })),
  },
  {
    name: "an image missing its last byte is accepted: the stale byte from TASK.state matches",
    image: (i) => i.slice(0, -1),
    seed: (o) => ({ ret: 0, consumed: o.END - 1, comm: INIT }),
    hardened: (o) => ({ ret: -32, consumed: o.END - 1 }),
  },
  {
    name: "an empty file",
    image: () => new Uint8Array(0),
    seed: () => ({ ret: "undefined", consumed: 0 }),
    hardened: () => ({ ret: -32, consumed: 0 }),
  },
  {
    // Flags failing: -EINVAL at 24. Passing: the next header is HEAD's time bytes (not a TASK
    // header): -EINVAL further on. So ret is -22 either way; only the position differs.
    name: "HEAD.hdr.len 16: flags come from a never-written page",
    image: (i) => patch(i, 2, "1000"),
    seed: () => ({ ret: -22, consumed: "undefined" }),
    hardened: () => ({ ret: -22, consumed: 8 }),
  },
  {
    name: "end of file inside the TASK payload",
    image: (i) => i.slice(0, 300),
    seed: () => ({ ret: "undefined", consumed: 300 }),
    hardened: () => ({ ret: -32, consumed: 300 }),
  },
  {
    // len is 0x??00, its high byte a never-written stack byte: 0x100 and up, or negative, is
    // -EINVAL at once; 0 reads nothing (end of file) and then type 5 != HEAD is -EINVAL.
    name: "a header cut after 3 bytes, of type 5 and len 0x??00: -EINVAL whichever way",
    image: (i) => patch(i, 0, "050000").slice(0, 3),
    seed: () => ({ ret: -22, consumed: 3, comm: RESTARTER }),
    hardened: () => ({ ret: -32, consumed: 3 }),
  },
  {
    // len is 0x??08 (stack byte high): 8 reads nothing (end of file), then type 3 != TAIL;
    // anything else is too long or negative. -EINVAL either way.
    name: "a TAIL header cut after 3 bytes, of type 3: -EINVAL whichever way its len goes",
    image: (i, o) => patch(i, o.T, "030008").slice(0, o.T + 3),
    seed: (o) => ({ ret: -22, consumed: o.T + 3, comm: INIT }),
    hardened: (o) => ({ ret: -32, consumed: o.T + 3 }),
  },
  {
    // The seed zeroes comm and copies min(0, 16) = 0 name bytes: all 16 are defined zeros; the
    // TAIL header then comes from the stack (end of file), so ret is not defined.
    name: "task_comm_len 0, a STRING of len 0, then end of file: comm is zeroed, all of it",
    image: (i, o) => patch(patch(i, o.TCL, "00000000"), o.S + 2, "0000").slice(0, o.S + 8),
    seed: (o) => ({ ret: "undefined", consumed: o.S + 8, comm: new Uint8Array(16) }),
    hardened: (o) => ({ ret: -22, consumed: o.S, comm: RESTARTER }),
  },
  {
    // HEAD's header ends after parent's low byte 5: parent is 0x??????05, never 0, its sign in
    // never-written stack bytes. Negative, it is returned; positive, it is -EINVAL: the run stops
    // at HEAD whichever, so ret is undefined but comm (written only by STRING) is the
    // environment's on every path, defined. Hardened: a cut header is -EPIPE.
    name: "a HEAD header cut after parent's low byte 5: comm stays the environment's",
    image: (i) => patch(i, 4, "05").slice(0, 5),
    seed: () => ({ ret: "undefined", consumed: 5, comm: RESTARTER }),
    hardened: () => ({ ret: -32, consumed: 5, comm: RESTARTER }),
  },
  {
    // The TAIL header ends after its type and len: its parent is never-written stack bytes, so
    // ret is undefined; but STRING has already copied "init" into comm, and nothing after it
    // writes comm, so every comm byte is defined whatever the parent holds.
    name: "end of file after TAIL's type and len: comm stays as STRING copied it",
    image: (i, o) => i.slice(0, o.T + 4),
    seed: (o) => ({ ret: "undefined", consumed: o.T + 4, comm: INIT }),
    hardened: (o) => ({ ret: -32, consumed: o.T + 4, comm: INIT }),
  },
];

function check(out: RestartOutcome, want: Want): void {
  const got = {
    ret: out.ret.defined ? out.ret.value : "undefined",
    consumed: out.consumed.defined ? out.consumed.value : "undefined",
  };
  deepStrictEqual(got, { ret: want.ret, consumed: want.consumed });
  if (want.comm) {
    deepStrictEqual(out.commDefined, Array(16).fill(true));
    deepStrictEqual(out.comm, want.comm);
  }
  strictEqual(out.counter, 1);
}

for (const abi of ["x86_64", "i386"] as const) {
  const base = abi === "x86_64" ? KNOWN_X86_64 : KNOWN_I386;
  for (const profile of ["seed", "hardened"] as Profile[]) {
    for (const c of CASES) {
      Deno.test(`restart() ${abi} ${profile}: ${c.name}`, () => {
        const o = OFF[abi];
        check(restart(c.image(base, o), renv(abi), profile), c[profile](o));
      });
      // The shadow path alone gives the same known answers: restart() answers most of these on
      // its concrete path, so the shadow path's own checks (H-LEN, H-EOF, H-PARENT, the parent
      // discipline) would otherwise go unchecked on them.
      Deno.test(`restartShadow() ${abi} ${profile}: ${c.name}`, () => {
        const o = OFF[abi];
        check(restartShadow(c.image(base, o), renv(abi), profile), c[profile](o));
      });
    }
  }
}

Deno.test("restart() checks syscall flags and the fd before counting a context", () => {
  for (const profile of ["seed", "hardened"] as const) {
    const f = restart(KNOWN_X86_64, { ...renv("x86_64"), flags: 4n, counter: 5 }, profile);
    deepStrictEqual([f.ret, f.consumed, f.counter, f.comm], [
      { defined: true, value: -22 },
      { defined: true, value: 0 },
      5,
      RESTARTER,
    ]);
    const b = restart(KNOWN_X86_64, { ...renv("x86_64"), file: "bad-fd", counter: 5 }, profile);
    deepStrictEqual([b.ret.defined && b.ret.value, b.counter], [-9, 5]);
    strictEqual(restart(KNOWN_X86_64, { ...renv("x86_64"), counter: 5 }, profile).counter, 6);
  }
});

Deno.test("restart() rejects a HEAD of another kernel version", () => {
  const out = restart(KNOWN_X86_64, {
    ...renv("x86_64"),
    kernel: { major: 6, minor: 1, patch: 25 },
  });
  deepStrictEqual([out.ret, out.decision.check], [{ defined: true, value: -22 }, "HEAD.major"]);
});

Deno.test("restart() of an x86_64 image on i386 fails at TASK.hdr.len", () => {
  const out = restart(KNOWN_X86_64, renv("i386"), "seed");
  deepStrictEqual([out.ret, out.consumed, out.decision.check], [
    { defined: true, value: -22 },
    { defined: true, value: 240 },
    "TASK.hdr.len",
  ]);
});

Deno.test("restart() names the deciding record, check and field offset", () => {
  const out = restart(patch(KNOWN_I386, 20, "1a00"), renv("i386"));
  strictEqual(out.decision.record, "HEAD");
  strictEqual(out.decision.check, "HEAD.patch");
  strictEqual(out.decision.offset, 20);
  strictEqual(out.decision.field?.name, "patch");
});

Deno.test("definedness: a short STRING leaves comm's tail from kmalloc memory, undefined", () => {
  const out = restart(patch(KNOWN_X86_64, 394, "0800"), renv("x86_64"), "seed");
  deepStrictEqual(out.commDefined, [...Array(8).fill(true), ...Array(8).fill(false)]);
  deepStrictEqual(out.comm.subarray(0, 8), h("696e697400000000"));
  deepStrictEqual(out.commSource.slice(7, 9), [undefined, "kmalloc"]);
});

Deno.test("definedness: a short TASK takes task_comm_len from the HEAD bytes, defined", () => {
  // TASK len 144 on x86_64: task_comm_len @144 is HEAD's version[48..52), here "0x73727170".
  const version = Array.from({ length: 64 }, (_, i) => (0x40 + i).toString(16)).join("");
  const img = patch(patch(KNOWN_X86_64, 8 + 96, version), 234, "9000");
  const out = restart(img, renv("x86_64"), "seed");
  deepStrictEqual([out.ret, out.consumed, out.decision.check], [
    { defined: true, value: -22 },
    { defined: true, value: 384 },
    "TASK.task_comm_len",
  ]);
});

Deno.test("definedness: a truncated header makes the checks that read it undefined, not the position", () => {
  // The TASK header stops after its type byte 0x65: len's bytes come from the stack.
  const out = restart(KNOWN_X86_64.slice(0, 233), renv("x86_64"), "seed");
  strictEqual(out.ret.defined, false);
  strictEqual(!out.ret.defined && out.ret.source, "stack");
  deepStrictEqual(out.consumed, { defined: true, value: 233 });
  // comm: "restarter" before; a STRING copy would zero it and copy task_comm_len bytes, and
  // task_comm_len is what the scratch buffer holds at TASK offset 144 once the (empty, end of
  // file) payload read is done: HEAD's stale version[48..52), zero. So bytes 0..8 are
  // "restarter" or zero (undefined), bytes 9..15 zero on every path (defined).
  deepStrictEqual(out.commDefined, [...Array(9).fill(false), ...Array(7).fill(true)]);
  deepStrictEqual([...out.comm.subarray(9)], Array(7).fill(0));
  strictEqual(out.decision.check, "TASK.hdr.len");
  // With type and len whole, the parent is what is missing.
  strictEqual(
    restart(KNOWN_X86_64.slice(0, 236), renv("x86_64"), "seed").decision.check,
    "TASK.hdr.parent",
  );
});

Deno.test("definedness: a run stuck before STRING keeps defined only the comm bytes zero on every path", () => {
  // The TASK header stops after type and len (236 bytes): parent is the stack's, so the run is
  // stuck at TASK.hdr.parent. Parent 0 goes on with task_comm_len = the scratch buffer's stale
  // HEAD bytes (version[48..52) on x86_64, [44..48) on i386: zero), and a STRING from the stack
  // may be copied (comm zeroed, 0 bytes copied): 16 zeros. Parent not 0, or a STRING header the
  // seed rejects (type 0 from a zero stack: -EINVAL at STRING.hdr.type), leaves comm as it was.
  for (const [abi, known] of [["x86_64", KNOWN_X86_64], ["i386", KNOWN_I386]] as const) {
    const cut = known.slice(0, 236);
    // comm 01 x 16 before: each byte is 0x01 on one path and 0 on another, so none is defined.
    const ones = { ...renv(abi), comm: new Uint8Array(16).fill(1) };
    const o1 = restart(cut, ones, "seed");
    deepStrictEqual([o1.decision.check, o1.commDefined], [
      "TASK.hdr.parent",
      Array(16).fill(false),
    ], abi);
    // A zero stack is one such path that keeps 01 x 16 (so "defined 0" would be wrong there).
    const zero = (n: number) => new Map(Array.from({ length: n }, (_, i) => [8 - n + i, 0]));
    const z = restartShadow(cut, ones, "seed", undefined, { stack: [undefined, zero(4), zero(8)] });
    deepStrictEqual([z.ret, z.decision.check, z.comm], [
      { defined: true, value: -22 },
      "STRING.hdr.type",
      new Uint8Array(16).fill(1),
    ], abi);
    // comm all zeros before: zero on every path, so all 16 bytes are defined zeros.
    const o0 = restart(cut, { ...renv(abi), comm: new Uint8Array(16) }, "seed");
    deepStrictEqual([o0.commDefined, o0.comm], [Array(16).fill(true), new Uint8Array(16)], abi);
  }
});

Deno.test("restart() hardened forces comm's byte 15 to NUL (H-NUL) on both paths; the seed does not", () => {
  // STRING's 16 name bytes all 'A' (0x41), no NUL: the seed copies all 16; the hardened profile
  // then zeroes byte 15 (H-NUL), so comm is 15 x 'A' and a NUL. restartShadow() too: restart()
  // answers this on its concrete path, which forces the NUL on its own.
  for (const abi of ["x86_64", "i386"] as const) {
    const o = OFF[abi];
    const img = patch(abi === "x86_64" ? KNOWN_X86_64 : KNOWN_I386, o.S + 8, "41".repeat(16));
    const nul = Uint8Array.from([...Array(15).fill(0x41), 0]);
    for (const run of [restart, restartShadow]) {
      const hard = run(img, renv(abi), "hardened");
      deepStrictEqual([hard.ret, hard.consumed, hard.comm, hard.commDefined], [
        { defined: true, value: 0 },
        { defined: true, value: o.END },
        nul,
        Array(16).fill(true),
      ], `${abi} ${run.name} hardened`);
      deepStrictEqual(run(img, renv(abi), "seed").comm, new Uint8Array(16).fill(0x41));
    }
  }
});

Deno.test("definedness: known bits decide a check although other bytes of the field are undefined", () => {
  // HEAD len 28: flags' low half is read (24..28), its high half is page memory.
  const short = patch(KNOWN_X86_64, 2, "1c00");
  const set = restart(patch(short, 32, "02"), renv("x86_64"), "seed"); // bit 1 set: -EINVAL whatever the rest
  deepStrictEqual([set.ret, set.consumed, set.decision.check], [
    { defined: true, value: -22 },
    { defined: true, value: 36 },
    "HEAD.flags",
  ]);
  // Low half 1: the way hangs on the page bytes. Failing: -EINVAL at 36; passing: the next
  // header is HEAD's bytes 28..36 (flags' high half, release[0..4]): -EINVAL further on. So
  // ret is -22 either way, and the position is what the page bytes decide.
  const clear = restart(short, renv("x86_64"), "seed");
  deepStrictEqual([clear.ret, clear.consumed.defined, clear.decision.check], [
    { defined: true, value: -22 },
    false,
    "HEAD.flags",
  ]);
  strictEqual(!clear.consumed.defined && clear.consumed.source, "page");
});

// HEAD len 8: only the magic is read into the scratch buffer; rev, major, minor, patch and flags
// are never-written page memory. The seed checks `magic != CKPT_MAGIC_HEAD || rev != ... ||
// ...` left to right, so a magic that is written and wrong is -EINVAL whatever the unwritten
// fields hold: ret and the position (8 header + 8 payload = 16) are defined, and comm is the
// restarting task's own, untouched.
Deno.test("definedness: a written wrong magic decides HEAD although the fields after it were never read", () => {
  const img = Uint8Array.of(
    ...h("0100 0800 00000000"), // HEAD header: type 1, len 8, parent 0
    ...h("01d2a2c00cedfe00"), // magic 0x00feed0cc0a2d200 (little-endian) with bit 0 set
    ...KNOWN_X86_64.subarray(232), // TASK, STRING, TAIL as in the plain image
  );
  const out = restart(img, renv("x86_64"), "seed");
  deepStrictEqual([out.ret, out.consumed, out.decision.check], [
    { defined: true, value: -22 },
    { defined: true, value: 16 },
    "HEAD.magic",
  ]);
  deepStrictEqual([out.comm, out.commDefined], [RESTARTER, Array(16).fill(true)]);
});

Deno.test("restart() rejects a bad environment or profile, never the image", () => {
  throws(
    () => restart(KNOWN_X86_64, { ...renv("x86_64"), comm: new Uint8Array(3) }),
    /env\.comm: expected 16 raw bytes/,
  );
  throws(
    () => restart(KNOWN_X86_64, renv("x86_64"), "lax" as Profile),
    /profile: expected seed or hardened/,
  );
  throws(
    () => restart("abc" as unknown as Uint8Array, renv("x86_64")),
    /image: expected a Uint8Array/,
  );
});

Deno.test("restart() without a counter counts from 0: 1 after any read, 0 when refused before one", () => {
  const { counter: _, ...env } = renv("x86_64");
  for (const profile of ["seed", "hardened"] as const) {
    const counters = [
      restart(KNOWN_X86_64, env, profile), // a valid image
      restart(KNOWN_X86_64.slice(0, 300), env, profile), // end of file inside TASK
      restart(KNOWN_X86_64, { ...env, file: "write-only" }, profile), // refused at the first read
      restart(KNOWN_X86_64, { ...env, flags: 1n }, profile), // refused before counting
      restart(KNOWN_X86_64, { ...env, file: "bad-fd" }, profile), // fget fails: not counted
    ].map((o) => o.counter);
    deepStrictEqual(counters, [1, 1, 1, 0, 0], profile);
  }
});

Deno.test("restart() seed: a task_comm_len read in part is -EINVAL when every value it can be is", () => {
  // HEAD len 100: the scratch buffer's bytes from 100 on are a never-written page. TASK is cut
  // one byte before the end of task_comm_len, whose written bytes are 01 10 00: it is 0x??001001,
  // 4097 and up or negative, so -EINVAL at TASK.task_comm_len whatever the page byte holds.
  for (const [abi, known] of [["x86_64", KNOWN_X86_64], ["i386", KNOWN_I386]] as const) {
    const o = OFF[abi];
    const tcl = o.TCL - 240; // task_comm_len's offset in TASK's payload
    const img = Uint8Array.from([
      ...known.subarray(0, 2),
      ...h("6400"), // HEAD len 100
      ...known.subarray(4, 108),
      ...known.subarray(232, 234),
      ...[tcl + 3, 0], // TASK len
      ...known.subarray(236, 240 + tcl),
      ...h("011000"),
      ...known.subarray(o.S),
    ]);
    const out = restart(img, renv(abi), "seed");
    deepStrictEqual(
      [out.ret, out.consumed, out.decision.check],
      [
        { defined: true, value: -22 },
        { defined: true, value: 108 + 8 + tcl + 3 },
        "TASK.task_comm_len",
      ],
      abi,
    );
  }
});

/**
 * HEAD len 32 (its checked fields read, the scratch buffer never written from byte 32 on) and
 * TASK len 0, then `rest`: task_comm_len is a never-written page's, anything.
 */
function unwrittenTcl(known: Uint8Array, ...rest: Uint8Array[]): Uint8Array {
  return Uint8Array.from([
    ...h("0100 2000 00000000"), // HEAD, len 32
    ...known.subarray(8, 40),
    ...h("6500 0000 00000000"), // TASK, len 0
    ...rest.flatMap((r) => [...r]),
  ]);
}

Deno.test("restart() seed: a task_comm_len never written, with a STRING too long for any value, is -EINVAL whichever way", () => {
  // HEAD len 32: its checked fields (magic..patch at 0..16, flags at 24..32) are read, and the
  // scratch buffer's bytes from 32 on are a never-written page. TASK len 0 reads nothing, so
  // task_comm_len (TASK payload 144 on x86_64, 140 on i386) is that page's: anything. Out of
  // 0..4096 it is -EINVAL at once, after the TASK header (48). In 0..4096 the STRING header's
  // len 5000 is more than task_comm_len can be: -EINVAL after the STRING header (56). So ret is
  // -EINVAL whichever way, the position is not known, and comm is never copied: "restarter".
  for (const [abi, known] of [["x86_64", KNOWN_X86_64], ["i386", KNOWN_I386]] as const) {
    const img = unwrittenTcl(known, h("0200 8813 00000000")); // STRING, len 5000
    const out = restart(img, renv(abi), "seed");
    deepStrictEqual(
      [out.ret, out.consumed.defined, out.decision.check],
      [{ defined: true, value: -22 }, false, "TASK.task_comm_len"],
      abi,
    );
    strictEqual(!out.consumed.defined && out.consumed.source, "page", abi);
    deepStrictEqual([out.comm, out.commDefined], [RESTARTER, Array(16).fill(true)], abi);
  }
});

Deno.test("restart() seed: a task_comm_len of 5 + 0x10000 x (never-written half), then a STRING header cut in its len, is -EINVAL whichever way", () => {
  // HEAD len 32: the scratch buffer's bytes from 32 on are a never-written page. TASK's len is
  // task_comm_len's offset + 2, so only its low half 05 00 is written: task_comm_len is
  // 5 + 0x10000 x k. In 0..4096 only 5 passes: one way to follow, besides the failing one
  // (-EINVAL after the TASK payload). With 5, the STRING header is cut after 3 bytes (type 2,
  // len's low byte 0xc8): len is 0x??c8, never in 0..5, so -EINVAL after those 3 bytes. ret is
  // -EINVAL either way, the position is not known, and comm is never copied: "restarter".
  for (const [abi, known] of [["x86_64", KNOWN_X86_64], ["i386", KNOWN_I386]] as const) {
    const tcl = OFF[abi].TCL - 240; // task_comm_len's offset in TASK's payload
    const img = Uint8Array.from([
      ...h("0100 2000 00000000"), // HEAD, len 32
      ...known.subarray(8, 40),
      ...h("6500"),
      ...[tcl + 2, 0], // TASK len: up to task_comm_len's low half
      ...h("00000000"),
      ...known.subarray(240, 240 + tcl),
      ...h("0500"), // task_comm_len's low half: 5
      ...h("0200 c8"), // STRING header cut after len's low byte
    ]);
    for (const run of [restart, restartShadow]) {
      const out = run(img, renv(abi), "seed");
      deepStrictEqual(
        [out.ret, out.consumed.defined, out.decision.check],
        [{ defined: true, value: -22 }, false, "TASK.task_comm_len"],
        `${abi} ${run.name}`,
      );
      deepStrictEqual([out.comm, out.commDefined], [RESTARTER, Array(16).fill(true)], abi);
    }
  }
});

Deno.test("definedness: a task_comm_len never written, then a STRING of len 0: no comm byte is alike on every way", () => {
  // HEAD len 32 and TASK len 0: task_comm_len is a never-written page's, anything. Out of
  // 0..4096: -EINVAL after the TASK header, comm "restarter". In it, the STRING (len 0, parent
  // 0, fits any value) zeroes comm and copies min(task_comm_len, 16) never-written kmalloc
  // bytes, then the TAIL is whole: ret 0. So ret and the position are not known; bytes 0..8 are
  // "restarter" on one way and 0 on another, and bytes 9..15, zero on the failing way, are
  // kmalloc's on the task_comm_len 16 way: none is the same on every way, none is defined.
  for (const [abi, known] of [["x86_64", KNOWN_X86_64], ["i386", KNOWN_I386]] as const) {
    const img = unwrittenTcl(
      known,
      h("0200 0000 00000000"), // STRING, len 0, parent 0
      known.subarray(OFF[abi].T, OFF[abi].END), // TAIL
    );
    const out = restart(img, renv(abi), "seed");
    deepStrictEqual(
      [out.ret.defined, out.consumed.defined, out.decision.check],
      [false, false, "TASK.task_comm_len"],
      abi,
    );
    deepStrictEqual(out.commDefined, Array(16).fill(false), abi);
  }
});

Deno.test("restartConcrete() answers a well-formed image, and leaves refused arguments to the shadow path", () => {
  // Every byte a check reads in the hand-written images is in the file: the concrete path
  // answers, with the known answer (ret 0, the whole image consumed, comm "init").
  for (const [abi, known] of [["x86_64", KNOWN_X86_64], ["i386", KNOWN_I386]] as const) {
    for (const profile of ["seed", "hardened"] as const) {
      const out = restartConcrete(known, renv(abi), profile);
      deepStrictEqual(
        out && [out.ret, out.consumed, out.comm, out.commDefined],
        [
          { defined: true, value: 0 },
          { defined: true, value: OFF[abi].END },
          INIT,
          Array(16).fill(true),
        ],
        `${abi} ${profile}`,
      );
    }
  }
  // Flags or a file refused before any read: not its runs (documented), so undefined.
  strictEqual(restartConcrete(KNOWN_X86_64, { ...renv("x86_64"), flags: 1n }, "seed"), undefined);
  strictEqual(
    restartConcrete(KNOWN_X86_64, { ...renv("x86_64"), file: "write-only" }, "seed"),
    undefined,
  );
});
