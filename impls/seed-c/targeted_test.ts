/**
 * The targeted fills on a few classes of undefined verdict (x86_64 seed-c):
 * hand-derived contents of never-written memory give seed-c the outcomes the
 * seed's code gives them by hand (and the reference, run with the same
 * contents, agrees); and the exploration from the reference's trace shows
 * each class's undefined value to vary in seed-c's answers.
 *
 * @module
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { checkpoint } from "../../reference/checkpoint.ts";
import { restart, restartShadow } from "../../reference/restart.ts";
import { MAGIC_HEAD } from "../../reference/layout.ts";
import {
  defaultCheckpointEnv,
  defaultRestartEnv,
  defaultTaskState,
} from "../../reference/types.ts";
import { probeSeedC } from "./probe.ts";
import {
  type Assignment,
  explore,
  fillOf,
  plainOutcome,
  runSeedC,
  undefinedValues,
  valueOf,
} from "./targeted.ts";

const { bin, why } = await probeSeedC("x86_64", true);
if (why) console.warn(`ignored: ${why}`);

// The default x86_64 image: HEAD 0..232, TASK 232..392, STRING 392..416, TAIL 416..432.
const env = defaultRestartEnv("x86_64"); // comm before: "restarter"
const image = checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64")).image;
strictEqual(image.length, 432);

const stack = (header: number, hex: string): Assignment[] =>
  hex.match(/../g)!.map((h, i) => ({
    at: { memory: "stack", header, offset: i },
    value: parseInt(h, 16),
  }));
const bytesAt = (memory: "page" | "kmalloc", offset: number, bytes: Uint8Array): Assignment[] =>
  [...bytes].map((value, i) => ({ at: { memory, offset: offset + i }, value }));
const le = (v: bigint, n: number) =>
  Uint8Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

/** A class: an image the reference calls undefined, and contents with their outcome by hand. */
interface Known {
  readonly cls: string;
  readonly image: Uint8Array;
  readonly fills: readonly {
    readonly fill: Assignment[];
    readonly ret: number;
    readonly consumed: number;
    readonly comm: string;
  }[];
}

const restarter = "restarter";
const KNOWN: readonly Known[] = [
  {
    // The file ends after TASK: STRING's header (header read 2) is all stack bytes.
    cls: "STRING.hdr.len (stack)",
    image: image.slice(0, 392),
    fills: [
      // len -1: -EINVAL at once, comm untouched.
      { fill: stack(2, "0200ffff00000000"), ret: -22, consumed: 392, comm: restarter },
      // STRING type 2, len 0, parent 0: comm zeroed and task_comm_len 16 bytes copied from
      // the kmalloc buffer ("AAAA..."); then TAIL's header (read 3) with len -1: -EINVAL.
      {
        fill: [
          ...stack(2, "0200000000000000"),
          ...bytesAt("kmalloc", 0, new Uint8Array(16).fill(0x41)),
          ...stack(3, "8913ffff00000000"),
        ],
        ret: -22,
        consumed: 392,
        comm: "A".repeat(16),
      },
      // A STRING parent 0xfffffffe: returned as the syscall's value (-2), comm untouched.
      { fill: stack(2, "02000000feffffff"), ret: -2, consumed: 392, comm: restarter },
    ],
  },
  {
    // HEAD's payload ends after 4 bytes (file of 12): the rest of magic and every later
    // HEAD field are never-written page bytes of the scratch buffer.
    cls: "HEAD.magic (page)",
    image: image.slice(0, 12),
    fills: [
      // magic's high half wrong: -EINVAL.
      { fill: bytesAt("page", 4, new Uint8Array(4)), ret: -22, consumed: 12, comm: restarter },
      // A whole valid HEAD (magic, rev 1, 2.6.25, flags 1), then TASK's header (read 1) at end
      // of file with type 101, len 0 and parent 0xfffffffe: -2.
      {
        fill: [
          ...bytesAt("page", 4, le(MAGIC_HEAD >> 32n, 4)),
          ...bytesAt("page", 8, Uint8Array.of(2, 0, 6, 0, 25, 0, 1, 0)),
          ...bytesAt("page", 24, le(1n, 8)),
          ...stack(1, "65000000feffffff"),
        ],
        ret: -2,
        consumed: 12,
        comm: restarter,
      },
    ],
  },
  {
    // STRING's payload ends after 4 of its 16 bytes: comm[4..15] are kmalloc bytes; TAIL's
    // header (read 3) is all stack bytes.
    cls: "STRING payload → comm (kmalloc)",
    image: image.slice(0, 404),
    fills: [
      {
        fill: [
          ...bytesAt("kmalloc", 4, new Uint8Array(12).fill(0x5a)),
          ...stack(3, "8913ffff00000000"),
        ],
        ret: -22,
        consumed: 404,
        comm: "init" + "Z".repeat(12),
      },
      {
        fill: [...bytesAt("kmalloc", 4, new Uint8Array(12)), ...stack(3, "8913ffff00000000")],
        ret: -22,
        consumed: 404,
        comm: "init",
      },
    ],
  },
  {
    // TAIL's header ends before parent's high byte (file of 423): its sign is a stack byte.
    cls: "TAIL.hdr.parent (stack)",
    image: image.slice(0, 423),
    fills: [
      // 0x80: parent 0x80000000 is returned as the syscall's value.
      { fill: stack(3, "0000000000000080"), ret: -0x80000000, consumed: 423, comm: "init" },
      // 0x00: parent 0; TAIL's payload (end of file) is TASK's stale first 8 bytes: -EINVAL.
      { fill: stack(3, "0000000000000000"), ret: -22, consumed: 423, comm: "init" },
    ],
  },
];

const commText = (c: Uint8Array) => new TextDecoder().decode(c).replace(/\0+$/, "");

Deno.test("targeted: each known class is undefined in the reference without a fill", () => {
  for (const k of KNOWN) {
    const o = restart(k.image, env, "seed");
    ok(undefinedValues(o).length > 0, k.cls);
  }
});

Deno.test({
  name:
    "targeted: hand-derived contents give seed-c the outcomes derived by hand, as the reference",
  ignore: !bin,
  async fn() {
    const runs = KNOWN.flatMap((k) => k.fills.map((f) => ({ image: k.image, env, fill: f.fill })));
    const got = await runSeedC(bin!, runs);
    let i = 0;
    for (const k of KNOWN) {
      const rets = new Set<number>(), comms = new Set<string>();
      for (const f of k.fills) {
        const a = got[i++]!;
        const want = { ret: f.ret, consumed: f.consumed, comm: f.comm };
        deepStrictEqual({ ret: a.ret, consumed: a.consumed, comm: commText(a.comm) }, want, k.cls);
        const ref = plainOutcome(restartShadow(k.image, env, "seed", undefined, fillOf(f.fill)));
        deepStrictEqual({ ret: ref.ret, consumed: ref.consumed, comm: commText(ref.comm) }, want);
        rets.add(a.ret);
        comms.add(commText(a.comm));
      }
      ok(rets.size > 1 || comms.size > 1, `${k.cls}: shown to vary`);
    }
  },
});

Deno.test({
  name: "targeted: the paths the reference's trace finds agree in seed-c and vary each class",
  ignore: !bin,
  async fn() {
    for (const k of KNOWN) {
      const vals = undefinedValues(restart(k.image, env, "seed"));
      const ex = explore(k.image, env);
      ok(ex.leaves.length >= 2 && !ex.truncated, k.cls);
      const got = await runSeedC(
        bin!,
        ex.leaves.map((l) => ({ image: k.image, env, fill: l.fill })),
      );
      ex.leaves.forEach((l, i) => {
        const ref = plainOutcome(l.outcome);
        for (const name of ["ret", "consumed", ...vals.map((v) => v.name)]) {
          strictEqual(valueOf(got[i]!, name), valueOf(ref, name), `${k.cls} path ${i} ${name}`);
        }
      });
      // The value the class is named for varies: ret for the checks, comm for the kmalloc copy.
      const name = k.cls.includes("kmalloc") ? "comm[4]" : "ret";
      ok(new Set(got.map((a) => valueOf(a, name))).size > 1, `${k.cls}: ${name} varies`);
    }
  },
});

Deno.test("explore: every path keeps each value the reference calls defined without contents (the default suite, both ABIs)", async () => {
  // Defined means: the same whatever never-written memory holds. So each path's outcome (the
  // reference run with the contents that take it) must give every such value. A model that
  // calls a value defined on a guess (a task_comm_len class it never followed) fails here.
  const { iterCases } = await import("../../cases/suite.ts");
  let runs = 0, paths = 0;
  const bad: string[] = [];
  for (const c of iterCases({ fuzz: 0 })) {
    if (c.op !== "restart" || !(c.profiles ?? ["seed"]).includes("seed")) continue;
    const o = restart(c.image, c.env, "seed");
    const open = new Set(undefinedValues(o).map((v) => v.name));
    if (!open.size) continue;
    runs++;
    const names = ["ret", "consumed", ...[...o.comm.keys()].map((i) => `comm[${i}]`)]
      .filter((n) => !open.has(n));
    for (const leaf of explore(c.image, c.env, 32).leaves) {
      paths++;
      const got = plainOutcome(leaf.outcome), want = plainOutcome(o);
      for (const n of names) {
        const g = valueOf(got, n);
        if (!Number.isNaN(g) && g !== valueOf(want, n)) {
          bad.push(`${c.id} ${n}: defined ${valueOf(want, n)}, a path gives ${g}`);
        }
      }
    }
  }
  ok(runs > 1000 && paths > runs, `${runs} runs, ${paths} paths`);
  deepStrictEqual(bad.slice(0, 5), [], `${bad.length} values`);
});
