import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { registerAbi } from "../reference/abi.ts";
import { checkpoint, TASK_DEAD } from "../reference/checkpoint.ts";
import { InputError } from "../reference/errors.ts";
import { restart } from "../reference/restart.ts";
import { defaultRestartEnv } from "../reference/types.ts";
import { validateRestartEnv } from "../reference/validate.ts";
import { byteStrings, byteSwap, dictionary, meanings, pairwise, valueForms } from "./dictionary.ts";
import { catalogBase } from "./suite.ts";
import { dictCheckpointCases, dictRestartCases } from "./meaning.ts";
import { groupRestartCases } from "./groups.ts";
import { throws } from "node:assert/strict";

Deno.test("dictionary: the model's constants, hand-checked, at each width, sign-extended and swapped", () => {
  const d16 = dictionary("x86_64", 16, true);
  for (const v of [1n, 2n, 101n, 5001n, 224n, 152n, 144n, 16n, 8n, 4096n, 0xffean]) {
    ok(d16.includes(v), `core u16 has 0x${v.toString(16)}`);
  }
  const d64 = dictionary("i386", 64);
  // -EINVAL as an int sign-extended into a u64, and zero-extended; TASK_DEAD; both magics.
  for (
    const v of [
      0xffffffffffffffean,
      0xffffffean,
      64n,
      0x00feed0cc0a2d200n,
      0x002d2a0cc0deef00n,
      0xc0a2d200n, // the HEAD magic cut to 32 bits
      0x00d2a2c00cedfe00n, // the HEAD magic byte-swapped
      0xfffffe00n, // -ERESTARTSYS
      0xfffff001n, // -MAX_ERRNO
      999999999n,
      0x1000n,
    ]
  ) ok(d64.includes(v), `u64 has 0x${v.toString(16)}`);
  ok(dictionary("i386", 16).includes(0x0010n), "PAGE_SIZE byte-swapped at 16 bits");
  ok(dictionary("x86_64", 8).every((v) => v <= 0xffn));
  strictEqual(byteSwap(0x1234n, 16), 0x3412n);
  strictEqual(byteSwap(0x00feed0cc0a2d200n, 64), 0x00d2a2c00cedfe00n);
  ok(meanings("x86_64").some((m) => m.name === "TASK_DEAD" && m.value === TASK_DEAD));
  // Every registered ABI's TASK size is offered to every ABI.
  ok(dictionary("x86_64", 16, true).includes(144n) && dictionary("i386", 16, true).includes(152n));
});

Deno.test("byteStrings: empty, full without NUL, control and high bytes, every ABI's machine", () => {
  const s = new Map(byteStrings(16));
  deepStrictEqual([...s.get("empty")!], new Array(16).fill(0));
  ok(!s.get("full-no-nul")!.includes(0));
  ok([...s.get("control")!].every((b) => b >= 1 && b < 0x20));
  ok([...s.get("high")!].every((b) => b >= 0x80));
  strictEqual(new TextDecoder().decode(s.get("machine-i386")!.subarray(0, 4)), "i686");
});

Deno.test("pairwise: every pair of values of every two factors appears, in p² rows", () => {
  for (const sizes of [[3, 3, 3], [11, 6, 6, 6, 11, 11], [13, 9, 13], [2, 5]]) {
    const rows = pairwise(sizes);
    for (let i = 0; i < sizes.length; i++) {
      for (let j = i + 1; j < sizes.length; j++) {
        const seen = new Set(rows.map((r) => `${r[i]},${r[j]}`));
        strictEqual(seen.size, sizes[i]! * sizes[j]!, `factors ${i},${j} of ${sizes}`);
      }
    }
  }
  strictEqual(pairwise([3, 3, 3]).length, 9);
  strictEqual(pairwise([13, 9, 13]).length, 169);
});

Deno.test("dict family: a restart image carries TASK_DEAD; checkpoint sees it; every id unique", () => {
  for (const abi of ["x86_64", "i386"]) {
    const b = catalogBase(abi);
    const r = dictRestartCases(b);
    const dead = r.find((c) => c.id === `restart/${abi}/dict/TASK.state=0x40`)!;
    ok(dead, "a dead task's state in an image restart reads");
    // The seed restores such a task (restart never reads the state): the reference accepts.
    strictEqual(restart(dead.image, dead.env, "seed").ret.defined, true);
    const c = dictCheckpointCases(b).find((c) => c.id === `checkpoint/${abi}/dict/state=0x40`)!;
    strictEqual(checkpoint(c.state, c.env).ret, -11);
    const ids = [...r, ...dictCheckpointCases(b), ...groupRestartCases(b)].map((c) => c.id);
    strictEqual(new Set(ids).size, ids.length);
  }
});

Deno.test("domains: flags of 2^32 or more are out of an i386 kernel's domain, never sent", () => {
  throws(
    () => validateRestartEnv({ ...defaultRestartEnv("i386"), flags: 1n << 32n }),
    (e) => e instanceof InputError && e.field === "env.flags",
  );
  validateRestartEnv({ ...defaultRestartEnv("x86_64"), flags: 1n << 32n });
  for (const c of dictRestartCases(catalogBase("i386"))) ok((c.env.flags ?? 0n) <= 0xffffffffn);
});

Deno.test("group family: header fields to every record's type and size, pairwise; neighbours swapped", () => {
  const abi = "x86_64";
  const cases = groupRestartCases(catalogBase(abi));
  const heads = cases.filter((c) => c.id.startsWith(`restart/${abi}/group/TASK.hdr/`));
  const tags = heads.map((c) => c.id.split("/").at(-1)!.split("-"));
  // Every (len, parent) pair appears: TASK's len set to HEAD's size with parent := STRING's type.
  ok(tags.some(([, len, parent]) => len === "0xe0" && parent === "0x2"));
  // Every (type, parent) pair: type TAIL, parent -ERESTARTSYS (as a u32).
  ok(tags.some(([type, , parent]) => type === "0x1389" && parent === "0xfffffe00"));
  strictEqual(heads.length, 169);
  const swapped = cases.find((c) => c.id === `restart/${abi}/group/neighbours/HEAD-TASK-swapped`)!;
  // The TASK header (type 101, len 152) now opens the file: the seed refuses it at HEAD's len.
  deepStrictEqual([...swapped.image.subarray(0, 4)], [101, 0, 152, 0]);
  strictEqual(restart(swapped.image, swapped.env, "seed").decision.check, "HEAD.hdr.type");
});

Deno.test("valueForms: a value cut, sign-extended, byte-swapped and with its halves exchanged", () => {
  deepStrictEqual(valueForms(1n, 16), [0x100n]);
  deepStrictEqual(
    valueForms(0x00feed0cc0a2d200n, 64).map((v) => v.toString(16)),
    [
      "0",
      "d200",
      "ffffffffffffd200",
      "d2",
      "c0a2d200",
      "ffffffffc0a2d200",
      "d2a2c0",
      "d2a2c00cedfe00",
      "c0a2d20000feed0c",
    ],
  );
});

// The dictionary offers every registered ABI's sizes to every ABI, so an ABI registered after
// meanings() was first asked brings its own: a toy ABI with an 8192-byte page adds
// "toy-gen PAGE_SIZE" = 8192 to x86_64's meanings while it is registered, and takes it away when
// disposed (x86_64 and i386 both have 4096).
Deno.test("meanings: an ABI registered after a first call brings its page size; disposed, it is gone", () => {
  const toy = (m: { name: string; value: bigint }) =>
    m.name === "toy-gen PAGE_SIZE" && m.value === 8192n;
  ok(!meanings("x86_64").some(toy), "no toy ABI yet");
  {
    using _ = registerAbi({
      name: "toy-gen",
      endian: "little",
      u64Align: 8,
      longBytes: 4,
      pageSize: 8192,
      machine: "toy",
    });
    ok(meanings("x86_64").some(toy), "the registered ABI's PAGE_SIZE is offered");
  }
  ok(!meanings("x86_64").some(toy), "gone once disposed");
});
