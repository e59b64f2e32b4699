// restart(checkpoint(state)) restores comm: raw in the seed, NUL-forced in hardened.
import { deepStrictEqual } from "node:assert/strict";
import { checkpoint } from "./checkpoint.ts";
import { restart } from "./restart.ts";
import { env, h, sampleTask } from "./testdata_test_helpers.ts";

const COMMS = ["", "a", "abcdefghijklmno", "abcdefghijklmnop", "x\0yz", "\xff\xfe\x80"];

for (const abi of ["x86_64", "i386"] as const) {
  Deno.test(`round trip on ${abi}: restart of a checkpoint restores the 16 comm bytes`, () => {
    for (const c of COMMS) {
      const comm = new Uint8Array(16);
      for (let i = 0; i < Math.min(16, c.length); i++) comm[i] = c.charCodeAt(i);
      const { image } = checkpoint({ ...sampleTask(), comm }, env(abi, 5n));
      const renv = { abi, kernel: { major: 2, minor: 6, patch: 25 }, comm: h("00".repeat(16)) };
      const seed = restart(image, renv, "seed");
      deepStrictEqual([seed.ret, seed.consumed.defined, seed.comm], [
        { defined: true, value: 0 },
        true,
        comm,
      ]);
      const hard = restart(image, renv, "hardened");
      const nul = comm.slice();
      nul[15] = 0;
      deepStrictEqual([hard.ret, hard.comm], [{ defined: true, value: 0 }, nul]);
    }
  });
}
