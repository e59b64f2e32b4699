// 100,000 random and mutated images through restart (both profiles) and
// inspect. Seeded: set FUZZ_SEED to reproduce a failure; the seed and the
// iteration are in every assertion message.
import { ok, strictEqual } from "node:assert/strict";
import { Prng } from "./prng.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { inspect } from "../reference/inspect.ts";
import { restart } from "../reference/restart.ts";
import { defaultCheckpointEnv, defaultRestartEnv, defaultTaskState } from "../reference/types.ts";

const ITERATIONS = 100_000;
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20080401);
const BOUNDARY = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

function mutate(rng: Prng, img: Uint8Array): Uint8Array {
  let out = img.slice();
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const at = rng.int(out.length + 1);
    switch (rng.int(7)) {
      case 0: // flip a bit
        if (out.length) out[at % out.length]! ^= 1 << rng.int(8);
        break;
      case 1: // a boundary byte
        if (out.length) out[at % out.length] = rng.pick(BOUNDARY);
        break;
      case 2: // truncate
        out = out.slice(0, at);
        break;
      case 3: // append junk
        out = Uint8Array.from([...out, ...rng.bytes(rng.int(16))]);
        break;
      case 4: // delete a run
        out = Uint8Array.from([...out.slice(0, at), ...out.slice(at + 1 + rng.int(8))]);
        break;
      case 5: // insert a run
        out = Uint8Array.from([
          ...out.slice(0, at),
          ...rng.bytes(1 + rng.int(8)),
          ...out.slice(at),
        ]);
        break;
      default: // a 16-bit len-like value
        if (out.length > 1) out.set([rng.u32() & 0xff, rng.pick(BOUNDARY)], at % (out.length - 1));
    }
  }
  return out;
}

Deno.test(`fuzz: ${ITERATIONS} images through restart and inspect never throw (seed ${SEED})`, () => {
  const rng = new Prng(SEED);
  const valid = {
    x86_64: checkpoint(defaultTaskState(), defaultCheckpointEnv("x86_64")).image,
    i386: checkpoint(defaultTaskState(), defaultCheckpointEnv("i386")).image,
  };
  const envs = { x86_64: defaultRestartEnv("x86_64"), i386: defaultRestartEnv("i386") };
  let accepted = 0;
  let undefinedSeed = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const abi = rng.int(2) ? "x86_64" : "i386";
    const img = rng.int(10) === 0
      ? rng.bytes(rng.int(600))
      : mutate(rng, valid[rng.int(2) ? "x86_64" : "i386"]);
    const where = `seed ${SEED}, iteration ${i}`;
    const seed = restart(img, envs[abi], "seed");
    const hard = restart(img, envs[abi], "hardened");
    if (seed.consumed.defined) ok(seed.consumed.value <= img.length, where);
    ok(
      hard.ret.defined && hard.consumed.defined && hard.commDefined.every(Boolean),
      `hardened undefined: ${where}`,
    );
    ok(hard.consumed.value <= img.length, where);
    if (!seed.ret.defined) undefinedSeed++;
    if (hard.ret.value === 0) {
      accepted++;
      // Whatever the hardened profile accepts, the seed accepts with the same position.
      strictEqual(seed.ret.defined && seed.ret.value, 0, where);
      strictEqual(seed.consumed.defined && seed.consumed.value, hard.consumed.value, where);
    }
    inspect(img);
  }
  ok(accepted > 0 && undefinedSeed > 0, `the fuzz reached both accepted and undefined outcomes`);
});
