/**
 * The mutants of the reference model: small syntactic changes to a
 * TypeScript source, found with the TypeScript compiler's own parser
 * (`npm:typescript`, pinned), so every operator, literal, statement and call
 * is a node of a real syntax tree and never a guess from the text: relational
 * and equality operators, boundaries, numeric constants ±1, `&&` ↔ `||`,
 * negated conditions, arithmetic and bitwise operators, removed statements
 * and early returns, swapped arguments.
 *
 * A mutant's id is stable across unrelated edits: the file, a hash of the
 * mutated line's text (trimmed), the operator, and the occurrence of that
 * (line text, operator) pair in the file.
 *
 * @module
 */
import { createHash } from "node:crypto";

// Pinned here, not in deno.json's import map: only this tool uses it (a dev dependency).
// deno-lint-ignore no-import-prefix
import ts from "npm:typescript@5.9.3";

// deno-lint-ignore no-explicit-any
type TS = any;
// deno-lint-ignore no-explicit-any
type Node = any;

/** The TypeScript version whose parser finds the mutants (exact, so the mutants do not drift). */
export const TYPESCRIPT_VERSION: string = ts.version;

/** One mutant of one file. */
export interface Mutant {
  /** Stable id: `file#linehash:operator:occurrence`, e.g. `restart.ts#1a2b3c4d:rel<:<=:0`. */
  readonly id: string;
  /** The file, relative to the repository root (`reference/restart.ts`). */
  readonly file: string;
  /** 1-based line of the change in the current source. */
  readonly line: number;
  /** The mutated line's text, trimmed. */
  readonly lineText: string;
  /** The operator (`rel:<:<=`, `num:+1`, `del-stmt`, `swap-args:0`…). */
  readonly op: string;
  /** Start and end offsets of the replaced text. */
  readonly start: number;
  /** End offset (exclusive). */
  readonly end: number;
  /** The text that replaces `[start, end)`. */
  readonly replacement: string;
  /**
   * The named functions the change is inside, innermost first: each one's
   * 1-based start line and the name V8's coverage gives it (a method `m`,
   * `get m`, a function declaration, a function assigned to a variable or a
   * property). Anonymous functions are left out. A coverage pre-pass
   * (`cli/reference_mutants.ts`) reads it: a change inside a function the
   * gate never calls is never executed by the gate.
   */
  readonly fns?: readonly { readonly line: number; readonly name: string }[];
}

/** The source with the mutant applied. */
export function applyMutant(source: string, m: Mutant): string {
  return source.slice(0, m.start) + m.replacement + source.slice(m.end);
}

/** Binary operator swaps: token text → replacements. */
const BINARY: Readonly<Record<string, readonly string[]>> = {
  "<": ["<="],
  "<=": ["<"],
  ">": [">="],
  ">=": [">"],
  "===": ["!=="],
  "!==": ["==="],
  "==": ["!="],
  "!=": ["=="],
  "&&": ["||"],
  "||": ["&&"],
  "+": ["-"],
  "-": ["+"],
  "*": ["/"],
  "/": ["*"],
  "%": ["*"],
  "&": ["|"],
  "|": ["&"],
  "^": ["|"],
  "<<": [">>"],
  ">>": ["<<", ">>>"],
  ">>>": [">>"],
  "+=": ["-="],
  "-=": ["+="],
  "&=": ["|="],
  "|=": ["&="],
  "<<=": [">>="],
  ">>=": ["<<="],
};

/** The operator family of a binary swap, for the report. */
function family(tok: string): string {
  if (["<", "<=", ">", ">="].includes(tok)) return "rel";
  if (["===", "!==", "==", "!="].includes(tok)) return "eq";
  if (["&&", "||"].includes(tok)) return "logic";
  if (["+", "-", "*", "/", "%", "+=", "-="].includes(tok)) return "arith";
  return "bit";
}

const isStringy = (ts: TS, n: Node): boolean =>
  ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateExpression(n);

/** A numeric literal's text after adding `d` (hex stays hex, bigint stays bigint). */
function bump(text: string, d: number): string | undefined {
  const clean = text.replaceAll("_", "");
  const big = clean.endsWith("n");
  const body = big ? clean.slice(0, -1) : clean;
  const hex = /^0x/i.test(body);
  if (big) {
    const v = BigInt(body) + BigInt(d);
    if (v < 0n) return undefined;
    return (hex ? `0x${v.toString(16)}` : v.toString()) + "n";
  }
  const v = Number(body) + d;
  if (!Number.isSafeInteger(v) || v < 0 || !/^(0x[0-9a-f]+|\d+)$/i.test(body)) return undefined;
  return hex ? `0x${v.toString(16)}` : String(v);
}

/** Whether the node only builds a message (an error's text, a template): not an outcome. */
function inMessage(ts: TS, n: Node): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (ts.isTemplateSpan(p) || ts.isTemplateExpression(p)) return true;
    if (ts.isNewExpression(p) && /Error$/.test(p.expression.getText())) return true;
    if (ts.isFunctionLike(p) || ts.isSourceFile(p)) return false;
  }
  return false;
}

/** Whether the node is inside a type (an annotation, an `as` target, a declaration of types). */
function inType(ts: TS, n: Node): boolean {
  for (let p: Node = n; p; p = p.parent) {
    if (ts.isTypeNode(p) || ts.isTypeAliasDeclaration(p) || ts.isInterfaceDeclaration(p)) {
      return true;
    }
    if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p)) return true;
  }
  return false;
}

/** The name V8's coverage gives a function node, or `undefined` when it gives none we can tell. */
function v8Name(ts: TS, f: Node): string | undefined {
  const text = (n: Node) =>
    ts.isIdentifier(n) || ts.isPrivateIdentifier(n) || ts.isStringLiteral(n) ? n.text : undefined;
  if (ts.isFunctionDeclaration(f) || ts.isMethodDeclaration(f)) {
    return f.name ? text(f.name) : undefined;
  }
  if (ts.isGetAccessorDeclaration(f) || ts.isSetAccessorDeclaration(f)) {
    const n = f.name ? text(f.name) : undefined;
    return n === undefined ? undefined : `${ts.isGetAccessorDeclaration(f) ? "get" : "set"} ${n}`;
  }
  if ((ts.isArrowFunction(f) || ts.isFunctionExpression(f)) && !(f.name)) {
    const p = f.parent;
    if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p)) && p.initializer === f) {
      return text(p.name);
    }
  }
  return undefined;
}

/** The named functions around `n`, innermost first (see {@link Mutant.fns}). */
function enclosing(ts: TS, sf: Node, n: Node): { line: number; name: string }[] {
  const out: { line: number; name: string }[] = [];
  for (let p = n.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (!ts.isFunctionLike(p) || !p.body) continue;
    const name = v8Name(ts, p);
    if (name === undefined) continue;
    out.push({ line: sf.getLineAndCharacterOfPosition(p.getStart(sf)).line + 1, name });
  }
  return out;
}

const hash8 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 8);

/**
 * Every mutant of `source` (the text of `file`). Mutations inside types,
 * imports and error messages are not made: they change nothing a testee
 * can be compared on.
 */
export function mutantsOf(file: string, source: string): Mutant[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const raw: Omit<Mutant, "id" | "line" | "lineText">[] = [];
  let here: Node = sf;
  const add = (op: string, start: number, end: number, replacement: string) =>
    raw.push({ file, op, start, end, replacement, fns: enclosing(ts, sf, here) });
  const stmtText = (s: Node) => source.slice(s.getStart(sf), s.end);

  const visit = (n: Node) => {
    if (inType(ts, n)) return;
    here = n;
    if (ts.isBinaryExpression(n)) {
      const tok = n.operatorToken.getText(sf);
      const stringy = isStringy(ts, n.left) || isStringy(ts, n.right);
      if (BINARY[tok] && !(stringy && (tok === "+" || tok === "+=")) && !inMessage(ts, n)) {
        for (const r of BINARY[tok]!) {
          add(`${family(tok)}:${tok}:${r}`, n.operatorToken.getStart(sf), n.operatorToken.end, r);
        }
      }
    } else if (ts.isNumericLiteral(n) || ts.isBigIntLiteral(n)) {
      if (!inMessage(ts, n) && !(ts.isPropertyAssignment(n.parent) && n.parent.name === n)) {
        for (const d of [1, -1]) {
          const t = bump(n.getText(sf), d);
          if (t !== undefined) add(`num:${d > 0 ? "+1" : "-1"}`, n.getStart(sf), n.end, t);
        }
      }
    } else if (ts.isPrefixUnaryExpression(n)) {
      if (n.operator === ts.SyntaxKind.ExclamationToken && !inMessage(ts, n)) {
        add("not:drop", n.getStart(sf), n.operand.getStart(sf), "");
      } else if (
        n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken
      ) {
        const r = n.operator === ts.SyntaxKind.PlusPlusToken ? "--" : "++";
        add(`incdec:${r}`, n.getStart(sf), n.getStart(sf) + 2, r);
      }
    } else if (ts.isPostfixUnaryExpression(n)) {
      const r = n.operator === ts.SyntaxKind.PlusPlusToken ? "--" : "++";
      add(`incdec:${r}`, n.end - 2, n.end, r);
    } else if (n.kind === ts.SyntaxKind.TrueKeyword || n.kind === ts.SyntaxKind.FalseKeyword) {
      if (!inMessage(ts, n)) {
        add("bool", n.getStart(sf), n.end, n.kind === ts.SyntaxKind.TrueKeyword ? "false" : "true");
      }
    }
    // Negated conditions.
    const cond = ts.isIfStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n)
      ? n.expression
      : ts.isConditionalExpression(n)
      ? n.condition
      : ts.isForStatement(n)
      ? n.condition
      : undefined;
    if (cond && !inMessage(ts, n)) {
      add("negate", cond.getStart(sf), cond.end, `!(${cond.getText(sf)})`);
    }
    // Removed statements: expression statements, early returns and throws under an `if`,
    // break and continue.
    if (ts.isBlock(n.parent) || ts.isSourceFile(n.parent) || ts.isCaseClause(n.parent)) {
      if (ts.isExpressionStatement(n) || ts.isBreakStatement(n) || ts.isContinueStatement(n)) {
        add("del-stmt", n.getStart(sf), n.end, ";");
      } else if (
        ts.isIfStatement(n) && !n.elseStatement &&
        /^(\{\s*)?(return|throw|break|continue)\b/.test(stmtText(n.thenStatement))
      ) {
        add("del-early", n.getStart(sf), n.end, ";");
      }
    }
    // Swapped arguments: a call of two, neither a string (a name or a message: a type error
    // the parser cannot see), not a commutative Math.min/max.
    if (ts.isCallExpression(n) && n.arguments.length === 2 && !inMessage(ts, n)) {
      const [a, b] = [...n.arguments] as Node[];
      const callee = n.expression.getText(sf);
      if (
        !/^Math\.(min|max)$/.test(callee) && !isStringy(ts, a) && !isStringy(ts, b) &&
        !ts.isSpreadElement(a) && !ts.isSpreadElement(b) && a.getText(sf) !== b.getText(sf)
      ) {
        const gap = source.slice(a.end, b.getStart(sf));
        add("swap-args", a.getStart(sf), b.end, `${b.getText(sf)}${gap}${a.getText(sf)}`);
      }
    }
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(sf, visit);

  raw.sort((x, y) => x.start - y.start || x.end - y.end || (x.op < y.op ? -1 : 1));
  const seen = new Map<string, number>();
  const base = file.slice(file.lastIndexOf("/") + 1);
  return raw.map((r) => {
    const { line } = sf.getLineAndCharacterOfPosition(r.start);
    const lineText = source.split("\n")[line]!.trim();
    const key = `${base}#${hash8(lineText)}:${r.op}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return { ...r, id: `${key}:${n}`, line: line + 1, lineText };
  });
}
