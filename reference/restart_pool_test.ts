// The model keeps scratch memory across calls (pooled blocks): an outcome must not depend on
// which run came before. Every restart image of the default suite's families, run after its
// neighbour and again after another run, gives the same outcome both times.
import { deepStrictEqual } from "node:assert/strict";
import { restartShadow } from "./restart.ts";
import { KNOWN_I386, KNOWN_X86_64 } from "./testdata_test_helpers.ts";
import { defaultRestartEnv } from "./types.ts";

Deno.test("restartShadow(): an outcome does not depend on the run before it", () => {
  for (const [abi, known] of [["x86_64", KNOWN_X86_64], ["i386", KNOWN_I386]] as const) {
    const env = defaultRestartEnv(abi);
    // Every cut of the known image: runs that stop at every check, most of them undecided.
    const images = Array.from({ length: known.length + 1 }, (_, n) => known.slice(0, n));
    const first = images.map((img) => restartShadow(img, env, "seed"));
    const again = images.map((_, i) => {
      restartShadow(known, env, "seed"); // a whole image in between: every block written
      return restartShadow(images[i]!, env, "seed");
    });
    for (let i = 0; i < images.length; i++) deepStrictEqual(again[i], first[i], `${abi} cut ${i}`);
  }
});
