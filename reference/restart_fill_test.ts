// restartShadow() with what-if contents for never-written bytes (the fills `explain --fill-at` and
// the targeted seed-c fills give), and never-written bytes on a registered big-endian ABI. Each
// expected outcome is worked out by hand from the seed's code (docs: seed-semantics, sys_restart).
import { deepStrictEqual } from "node:assert/strict";
import { registerAbi } from "./abi.ts";
import { restart, restartShadow } from "./restart.ts";
import { KNOWN_X86_64, TOY_BE } from "./testdata_test_helpers.ts";
import { defaultRestartEnv, type RestartOutcome } from "./types.ts";

const brief = (o: RestartOutcome) => ({
  ret: o.ret.defined ? o.ret.value : `undefined (${o.ret.source})`,
  consumed: o.consumed.defined ? o.consumed.value : `undefined (${o.consumed.source})`,
  check: o.decision.check,
});

// The file ends 4 bytes into HEAD's header: type 1 and len 224 are read, parent is the stack's.
const cut4 = KNOWN_X86_64.slice(0, 4);
const env = defaultRestartEnv("x86_64");

Deno.test("restartShadow(): a parent of 0 from the stack goes on, to HEAD's magic on a never-written page", () => {
  const fill = { stack: [new Map([[4, 0], [5, 0], [6, 0], [7, 0]])] };
  deepStrictEqual(brief(restartShadow(cut4, env, "seed", undefined, fill)), {
    ret: "undefined (page)",
    consumed: 4,
    check: "HEAD.magic",
  });
});

Deno.test("restartShadow(): a parent with only its sign byte known (0x80) is returned, its value the stack's", () => {
  // parent >= 0x80000000 is a negative int: cr_read_obj returns it and restart returns it as is.
  const fill = { stack: [new Map([[7, 0x80]])] };
  deepStrictEqual(brief(restartShadow(cut4, env, "seed", undefined, fill)), {
    ret: "undefined (stack)",
    consumed: 4,
    check: "HEAD.hdr.parent",
  });
});

Deno.test("restart(): on a big-endian ABI, a 1-byte header 00 may still be HEAD's (type 0x00??)", () => {
  using _ = registerAbi(TOY_BE);
  // Type's low byte is the stack's: 1 (HEAD) goes on with len and parent from the stack too.
  const out = restart(Uint8Array.of(0), { ...env, abi: "toy-be" as never }, "seed");
  deepStrictEqual([out.ret.defined, out.consumed], [false, { defined: true, value: 1 }]);
});
