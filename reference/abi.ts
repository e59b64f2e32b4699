/**
 * The ABI registry: every ABI the model knows, as data (byte order, `__u64`
 * alignment inside structs, `long` size, page size, utsname machine). Every
 * list of ABIs in the project — case generation, the reference, the
 * protocol's hello, the CLI's `--abi` — is read from here, so adding an ABI
 * is one {@link registerAbi} call (or one entry in {@link BUILTIN_ABIS}).
 *
 * @module
 */
import { InputError } from "./errors.ts";

/** The name of an ABI in the registry (`x86_64`, `i386`, or a registered one). */
export type AbiName = string;

/** Byte order of an ABI. */
export type Endian = "little" | "big";

/** How one ABI lays out and stores C types. */
export interface Abi {
  /** The ABI's name. */
  readonly name: AbiName;
  /** Byte order of every integer in the image. */
  readonly endian: Endian;
  /** Alignment of a `__u64` member inside a struct (8 on x86_64, 4 on i386). */
  readonly u64Align: number;
  /** Size of a C `long` in bytes. */
  readonly longBytes: 4 | 8;
  /** The kernel's `PAGE_SIZE`, the seed's upper bound for `task_comm_len`. */
  readonly pageSize: number;
  /** `utsname()->machine` of a typical kernel of this ABI (the default environment's). */
  readonly machine: string;
}

/** The ABIs the seed ran on: the built-in entries of the registry. */
export const BUILTIN_ABIS: readonly Abi[] = Object.freeze(
  [
    {
      name: "x86_64",
      endian: "little",
      u64Align: 8,
      longBytes: 8,
      pageSize: 4096,
      machine: "x86_64",
    },
    { name: "i386", endian: "little", u64Align: 4, longBytes: 4, pageSize: 4096, machine: "i686" },
  ] as const,
);

const registry = new Map<AbiName, Abi>(BUILTIN_ABIS.map((a) => [a.name, a]));
let generation = 0;

/** Every registered ABI name, built-ins first, in registration order.
 *
 * @example
 * ```ts
 * import { abiNames } from "@crconform/crconform";
 * import { deepStrictEqual } from "node:assert/strict";
 * deepStrictEqual(abiNames(), ["x86_64", "i386"]);
 * ```
 */
export function abiNames(): readonly AbiName[] {
  return [...registry.keys()];
}

/** True when `name` is a registered ABI. */
export function isAbiName(name: unknown): name is AbiName {
  return typeof name === "string" && registry.has(name);
}

/**
 * The registered ABI called `name`.
 *
 * @throws {InputError} when no ABI of that name is registered.
 *
 * @example
 * ```ts
 * import { getAbi } from "@crconform/crconform";
 * import { strictEqual } from "node:assert/strict";
 * strictEqual(getAbi("i386").u64Align, 4);
 * ```
 */
export function getAbi(name: AbiName): Abi {
  const a = registry.get(name);
  if (!a) throw new InputError("abi", `one of ${abiNames().join(", ")}`, JSON.stringify(name));
  return a;
}

/** A counter that changes whenever the registry does (lets caches of derived tables invalidate). */
export function registryGeneration(): number {
  return generation;
}

/**
 * Registers an ABI for as long as the returned handle is not disposed
 * (`using _ = registerAbi(abi)` scopes it to a block, as the tests do).
 *
 * @throws {InputError} when the name is taken or a property is out of range.
 *
 * @example
 * ```ts
 * import { abiNames, layoutOf, registerAbi } from "@crconform/crconform";
 * import { ok, strictEqual } from "node:assert/strict";
 * {
 *   using _ = registerAbi({
 *     name: "arm-eabi",
 *     endian: "little",
 *     u64Align: 8,
 *     longBytes: 4,
 *     pageSize: 4096,
 *     machine: "armv7l",
 *   });
 *   strictEqual(layoutOf("arm-eabi").TASK.size, 152);
 * }
 * ok(!abiNames().includes("arm-eabi"));
 * ```
 */
export function registerAbi(abi: Abi): Disposable {
  if (registry.has(abi.name)) throw new InputError("abi.name", "a new ABI name", abi.name);
  if (![1, 2, 4, 8].includes(abi.u64Align)) {
    throw new InputError("abi.u64Align", "1, 2, 4 or 8", String(abi.u64Align));
  }
  if (!Number.isInteger(abi.pageSize) || abi.pageSize < 16 || abi.pageSize > 0x7fff_ffff) {
    throw new InputError("abi.pageSize", "an integer 16..2^31-1", String(abi.pageSize));
  }
  registry.set(abi.name, Object.freeze({ ...abi }));
  generation++;
  return {
    [Symbol.dispose]() {
      registry.delete(abi.name);
      generation++;
    },
  };
}
