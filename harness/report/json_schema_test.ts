import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { validate } from "./json_schema.ts";
import { jsonReport, jsonText } from "./json.ts";
import { fixtureReports } from "./testdata/fixture.ts";

const SCHEMA = JSON.parse(
  await Deno.readTextFile(new URL("../../docs/report.schema.json", import.meta.url)),
);

Deno.test("validate(): types, required, enum, const, minimum, maximum, pattern, items", () => {
  const s = {
    type: "object",
    required: ["a", "b"],
    properties: {
      a: { type: "integer", minimum: 1 },
      b: { type: "array", items: { enum: ["x", "y"] } },
      c: { type: ["string", "null"], pattern: "^z" },
      d: { const: 1 },
    },
  };
  deepStrictEqual(validate(s, { a: 1, b: ["x"], c: null, d: 1 }), []);
  deepStrictEqual(validate(s, { a: 0.5, b: ["q"], c: "y", d: 2 }), [
    { path: "/a", message: "expected integer, found number" },
    { path: "/b/0", message: 'expected one of ["x","y"], found "q"' },
    { path: "/c", message: 'expected a string matching ^z, found "y"' },
    { path: "/d", message: "expected 1, found 2" },
  ]);
  deepStrictEqual(validate(s, { a: 0 }).map((e) => e.message), [
    "missing required property b",
    "expected at least 1, found 0",
  ]);
  const m = { type: "integer", minimum: 1, maximum: 64 };
  deepStrictEqual(validate(m, 64), []);
  deepStrictEqual(validate(m, 65).map((e) => e.message), ["expected at most 64, found 65"]);
});

Deno.test("validate(): oneOf needs exactly one branch; unevaluatedProperties sees through allOf and $ref", () => {
  const s = {
    $defs: { base: { type: "object", properties: { id: { type: "string" } } } },
    allOf: [{ $ref: "#/$defs/base" }, {
      properties: { n: { oneOf: [{ type: "integer" }, { type: "null" }] } },
    }],
    unevaluatedProperties: false,
  };
  deepStrictEqual(validate(s, { id: "a", n: null }), []);
  deepStrictEqual(validate(s, { id: "a", n: 1, extra: true }), [
    { path: "/extra", message: "property extra is not in the schema" },
  ]);
  deepStrictEqual(validate(s, { id: "a", n: "1" }).map((e) => e.message), [
    "matches none of oneOf: /n: expected integer, found string",
  ]);
  deepStrictEqual(validate({ oneOf: [{ type: "number" }, { type: "integer" }] }, 3), [
    { path: "", message: "matches 2 of oneOf, expected exactly one" },
  ]);
});

Deno.test("validate(): a keyword outside the subset or an unresolved $ref is an error, not a pass", () => {
  throws(() => validate({ type: "string", maxLength: 3 }, "abcd"), /unsupported keyword maxLength/);
  throws(() => validate({ $ref: "#/$defs/none" }, 1), /unresolved \$ref/);
  throws(() => validate({ $ref: "https://example.com/s.json" }, 1), /only local/);
});

Deno.test("the report schema describes jsonReport() exactly: every status, every field, nothing more", () => {
  const gate = { version: "0.1.0", protocol: 1, fingerprint: "sha256:0123456789abcdef", runs: 10 };
  const suite = {
    seed: 1,
    cases: 2,
    fuzz: 0,
    shard: { k: 1, n: 2 },
    ops: [],
    abis: ["x86_64"],
    profiles: [],
    filters: ["*"],
    replay: [],
  };
  const report = jsonReport(fixtureReports(), gate, suite, { runs: 10, seconds: 1.5 }, () => "x");
  const parsed = JSON.parse(jsonText(report));
  deepStrictEqual(validate(SCHEMA, parsed), []);
  strictEqual(parsed.schemaVersion, 1);
  const statuses = parsed.implementations[0].results.map((r: { status: string }) => r.status);
  strictEqual(new Set(statuses).size, 10);
  parsed.implementations[0].results[0].surprise = 1;
  parsed.implementations[1].stopped = 3;
  deepStrictEqual(validate(SCHEMA, parsed).map((e) => e.path), [
    "/implementations/0/results/0/surprise",
    "/implementations/1/stopped",
  ]);
});

Deno.test("jsonText() writes one result per line and parses back to the same report", () => {
  const gate = { version: "0.1.0", protocol: 1, fingerprint: "sha256:0123456789abcdef", runs: 10 };
  const suite = {
    seed: 1,
    cases: 2,
    fuzz: 0,
    shard: null,
    ops: [],
    abis: [],
    profiles: [],
    filters: [],
    replay: [],
  };
  const report = jsonReport(fixtureReports(), gate, suite, { runs: 10, seconds: 1 });
  const text = jsonText(report);
  deepStrictEqual(JSON.parse(text), JSON.parse(JSON.stringify(report)));
  strictEqual(text.split("\n").filter((l) => l.startsWith('    {"id":')).length, 10);
});
