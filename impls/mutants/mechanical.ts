/**
 * A small mutator over the C token stream: the standard single-point
 * operators of mutation testing, applied to one C file at a time, for the
 * mechanical yardstick (`deno task mutants:mechanical`, docs/MUTANTS-MECHANICAL.md).
 *
 * Comments, string and character literals and preprocessor lines (with their
 * continuations) are never touched. Every mutant is one textual edit (two
 * for a negated condition) that keeps the line structure, so `__LINE__` and
 * every other mutant's position stay where they were. Ids are deterministic:
 * `file:line:col:operator:index`, where `index` tells apart the replacements
 * made at one position. One cohesive thing: the tokenizer and the operators
 * that read its token stream (the long part is the tables of C's tokens and
 * types).
 *
 * Operators:
 * - `boundary`: `<`↔`<=`, `>`↔`>=`;
 * - `relational`: a comparison turned round (`<`↔`>`, `<=`↔`>=`) or negated (`<`→`>=`, ...);
 * - `equality`: `==`↔`!=`;
 * - `logical`: `&&`↔`||`;
 * - `negate`: `if (c)`/`while (c)` → `if (!(c))`;
 * - `arith`: binary `+`↔`-`, `+=`↔`-=`, `++`↔`--`;
 * - `bitwise`: binary `&`↔`|`, `&=`↔`|=`, `<<`↔`>>`, `<<=`↔`>>=`;
 * - `constant`: an integer literal N → N+1 and (N > 0) N−1, written in the literal's own base
 *   and suffix; not an array size in a declaration (a buffer made one byte shorter is out-of-bounds
 *   memory, not a logic slip), not the argument of a `skipCalls` macro (`MUT(n)` in impls/c);
 * - `delete`: an expression statement that assigns or calls, inside a function, replaced by `;`
 *   (never a `return`, a declaration or a control statement);
 * - `sign`: `unsigned`↔`signed`, `uN`↔`sN`, `uintN_t`↔`intN_t`, `size_t`↔`ssize_t`, and a cast to
 *   a plain `int`/`long`/`short`/`char` made unsigned;
 * - `sizeof`: `sizeof(*E)`→`sizeof(E)`, `sizeof(E)`→`sizeof(*E)`, and any `sizeof` → `sizeof(long)`.
 *
 * @module
 */

/** A C token (comments, literals' insides and preprocessor lines are not tokens). */
export interface Token {
  /** `id` (identifier or keyword), `num`, `str`, `chr` or `punct`. */
  readonly kind: "id" | "num" | "str" | "chr" | "punct";
  /** The token's text. */
  readonly text: string;
  /** Offset of its first character. */
  readonly start: number;
  /** Offset after its last character. */
  readonly end: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
}

/** One textual change: `text` replaces `[start, end)`. */
export interface Edit {
  /** Offset of the first character replaced. */
  readonly start: number;
  /** Offset after the last character replaced. */
  readonly end: number;
  /** The replacement. */
  readonly text: string;
}

/** The operators, in report order. */
export const OPERATORS = [
  "boundary",
  "relational",
  "equality",
  "logical",
  "negate",
  "arith",
  "bitwise",
  "constant",
  "delete",
  "sign",
  "sizeof",
] as const;

/** An operator's name. */
export type Operator = typeof OPERATORS[number];

/** One mutant of one file. */
export interface Mutant {
  /** `file:line:col:operator:index`. */
  readonly id: string;
  /** The file, as given (repository-relative). */
  readonly file: string;
  /** 1-based line and column of the mutated token. */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
  /** The operator. */
  readonly op: Operator;
  /** What changes, e.g. `<= → <`. */
  readonly change: string;
  /** The edits, non-overlapping, in any order. */
  readonly edits: readonly Edit[];
}

const PUNCTS = [
  "<<=",
  ">>=",
  "...",
  "->",
  "++",
  "--",
  "<<",
  ">>",
  "<=",
  ">=",
  "==",
  "!=",
  "&&",
  "||",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "##",
];

/**
 * The tokens of C source `src`: comments, preprocessor lines (a `#` first
 * on its line, with backslash continuations) skipped.
 */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0, line = 1, lineStart = 0, atLineStart = true;
  const push = (kind: Token["kind"], end: number) => {
    out.push({ kind, text: src.slice(i, end), start: i, end, line, col: i - lineStart + 1 });
    i = end;
    atLineStart = false;
  };
  const newlinesIn = (a: number, b: number) => {
    for (let k = a; k < b; k++) {
      if (src[k] === "\n") [line, lineStart] = [line + 1, k + 1];
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === "\n") {
      [line, lineStart, atLineStart] = [line + 1, i + 1, true];
      i++;
    } else if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") i++;
    else if (src.startsWith("/*", i)) {
      const e = src.indexOf("*/", i + 2);
      const end = e < 0 ? src.length : e + 2;
      newlinesIn(i, end);
      i = end;
    } else if (src.startsWith("//", i)) {
      const e = src.indexOf("\n", i);
      i = e < 0 ? src.length : e;
    } else if (c === "#" && atLineStart) {
      let e = i;
      while (e < src.length && src[e] !== "\n") {
        if (src.startsWith("/*", e)) {
          const ce = src.indexOf("*/", e + 2);
          e = ce < 0 ? src.length : ce + 2;
        } else if (src[e] === "\\" && src[e + 1] === "\n") e += 2;
        else e++;
      }
      newlinesIn(i, e);
      i = e;
    } else if (c === '"' || c === "'") {
      let e = i + 1;
      while (e < src.length && src[e] !== c && src[e] !== "\n") e += src[e] === "\\" ? 2 : 1;
      push(c === '"' ? "str" : "chr", Math.min(e + 1, src.length));
    } else if (/[A-Za-z_]/.test(c)) {
      push("id", i + /^[A-Za-z_0-9]*/.exec(src.slice(i))![0].length);
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1] ?? ""))) {
      push(
        "num",
        i + /^[0-9A-Za-z_.]*(?:[eEpP][+-][0-9]+[A-Za-z]*)?/.exec(src.slice(i))![0].length,
      );
    } else {
      const p = PUNCTS.find((x) => src.startsWith(x, i));
      push("punct", i + (p?.length ?? 1));
    }
  }
  return out;
}

const TYPE_WORDS = new Set([
  "void",
  "char",
  "short",
  "int",
  "long",
  "float",
  "double",
  "signed",
  "unsigned",
  "_Bool",
  "struct",
  "union",
  "enum",
  "const",
  "volatile",
  "static",
  "extern",
  "register",
  "typedef",
  "inline",
  "auto",
]);
const KEYWORDS = new Set([
  ...TYPE_WORDS,
  "if",
  "else",
  "while",
  "for",
  "do",
  "switch",
  "case",
  "default",
  "break",
  "continue",
  "return",
  "goto",
  "sizeof",
]);
const PLAIN_INTS = new Set(["int", "long", "short", "char"]);
const SIGN_SWAP: Readonly<Record<string, string>> = (() => {
  const m: Record<string, string> = { unsigned: "signed", signed: "unsigned" };
  for (const n of [8, 16, 32, 64]) {
    [m[`u${n}`], m[`s${n}`]] = [`s${n}`, `u${n}`];
    [m[`uint${n}_t`], m[`int${n}_t`]] = [`int${n}_t`, `uint${n}_t`];
  }
  [m["size_t"], m["ssize_t"]] = ["ssize_t", "size_t"];
  return m;
})();

/** The index of the token that closes the bracket at `open`, or -1. */
function closing(toks: readonly Token[], open: number): number {
  const o = toks[open]!.text, c = o === "(" ? ")" : o === "[" ? "]" : "}";
  let depth = 0;
  for (let k = open; k < toks.length; k++) {
    if (toks[k]!.text === o) depth++;
    else if (toks[k]!.text === c && --depth === 0) return k;
  }
  return -1;
}

/** True when the token before `k` ends an operand (so the operator at `k` is binary). */
function afterOperand(toks: readonly Token[], k: number): boolean {
  const p = toks[k - 1];
  if (!p) return false;
  if (p.kind === "num" || p.kind === "str" || p.kind === "chr") return true;
  if (p.kind === "id") return !KEYWORDS.has(p.text);
  return p.text === ")" || p.text === "]";
}

/** An integer literal's value ±1 in the literal's own base and suffix, or undefined. */
function shifted(text: string, by: 1 | -1): string | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(text);
  if (!m) return undefined;
  const [, digits, suffix] = m;
  const hex = /^0[xX]/.test(digits!), oct = !hex && digits!.length > 1 && digits![0] === "0";
  const v = BigInt(oct ? `0o${digits!.slice(1)}` : digits!) + BigInt(by);
  if (v < 0n) return undefined;
  const body = hex
    ? `${digits!.slice(0, 2)}${v.toString(16)}`
    : oct && v > 0n
    ? `0${v.toString(8)}`
    : v.toString();
  return body + suffix;
}

/** Options of {@link mutate}. */
export interface MutateOptions {
  /** Macros whose arguments are never mutated (`MUT` in impls/c: `MUT(n)` is a selector). */
  readonly skipCalls?: readonly string[];
}

/** Every mutant of one C file, in source order then operator order. */
export function mutate(file: string, src: string, opts: MutateOptions = {}): Mutant[] {
  const toks = tokenize(src);
  const out: Mutant[] = [];
  const perPos = new Map<string, number>();
  const add = (t: Token, op: Operator, change: string, edits: Edit[]) => {
    const key = `${t.line}:${t.col}:${op}`;
    const n = perPos.get(key) ?? 0;
    perPos.set(key, n + 1);
    out.push({ id: `${file}:${key}:${n}`, file, line: t.line, col: t.col, op, change, edits });
  };
  const swap = (t: Token, op: Operator, to: string) =>
    add(t, op, `${t.text} → ${to}`, [{ start: t.start, end: t.end, text: to }]);

  // Tokens never mutated: the arguments of skipped macros.
  const skip = new Set<number>();
  for (let k = 0; k + 1 < toks.length; k++) {
    if (opts.skipCalls?.includes(toks[k]!.text) && toks[k + 1]!.text === "(") {
      const e = closing(toks, k + 1);
      for (let j = k + 2; j < e; j++) skip.add(j);
    }
  }
  const declSizes = arraySizesInDeclarations(toks);
  const deletable = deletableStatements(toks);

  for (let k = 0; k < toks.length; k++) {
    if (skip.has(k)) continue;
    const t = toks[k]!, x = t.text;
    const binary = afterOperand(toks, k);
    if (t.kind === "punct") {
      const rel: Record<string, [string, string, string]> = {
        // boundary, turned round, negated
        "<": ["<=", ">", ">="],
        "<=": ["<", ">=", ">"],
        ">": [">=", "<", "<="],
        ">=": [">", "<=", "<"],
      };
      if (rel[x]) {
        const [b, r, n] = rel[x]!;
        swap(t, "boundary", b);
        swap(t, "relational", r);
        swap(t, "relational", n);
      } else if (x === "==" || x === "!=") swap(t, "equality", x === "==" ? "!=" : "==");
      else if (x === "&&" || x === "||") swap(t, "logical", x === "&&" ? "||" : "&&");
      else if ((x === "+" || x === "-") && binary) swap(t, "arith", x === "+" ? "-" : "+");
      else if (x === "+=" || x === "-=") swap(t, "arith", x === "+=" ? "-=" : "+=");
      else if (x === "++" || x === "--") swap(t, "arith", x === "++" ? "--" : "++");
      else if ((x === "&" || x === "|") && binary) swap(t, "bitwise", x === "&" ? "|" : "&");
      else if (x === "&=" || x === "|=") swap(t, "bitwise", x === "&=" ? "|=" : "&=");
      else if (x === "<<" || x === ">>") swap(t, "bitwise", x === "<<" ? ">>" : "<<");
      else if (x === "<<=" || x === ">>=") swap(t, "bitwise", x === "<<=" ? ">>=" : "<<=");
    } else if (t.kind === "num" && !declSizes.has(k)) {
      for (const by of [1, -1] as const) {
        const v = shifted(x, by);
        if (v !== undefined) swap(t, "constant", v);
      }
    } else if (t.kind === "id") {
      if ((x === "if" || x === "while") && toks[k + 1]?.text === "(") {
        const open = toks[k + 1]!, e = closing(toks, k + 1);
        if (e > 0) {
          const close = toks[e]!;
          add(t, "negate", `${x} (c) → ${x} (!(c))`, [
            { start: open.end, end: open.end, text: "!(" },
            { start: close.start, end: close.start, text: ")" },
          ]);
        }
      }
      if (SIGN_SWAP[x]) swap(t, "sign", SIGN_SWAP[x]!);
      else if (
        PLAIN_INTS.has(x) && toks[k - 1]?.text === "(" &&
        !["signed", "unsigned"].includes(toks[k - 1]?.text ?? "")
      ) {
        // A cast to a plain integer type: `(long)x` → `(unsigned long)x`.
        let e = k;
        while (PLAIN_INTS.has(toks[e + 1]?.text ?? "")) e++;
        if (toks[e + 1]?.text === ")") swap(t, "sign", `unsigned ${x}`);
      }
      if (x === "sizeof") sizeofMutants(toks, k, t, add);
    }
    const del = deletable.get(k);
    if (del !== undefined) {
      const last = toks[del]!;
      const gone = src.slice(t.start, last.end);
      add(t, "delete", `${gone.replace(/\s+/g, " ").slice(0, 60)} → ;`, [
        { start: t.start, end: last.end, text: ";" + "\n".repeat(gone.split("\n").length - 1) },
      ]);
    }
  }
  return out;
}

function sizeofMutants(
  toks: readonly Token[],
  k: number,
  t: Token,
  add: (t: Token, op: Operator, change: string, edits: Edit[]) => void,
): void {
  const first = k + 1;
  let last: number;
  const paren = toks[first]?.text === "(";
  if (paren) {
    last = closing(toks, first);
    if (last < 0) return;
  } else {
    // An unparenthesised operand: an identifier with its postfix chain.
    if (toks[first]?.kind !== "id") return;
    last = first;
    for (;;) {
      const n = toks[last + 1]?.text;
      if (n === "[") last = closing(toks, last + 1);
      else if ((n === "." || n === "->") && toks[last + 2]?.kind === "id") last += 2;
      else break;
      if (last < 0) return;
    }
  }
  const a = toks[first]!, z = toks[last]!;
  const text = toks.slice(paren ? first + 1 : first, paren ? last : last + 1).map((x) => x.text)
    .join(" ");
  if (paren && toks[first + 1]?.text === "*") {
    add(t, "sizeof", `sizeof(${text}) → sizeof(${text.slice(1).trim()})`, [
      { start: toks[first + 1]!.start, end: toks[first + 1]!.end, text: "" },
    ]);
  } else if (!TYPE_WORDS.has(toks[paren ? first + 1 : first]?.text ?? "")) {
    const inner = paren ? toks[first + 1]! : a;
    add(t, "sizeof", `sizeof(${text}) → sizeof(*${text})`, [
      { start: inner.start, end: inner.start, text: "*" },
    ]);
  }
  if (text !== "long") {
    add(t, "sizeof", `sizeof(${text}) → sizeof(long)`, [
      { start: a.start, end: z.end, text: "(long)" },
    ]);
  }
}

/** Token indices of integer literals that are array sizes in declarations (`char b[16]`). */
function arraySizesInDeclarations(toks: readonly Token[]): Set<number> {
  const out = new Set<number>();
  for (let k = 2; k + 1 < toks.length; k++) {
    if (toks[k - 1]!.text !== "[" || toks[k + 1]!.text !== "]" || toks[k]!.kind !== "num") continue;
    // Walk back over earlier dimensions to the declarator's name, then look at what precedes it.
    let j = k - 2;
    while (toks[j]?.text === "]") {
      let depth = 0;
      for (; j >= 0; j--) {
        if (toks[j]!.text === "]") depth++;
        else if (toks[j]!.text === "[" && --depth === 0) break;
      }
      j--;
    }
    const name = toks[j], before = toks[j - 1];
    if (name?.kind !== "id" || !before) continue;
    const typeish = (before.kind === "id" && (TYPE_WORDS.has(before.text) ||
      !KEYWORDS.has(before.text))) || before.text === "*" || before.text === ",";
    if (typeish) out.add(k);
  }
  return out;
}

/**
 * Expression statements that assign or call, inside a function body:
 * first token index → last token index (the `;` included).
 */
function deletableStatements(toks: readonly Token[]): Map<number, number> {
  const out = new Map<number, number>();
  const ASSIGN = new Set(["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="]);
  const starts: number[] = [];
  let depth = 0;
  for (let k = 0; k < toks.length; k++) {
    const x = toks[k]!.text;
    if (x === "{") depth++;
    else if (x === "}") depth--;
    if (depth < 1 || toks[k]!.kind !== "punct") {
      if (depth >= 1 && (x === "else" || x === "do")) starts.push(k + 1);
      continue;
    }
    if (x === "{" || x === "}" || x === ";") starts.push(k + 1);
    else if (x === ":" && isLabel(toks, k)) starts.push(k + 1);
    else if (x === "(" && ["if", "while", "for", "switch"].includes(toks[k - 1]?.text ?? "")) {
      const e = closing(toks, k);
      if (e > 0) {
        starts.push(e + 1);
        k = e; // a `for` header's `;` are not statement ends
      }
    }
  }
  for (const s of starts) {
    const f = toks[s];
    if (!f || f.kind === "punct" && !["*", "(", "++", "--"].includes(f.text)) continue;
    if (f.kind === "id" && KEYWORDS.has(f.text)) continue;
    if (f.kind === "id" && (toks[s + 1]?.kind === "id" || toks[s + 1]?.text === "*")) continue;
    if (toks[s + 1]?.text === ":") continue; // a label: its statement starts after it
    let e = s, par = 0, ok = false, bad = false;
    for (; e < toks.length; e++) {
      const x = toks[e]!.text;
      if (x === "(" || x === "[") par++;
      else if ((x === ")" || x === "]") && --par < 0) bad = true;
      else if (
        x === "{" || x === "}" ||
        (toks[e]!.kind === "id" && KEYWORDS.has(x) && !TYPE_WORDS.has(x) && x !== "sizeof")
      ) {
        bad = true;
      } else if (x === ";" && par === 0) break;
      if (par === 0 && ASSIGN.has(x)) ok = true;
      if (x === "(" && toks[e - 1]?.kind === "id" && !KEYWORDS.has(toks[e - 1]!.text)) ok = true;
      if (par === 0 && (x === "++" || x === "--")) ok = true;
      if (bad) break;
    }
    if (ok && !bad && e < toks.length) out.set(s, e);
  }
  return out;
}

/** True when the `:` at `k` ends a label (`fail:`, `case X:`, `default:`), not a `?:`. */
function isLabel(toks: readonly Token[], k: number): boolean {
  const p = toks[k - 1]?.text ?? "";
  if (p === "default") return true;
  for (let j = k - 1; j >= 0 && k - j < 8; j--) {
    const x = toks[j]!.text;
    if (x === "case") return true;
    if (x === ";" || x === "{" || x === "}" || x === "?") break;
  }
  return toks[k - 1]?.kind === "id" && [";", "{", "}"].includes(toks[k - 2]?.text ?? "");
}

/** The source with a mutant's edits applied. */
export function apply(src: string, m: Mutant): string {
  let s = src;
  for (const e of [...m.edits].sort((a, b) => b.start - a.start)) {
    s = s.slice(0, e.start) + e.text + s.slice(e.end);
  }
  return s;
}

/** The source line of a mutant's position, trimmed (for triage entries and reports). */
export function lineOf(src: string, line: number): string {
  return (src.split("\n")[line - 1] ?? "").trim();
}
