// Undefined is tight: every value the reference calls undefined in a seed restart (x86_64, the
// default suite with the first 2,000 cases of its fuzz batch) is shown to vary by seed-c run with
// the never-written contents that decide it (`deno task fills:targeted`, docs/FILLS.md), and
// seed-c agrees with the reference on every such path. A model that calls a defined value
// undefined (lenient: it would let a wrong implementation through on it) fails here: no contents
// make that value vary.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { probeSeedC } from "../impls/seed-c/probe.ts";
import { main, type ValueResult } from "./fills_targeted.ts";

const { why } = await probeSeedC("x86_64", true);
Deno.test({
  name: `tightness: every undefined value of the seed's x86_64 runs is shown to vary by seed-c${
    why ? ` (ignored: ${why})` : ""
  }`,
  ignore: why !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "crconform-tight-" });
    try {
      const code = await main(["--abi", "x86_64", "--fuzz", "2000", "--json", `${dir}/r.json`]);
      strictEqual(code, 0, "seed-c differs from the reference on some path (see above)");
      const { results } = JSON.parse(await Deno.readTextFile(`${dir}/r.json`)) as {
        results: ValueResult[];
      };
      // The suite has undefined values of every source (else this proves nothing).
      deepStrictEqual(
        [...new Set(results.map((r) => r.source))].sort(),
        ["kmalloc", "page", "stack"],
      );
      const flat = results.filter((r) => r.answers.length < 2)
        .map((r) => `${r.id} ${r.name} (${r.cls}): seed-c always ${r.answers[0]}`);
      deepStrictEqual(flat.slice(0, 10), [], `${flat.length} values called undefined never vary`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
