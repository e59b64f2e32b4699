/**
 * A validator for the subset of JSON Schema (2020-12) that
 * `docs/report.schema.json` uses: `type`, `enum`, `const`, `properties`,
 * `required`, `additionalProperties`, `unevaluatedProperties`, `items`,
 * `allOf`, `oneOf`, `anyOf`, `minimum`, `maximum`, `pattern` and local `$ref`s. A
 * keyword outside the subset is an error, so the schema cannot silently say
 * more than this checks. Written here rather than taken from npm: the
 * subset is about 150 lines, and the tests then need no network or package.
 *
 * @example
 * ```ts
 * import { validate } from "./json_schema.ts";
 * const errors = validate({ type: "object", required: ["a"] }, { b: 1 });
 * // errors: [{ path: "", message: "missing required property a" }]
 * ```
 *
 * @module
 */

/** A JSON Schema (the subset above). */
export type Schema = boolean | { readonly [keyword: string]: unknown };

/** One way a value fails its schema: where (a JSON pointer) and what. */
export interface SchemaError {
  /** JSON pointer of the value, `""` for the root. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
}

const ANNOTATIONS = new Set(["$schema", "$id", "$comment", "$defs", "title", "description"]);
const KEYWORDS = new Set([
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "unevaluatedProperties",
  "items",
  "allOf",
  "oneOf",
  "anyOf",
  "minimum",
  "maximum",
  "pattern",
  "$ref",
]);

const typeOf = (v: unknown): string =>
  v === null
    ? "null"
    : Array.isArray(v)
    ? "array"
    : typeof v === "number"
    ? Number.isInteger(v) ? "integer" : "number"
    : typeof v;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

interface Outcome {
  errors: SchemaError[];
  /** Property names of an object value that some keyword looked at. */
  evaluated: Set<string>;
}

class Validator {
  constructor(private readonly root: Schema) {}

  resolve(ref: string): Schema {
    if (!ref.startsWith("#")) throw new Error(`unsupported $ref ${ref} (only local ones)`);
    let node: unknown = this.root;
    for (const part of ref.slice(1).split("/").filter(Boolean)) {
      node = (node as Record<string, unknown>)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
      if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
    }
    return node as Schema;
  }

  check(schema: Schema, v: unknown, path: string): Outcome {
    const out: Outcome = { errors: [], evaluated: new Set() };
    const fail = (message: string) => out.errors.push({ path, message });
    if (schema === true) return out;
    if (schema === false) {
      fail("no value is allowed here");
      return out;
    }
    for (const k of Object.keys(schema)) {
      if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`unsupported keyword ${k}`);
    }
    const s = schema as Record<string, unknown>;
    const merge = (o: Outcome) => {
      out.errors.push(...o.errors);
      for (const e of o.evaluated) out.evaluated.add(e);
    };
    if (s.$ref !== undefined) merge(this.check(this.resolve(s.$ref as string), v, path));
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type as string[] : [s.type as string];
      const t = typeOf(v);
      if (!types.includes(t) && !(t === "integer" && types.includes("number"))) {
        fail(`expected ${types.join(" or ")}, found ${t}`);
        return out;
      }
    }
    if (s.enum !== undefined && !(s.enum as unknown[]).some((e) => same(e, v))) {
      fail(`expected one of ${JSON.stringify(s.enum)}, found ${JSON.stringify(v)}`);
    }
    if (s.const !== undefined && !same(s.const, v)) {
      fail(`expected ${JSON.stringify(s.const)}, found ${JSON.stringify(v)}`);
    }
    if (typeof v === "number" && typeof s.minimum === "number" && v < s.minimum) {
      fail(`expected at least ${s.minimum}, found ${v}`);
    }
    if (typeof v === "number" && typeof s.maximum === "number" && v > s.maximum) {
      fail(`expected at most ${s.maximum}, found ${v}`);
    }
    if (
      typeof v === "string" && typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(v)
    ) {
      fail(`expected a string matching ${s.pattern}, found ${JSON.stringify(v)}`);
    }
    if (Array.isArray(v) && s.items !== undefined) {
      v.forEach((x, i) =>
        out.errors.push(...this.check(s.items as Schema, x, `${path}/${i}`).errors)
      );
    }
    for (const sub of (s.allOf as Schema[] | undefined) ?? []) merge(this.check(sub, v, path));
    if (s.anyOf !== undefined) {
      const all = (s.anyOf as Schema[]).map((sub) => this.check(sub, v, path));
      const ok = all.filter((o) => !o.errors.length);
      if (ok.length) ok.forEach(merge);
      else fail(`matches none of anyOf: ${best(all)}`);
    }
    if (s.oneOf !== undefined) {
      const all = (s.oneOf as Schema[]).map((sub) => this.check(sub, v, path));
      const ok = all.filter((o) => !o.errors.length);
      if (ok.length === 1) merge(ok[0]!);
      else if (ok.length) fail(`matches ${ok.length} of oneOf, expected exactly one`);
      else fail(`matches none of oneOf: ${best(all)}`);
    }
    if (typeOf(v) === "object") this.object(s, v as Record<string, unknown>, path, out);
    return out;
  }

  object(s: Record<string, unknown>, v: Record<string, unknown>, path: string, out: Outcome) {
    for (const r of (s.required as string[] | undefined) ?? []) {
      if (!(r in v)) out.errors.push({ path, message: `missing required property ${r}` });
    }
    const props = (s.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, x] of Object.entries(v)) {
      const at = `${path}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      if (k in props) {
        out.errors.push(...this.check(props[k]!, x, at).errors);
        out.evaluated.add(k);
      } else if (s.additionalProperties !== undefined) {
        out.errors.push(...this.check(s.additionalProperties as Schema, x, at).errors);
        out.evaluated.add(k);
      }
    }
    if (s.unevaluatedProperties !== undefined) {
      for (const [k, x] of Object.entries(v)) {
        if (out.evaluated.has(k)) continue;
        const at = `${path}/${k}`;
        if (s.unevaluatedProperties === false) {
          out.errors.push({ path: at, message: `property ${k} is not in the schema` });
        } else out.errors.push(...this.check(s.unevaluatedProperties as Schema, x, at).errors);
        out.evaluated.add(k);
      }
    }
  }
}

/** The first error of the branch with the fewest errors (the one the value meant). */
function best(all: Outcome[]): string {
  const b = [...all].sort((x, y) => x.errors.length - y.errors.length)[0];
  const e = b?.errors[0];
  return e ? `${e.path || "/"}: ${e.message}` : "";
}

/**
 * Validates `value` against `schema` (or against the sub-schema at the
 * local reference `at`, e.g. `#/$defs/line`). Returns every error; none
 * means valid. Throws when the schema uses a keyword outside the subset.
 */
export function validate(schema: Schema, value: unknown, at?: string): SchemaError[] {
  const v = new Validator(schema);
  return v.check(at ? v.resolve(at) : schema, value, "").errors;
}
