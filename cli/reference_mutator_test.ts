// The reference mutator on small hand-read sources: which mutants, where, and ids that do not
// move when an unrelated line is added.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { applyMutant, mutantsOf } from "./reference_mutator.ts";

const SRC = [
  "export function f(a: number, b: number): boolean {",
  "  if (a < 2) return a === b;",
  "  g(a, b);",
  "  return !(a & b);",
  "}",
  "",
].join("\n");

Deno.test("mutator: every operator of a small function, types untouched", async () => {
  const ms = await mutantsOf("reference/x.ts", SRC);
  deepStrictEqual(
    ms.map((m) => [m.line, m.op, applyMutant(SRC, m).split("\n")[m.line - 1]!.trim()]),
    [
      [2, "del-early", ";"],
      [2, "negate", "if (!(a < 2)) return a === b;"],
      [2, "rel:<:<=", "if (a <= 2) return a === b;"],
      [2, "num:+1", "if (a < 3) return a === b;"],
      [2, "num:-1", "if (a < 1) return a === b;"],
      [2, "eq:===:!==", "if (a < 2) return a !== b;"],
      [3, "del-stmt", ";"],
      [3, "swap-args", "g(b, a);"],
      [4, "not:drop", "return (a & b);"],
      [4, "bit:&:|", "return !(a | b);"],
    ],
  );
});

Deno.test("mutator: ids are file, line text, operator and occurrence; unrelated edits keep them", async () => {
  const before = (await mutantsOf("reference/x.ts", SRC)).map((m) => m.id);
  const edited = SRC.replace("{\n", "{\n  const unrelated = 7;\n");
  const after = (await mutantsOf("reference/x.ts", edited)).map((m) => m.id);
  deepStrictEqual(after.filter((id) => before.includes(id)), before);
  strictEqual(before.length, new Set(before).size);
  strictEqual(before[0]!.startsWith("x.ts#"), true);
});

Deno.test("mutator: messages, string concatenation, hex and bigint literals", async () => {
  const src = [
    'const s = "n" + k;',
    "throw new RangeError(`bad ${k + 1}`);",
    "const h = 0xff;",
    "const big = 0x10n;",
    "",
  ].join("\n");
  const ms = await mutantsOf("reference/y.ts", src);
  deepStrictEqual(
    ms.map((m) => `${m.line} ${m.op} ${m.replacement}`),
    ["3 num:+1 0x100", "3 num:-1 0xfe", "4 num:+1 0x11n", "4 num:-1 0xfn"],
  );
});

Deno.test("mutator: the named functions around each change, as V8's coverage names them", async () => {
  const src = [
    "export class K {",
    "  get small(): number {",
    "    return 1;",
    "  }",
    "  run(x: number): number {",
    "    const f = (s: number) => s + 1;",
    "    return [x].map((v) => f(v) * 2)[0]!;",
    "  }",
    "}",
    "function top(a: number): number {",
    "  return a - 1;",
    "}",
    "const t = 3;",
    "",
  ].join("\n");
  const ms = await mutantsOf("reference/z.ts", src);
  const at = (line: number, op: string) =>
    ms.find((m) => m.line === line && m.op === op)!.fns!.map((f) => `${f.name}@${f.line}`);
  deepStrictEqual(at(3, "num:+1"), ["get small@2"]);
  deepStrictEqual(at(6, "arith:+:-"), ["f@6", "run@5"]);
  deepStrictEqual(at(7, "arith:*:/"), ["run@5"]); // the arrow passed to map has no name
  deepStrictEqual(at(11, "arith:-:+"), ["top@10"]);
  deepStrictEqual(at(13, "num:+1"), []);
});
