import { deepStrictEqual } from "node:assert/strict";
import { parseLcovBranches } from "./reference_coverage.ts";

Deno.test("parseLcovBranches() reads the branch records of each file, untaken as 0", () => {
  const root = new URL("../", import.meta.url).pathname;
  const lcov = `SF:${root}reference/restart.ts\nBRDA:10,1,0,3\nBRDA:10,1,1,-\nend_of_record\n` +
    `SF:${root}reference/checkpoint.ts\nBRDA:7,0,0,0\nend_of_record\n`;
  deepStrictEqual(parseLcovBranches(lcov), [
    { file: "reference/restart.ts", line: 10, id: "1.0", taken: 3 },
    { file: "reference/restart.ts", line: 10, id: "1.1", taken: 0 },
    { file: "reference/checkpoint.ts", line: 7, id: "0.0", taken: 0 },
  ]);
});
