// The mutator against hand-written C: what is a token, which mutants each operator makes, the
// exact text each mutant becomes, and what is never touched.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { apply, mutate, tokenize } from "./mechanical.ts";

const SRC = `#include <a.h>
#define N (1 << 4)  /* a < b */
// x == y
static int t[16] = { 3 };
int f(int *p, unsigned long n)
{
\tchar s[2][8];
\tif (n < 2 && p[1] == 0x10)
\t\treturn "a<b"[0] - 'c';
\tn += sizeof(*p);
\tg(n & 3, -n);
fail:
\twhile (n)
\t\tn--;
\treturn (int)n;
}
`;

const changes = (src: string) =>
  mutate("t.c", src).map((m) => `${m.line}:${m.col}:${m.op}: ${m.change}`);

Deno.test("mechanical: comments, strings, characters and preprocessor lines are not tokens", () => {
  const toks = tokenize(SRC).map((t) => t.text);
  strictEqual(toks.includes("#"), false);
  strictEqual(toks.includes("include"), false);
  strictEqual(toks.includes("x"), false);
  deepStrictEqual(toks.filter((t) => /^["']/.test(t)), ['"a<b"', "'c'"]);
  const t = tokenize(SRC).find((x) => x.text === "<");
  deepStrictEqual([t?.line, t?.col], [8, 8]);
});

Deno.test("mechanical: every operator's mutants of a hand-written function, in order", () => {
  deepStrictEqual(changes(SRC), [
    "4:22:constant: 3 → 4",
    "4:22:constant: 3 → 2",
    "5:15:sign: unsigned → signed",
    "8:2:negate: if (c) → if (!(c))",
    "8:8:boundary: < → <=",
    "8:8:relational: < → >",
    "8:8:relational: < → >=",
    "8:10:constant: 2 → 3",
    "8:10:constant: 2 → 1",
    "8:12:logical: && → ||",
    "8:17:constant: 1 → 2",
    "8:17:constant: 1 → 0",
    "8:20:equality: == → !=",
    "8:23:constant: 0x10 → 0x11",
    "8:23:constant: 0x10 → 0xf",
    "9:16:constant: 0 → 1",
    "9:19:arith: - → +",
    "10:2:delete: n += sizeof(*p); → ;",
    "10:4:arith: += → -=",
    "10:7:sizeof: sizeof(* p) → sizeof(p)",
    "10:7:sizeof: sizeof(* p) → sizeof(long)",
    "11:2:delete: g(n & 3, -n); → ;",
    "11:6:bitwise: & → |",
    "11:8:constant: 3 → 4",
    "11:8:constant: 3 → 2",
    "13:2:negate: while (c) → while (!(c))",
    "14:3:delete: n--; → ;",
    "14:4:arith: -- → ++",
    "15:10:sign: int → unsigned int",
  ]);
});

Deno.test("mechanical: ids are file:line:col:operator:index and the text keeps its lines", () => {
  const ms = mutate("t.c", SRC);
  const neg = ms.find((m) => m.id === "t.c:8:2:negate:0")!;
  strictEqual(apply(SRC, neg).split("\n")[7], "\tif (!(n < 2 && p[1] == 0x10))");
  const rel = ms.filter((m) => m.id.startsWith("t.c:8:8:relational:")).map((m) => m.id);
  deepStrictEqual(rel, ["t.c:8:8:relational:0", "t.c:8:8:relational:1"]);
  const del = `int f(void)\n{\n\tg(1,\n\t  2);\n\treturn 0;\n}\n`;
  const d = mutate("d.c", del).find((m) => m.op === "delete")!;
  strictEqual(apply(del, d), `int f(void)\n{\n\t;\n\n\treturn 0;\n}\n`);
});

Deno.test("mechanical: no mutant of an array size, a skipped macro's argument or a declaration", () => {
  const src = `void f(void)\n{\n\tu8 b[4];\n\tint x = MUT(7) ? 1 : 0;\n\tx = b[2];\n}\n`;
  deepStrictEqual(mutate("s.c", src, { skipCalls: ["MUT"] }).map((m) => m.change), [
    "u8 → s8",
    "1 → 2",
    "1 → 0",
    "0 → 1",
    "x = b[2]; → ;",
    "2 → 3",
    "2 → 1",
  ]);
});

Deno.test("mechanical: a ternary's colon is not a label; unparenthesised sizeof", () => {
  const src = `int f(int a)\n{\n\ta = a ? b : c;\n\treturn sizeof a;\n}\n`;
  deepStrictEqual(mutate("q.c", src).map((m) => m.change), [
    "a = a ? b : c; → ;",
    "sizeof(a) → sizeof(*a)",
    "sizeof(a) → sizeof(long)",
  ]);
  const ms = mutate("q.c", src).filter((m) => m.op === "sizeof");
  strictEqual(apply(src, ms[0]!).split("\n")[3], "\treturn sizeof *a;");
  strictEqual(apply(src, ms[1]!).split("\n")[3], "\treturn sizeof (long);");
});
