/**
 * Checks a JUnit XML document against the structure of the JUnit schema
 * that Jenkins' xunit plugin validates with (junit-10.xsd): a well-formed
 * document of `testsuites` › `testsuite` (name, tests, failures, errors
 * required; time a decimal) › `properties` › `property`, and `testcase`
 * (name required) › `failure` | `error` | `skipped` | `system-out` |
 * `system-err`; and that each suite's counts are its testcases'. It reads
 * only the XML this project writes (no comments, CDATA or DTDs), and it is
 * what the tests run where `xmllint` and the schema are not at hand.
 *
 * @example
 * ```ts
 * import { checkJunit } from "./junit_check.ts";
 * const { errors } = checkJunit('<?xml version="1.0"?><testsuites/>');
 * // errors: []
 * ```
 *
 * @module
 */

/** An element of the parsed document. */
export interface XmlElement {
  /** Tag name. */
  readonly name: string;
  /** Attributes, unescaped. */
  readonly attrs: Readonly<Record<string, string>>;
  /** Child elements. */
  readonly children: XmlElement[];
  /** Text content, unescaped. */
  text: string;
}

const ENTITY: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

function unescape(s: string, at: number): string {
  return s.replace(/&([^;]*);?/g, (m, e: string) => {
    if (!m.endsWith(";")) throw new Error(`bare & near offset ${at}`);
    if (e in ENTITY) return ENTITY[e]!;
    const n = /^#x([0-9a-f]+)$/i.exec(e)
      ? parseInt(e.slice(2), 16)
      : /^#[0-9]+$/.test(e)
      ? Number(e.slice(1))
      : NaN;
    if (Number.isNaN(n)) throw new Error(`unknown entity &${e}; near offset ${at}`);
    return String.fromCodePoint(n);
  });
}

/** Parses the subset of XML described in the module doc; throws on anything malformed. */
export function parseXml(src: string): XmlElement {
  // deno-lint-ignore no-control-regex
  const bad = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.exec(src);
  if (bad) {
    throw new Error(
      `a character XML 1.0 forbids (U+${bad[0].charCodeAt(0).toString(16)}) at ${bad.index}`,
    );
  }
  let i = 0;
  const decl = /^<\?xml[^?]*\?>\s*/.exec(src);
  if (decl) i = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*"[^"<]*")*)\s*(\/?)>/y;
  while (i < src.length) {
    const lt = src.indexOf("<", i);
    const text = src.slice(i, lt < 0 ? src.length : lt);
    if (text.trim()) {
      if (!stack.length) throw new Error(`text outside the root element at ${i}`);
      stack[stack.length - 1]!.text += unescape(text, i);
    }
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(src);
    if (!m) throw new Error(`malformed tag at offset ${lt}: ${src.slice(lt, lt + 40)}`);
    const [, close, name, attrText, selfClose] = m;
    i = tag.lastIndex;
    if (close) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}> at ${lt}`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*"([^"]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`attribute ${a[1]} twice at ${lt}`);
      attrs[a[1]!] = unescape(a[2]!, lt);
    }
    const el: XmlElement = { name: name!, attrs, children: [], text: "" };
    if (stack.length) stack[stack.length - 1]!.children.push(el);
    else if (root) throw new Error(`a second root element at ${lt}`);
    else root = el;
    if (!selfClose) stack.push(el);
  }
  if (stack.length) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (!root) throw new Error("no root element");
  return root;
}

const CHILDREN: Readonly<Record<string, readonly string[]>> = {
  testsuites: ["testsuite"],
  testsuite: ["testsuite", "properties", "testcase", "system-out", "system-err"],
  properties: ["property"],
  property: [],
  testcase: ["skipped", "error", "failure", "system-out", "system-err"],
  failure: [],
  error: [],
  skipped: [],
  "system-out": [],
  "system-err": [],
};
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  testsuite: ["name", "tests", "failures", "errors"],
  property: ["name", "value"],
  testcase: ["name"],
};
const TIME = /^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$/;

/** A suite's counts as its attributes say and as its testcases are. */
export interface SuiteCounts {
  /** The suite's name. */
  readonly name: string;
  /** testcases, failures, errors, skipped: as counted. */
  readonly counted: { tests: number; failures: number; errors: number; skipped: number };
}

/** Checks a JUnit document; returns the problems (none: it fits) and each suite's counts. */
export function checkJunit(
  src: string,
): { errors: string[]; suites: SuiteCounts[]; root?: XmlElement } {
  const errors: string[] = [];
  let root: XmlElement;
  try {
    root = parseXml(src);
  } catch (e) {
    return { errors: [`not well-formed: ${(e as Error).message}`], suites: [] };
  }
  if (root.name !== "testsuites") errors.push(`the root is <${root.name}>, not <testsuites>`);
  const walk = (el: XmlElement, path: string) => {
    const allowed = CHILDREN[el.name];
    for (const a of REQUIRED[el.name] ?? []) {
      if (!(a in el.attrs)) errors.push(`${path}: <${el.name}> lacks the required attribute ${a}`);
    }
    if ("time" in el.attrs && el.name !== "testcase" && !TIME.test(el.attrs.time!)) {
      errors.push(`${path}: time="${el.attrs.time}" is not a decimal`);
    }
    if (el.text.trim() && ["testsuites", "testsuite", "testcase", "properties"].includes(el.name)) {
      errors.push(`${path}: <${el.name}> holds text`);
    }
    for (const c of el.children) {
      if (!allowed?.includes(c.name)) errors.push(`${path}: <${c.name}> inside <${el.name}>`);
      walk(c, `${path}/${c.name}${c.attrs.name ? `[${c.attrs.name}]` : ""}`);
    }
  };
  walk(root, root.name);
  const suites: SuiteCounts[] = [];
  for (const s of root.children.filter((c) => c.name === "testsuite")) {
    const cases = s.children.filter((c) => c.name === "testcase");
    const has = (k: string) => cases.filter((c) => c.children.some((x) => x.name === k)).length;
    const counted = {
      tests: cases.length,
      failures: has("failure"),
      errors: has("error"),
      skipped: has("skipped"),
    };
    for (const k of ["tests", "failures", "errors", "skipped"] as const) {
      if (k in s.attrs && Number(s.attrs[k]) !== counted[k]) {
        errors.push(`testsuite ${s.attrs.name}: ${k}="${s.attrs[k]}" but ${counted[k]} counted`);
      }
    }
    suites.push({ name: s.attrs.name ?? "", counted });
  }
  return { errors, suites, root };
}

if (import.meta.main) {
  let bad = 0;
  for (const f of Deno.args) {
    const { errors } = checkJunit(await Deno.readTextFile(f));
    for (const e of errors) console.error(`${f}: ${e}`);
    if (errors.length) bad++;
    else console.log(`${f}: fits the JUnit structure`);
  }
  Deno.exit(bad ? 1 : 0);
}
