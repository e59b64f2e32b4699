// The ABI registry's own checks, at their boundaries: what registerAbi accepts and rejects, and
// what getAbi and isAbiName say of names. (No case of the gate registers an ABI: this is what pins
// these checks; see docs/ORACLE.md.)
import { deepStrictEqual, notStrictEqual, strictEqual, throws } from "node:assert/strict";
import { type Abi, abiNames, getAbi, isAbiName, registerAbi, registryGeneration } from "./abi.ts";
import { InputError } from "./errors.ts";
import { layoutOf } from "./layout.ts";

const base: Abi = {
  name: "test-abi",
  endian: "little",
  u64Align: 8,
  longBytes: 8,
  pageSize: 4096,
  machine: "test",
};

Deno.test("registerAbi: pageSize 16 and 2^31-1 are accepted, 15, 2^31 and 4096.5 rejected", () => {
  for (const pageSize of [16, 0x7fff_ffff]) {
    using _ = registerAbi({ ...base, pageSize });
    strictEqual(getAbi("test-abi").pageSize, pageSize);
    strictEqual(layoutOf("test-abi").abi.pageSize, pageSize);
  }
  for (const pageSize of [15, 0x8000_0000, 4096.5]) {
    throws(() => registerAbi({ ...base, pageSize }), InputError, `pageSize ${pageSize}`);
  }
  strictEqual(isAbiName("test-abi"), false);
});

Deno.test("registerAbi: u64Align 1, 2, 4, 8 only; a name once; gone when disposed", () => {
  for (const u64Align of [1, 2, 4, 8] as const) {
    using _ = registerAbi({ ...base, u64Align });
    strictEqual(getAbi("test-abi").u64Align, u64Align);
  }
  throws(() => registerAbi({ ...base, u64Align: 3 as 4 }), InputError);
  throws(() => registerAbi({ ...base, name: "x86_64" }), InputError);
  {
    using _ = registerAbi(base);
    throws(() => registerAbi(base), InputError);
    deepStrictEqual(abiNames(), ["x86_64", "i386", "test-abi"]);
    strictEqual(isAbiName("test-abi"), true);
  }
  deepStrictEqual(abiNames(), ["x86_64", "i386"]);
  throws(() => getAbi("test-abi"), InputError);
});

Deno.test("isAbiName: registered strings only", () => {
  strictEqual(isAbiName("x86_64"), true);
  strictEqual(isAbiName("i386"), true);
  strictEqual(isAbiName("arm"), false);
  strictEqual(isAbiName(7), false);
  strictEqual(isAbiName(undefined), false);
});

// registryGeneration's contract: it changes whenever the registry does, so a cache keyed by it
// (the dictionary's meanings, which list every registered ABI) is rebuilt both when an ABI comes
// and when it goes.
Deno.test("registryGeneration: changes when an ABI is registered and again when it is disposed", () => {
  const before = registryGeneration();
  let during: number;
  {
    using _ = registerAbi(base);
    during = registryGeneration();
    notStrictEqual(during, before, "registering changes the generation");
  }
  notStrictEqual(registryGeneration(), during, "disposing changes the generation");
});

// layoutOf caches layouts until the registry changes (layout.ts). Disposing an ABI is such a
// change, so afterwards its name is unknown to layoutOf too: getAbi throws InputError for a name
// not registered. test-abi has x86_64's alignments (u64 8, long 8), so its TASK is 152 bytes
// while registered.
Deno.test("layoutOf: a disposed ABI's cached layout goes with it", () => {
  {
    using _ = registerAbi(base);
    strictEqual(layoutOf("test-abi").TASK.size, 152);
  }
  throws(() => layoutOf("test-abi"), InputError);
});
