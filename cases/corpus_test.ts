import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { InputError } from "../reference/errors.ts";
import { caseToLine, readCorpus } from "./corpus.ts";
import { fuzzCheckpointCase, fuzzRestartCase } from "./fuzz.ts";
import { regressionCases } from "./suite.ts";

Deno.test("corpus lines round-trip restart and checkpoint cases exactly", () => {
  const cases = [fuzzRestartCase(3, 7, "x86_64"), fuzzCheckpointCase(3, 7, "i386")];
  const text = `# a comment\n${cases.map(caseToLine).join("\n")}\n\n`;
  const back = readCorpus(text);
  strictEqual(back.length, 2);
  for (const [i, c] of cases.entries()) {
    const { origin: _, ...rest } = c;
    deepStrictEqual(back[i], rest);
  }
});

Deno.test("readCorpus() names the line and field of a bad entry", () => {
  throws(
    () => readCorpus("not json\n"),
    (e) => e instanceof InputError && /corpus line 1/.test(e.message),
  );
  const line = caseToLine(fuzzRestartCase(1, 1, "x86_64")).replace(
    /"image":"[0-9a-f]*"/,
    '"image":"zz"',
  );
  throws(() => readCorpus(`\n${line}`), /corpus line 2: image: expected hex bytes/);
  const dup = caseToLine(fuzzRestartCase(1, 1, "x86_64"));
  throws(() => readCorpus(`${dup}\n${dup}`), /corpus line 2: id: expected a unique id/);
});

Deno.test("the regression corpus loads: each a named case with why it is there", () => {
  const reg = regressionCases();
  strictEqual(reg.length >= 4, true);
  for (const c of reg) {
    strictEqual(c.id.split("/")[2], "regress");
    strictEqual(/found by deno task fuzz/.test(c.reason), true);
  }
});
