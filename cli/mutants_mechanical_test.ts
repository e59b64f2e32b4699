// The mechanical yardstick in CI: a fixed sample of mechanical mutants of seed-c and impls/c,
// each killed (by the default gate, the fuzzer or seed-c's file knobs), dropped by TCE, or
// triaged; the triage list names only current mutants; and TCE itself on known mutants.
import { deepStrictEqual, notStrictEqual, strictEqual } from "node:assert/strict";
import { apply, mutate } from "../impls/mutants/mechanical.ts";
import { compileVariant, recordBuild, TARGETS } from "../impls/mutants/mechanical_build.ts";
import { haveCSources, haveSeedCSources } from "../harness/build.ts";
import { mechanicalRun, staleTriage } from "./mechanical_mutants.ts";
import { formatMechanicalReport, readTriage } from "./mutants_mechanical.ts";

const have = async (cmd: string) =>
  await new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" }).output()
    .then((r) => r.success, () => false);
const tools = (await have(Deno.env.get("CC") ?? "gcc")) && (await have("objdump"));
// The seed-c target is built for the x86_64 layout with the host's compiler (seed-c's shim
// lays out x86 only), so the builds and TCE keys below need an x86_64 host.
const x86 = Deno.build.arch === "x86_64";
const ignore = !tools || !x86 || !haveCSources() || !haveSeedCSources();
const why = ignore ? " (ignored: needs an x86_64 host, gcc, objdump and the C sources)" : "";

Deno.test("mechanical: every triage entry names a current mutant and its line", async () => {
  deepStrictEqual(staleTriage(await readTriage(), Object.keys(TARGETS)), []);
});

Deno.test(`mechanical: TCE drops a mutant the optimiser undoes, keeps one it cannot${why}`, {
  ignore,
}, async () => {
  const file = "golden/recipe/port/checkpoint/restart.c";
  const src = await Deno.readTextFile(new URL(`../${file}`, import.meta.url));
  const b = await recordBuild(TARGETS["seed-c"]!);
  const key = async (id?: string) => {
    const m = id ? mutate(file, src).find((x) => x.id === id) : undefined;
    return (await compileVariant(b, file, m ? apply(src, m) : src)).key;
  };
  const original = await key();
  notStrictEqual(original, undefined);
  // cr_read_head's `return 0` → `return 1`: its one caller only tests `ret < 0` (inlined).
  strictEqual(await key(`${file}:63:9:constant:0`), original);
  // `magic != HEAD || rev != VERSION` → `&&`: a different check.
  notStrictEqual(await key(`${file}:54:66:logical:0`), original);
  // Unknown code does not compile: no key.
  strictEqual((await compileVariant(b, file, src + "\nint broken = ;\n")).key, undefined);
});

// A fixed sample of each target (the same seed: a smaller sample is a subset of a larger one).
for (const [target, n] of [["seed-c", 20], ["c", 20]] as const) {
  Deno.test(
    `mechanical: a fixed sample of ${n} of ${target} is all killed, equivalent or triaged${why}`,
    {
      ignore,
    },
    async () => {
      const r = await mechanicalRun({
        targets: [target],
        sample: n,
        seed: 1,
        fuzzRuns: 2000,
        triage: await readTriage(),
      });
      console.log(formatMechanicalReport(r));
      strictEqual(r.verdicts.length, n);
      deepStrictEqual(r.verdicts.filter((v) => v.fate === "survived").map((v) => v.mutant.id), []);
      deepStrictEqual(r.stale, []);
      // The sample holds mutants the gate kills.
      strictEqual(r.verdicts.some((v) => v.fate === "killed-gate"), true);
    },
  );
}

// A memory checker is a build mechanism, not a case: a per-case request buffer never
// NUL-terminated reads as terminated in a fresh zeroed block, and only a build whose allocator
// fills new blocks (AddressSanitizer's) shows it.
const asan = tools && await (async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.c`, "int main(void) { return 0; }\n");
    const r = await new Deno.Command(Deno.env.get("CC") ?? "gcc", {
      args: ["-fsanitize=address", "-o", `${dir}/a`, `${dir}/a.c`],
      stdout: "null",
      stderr: "null",
    }).output();
    return r.success && (await new Deno.Command(`${dir}/a`).output()).success;
  } catch {
    return false;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
})();
Deno.test({
  name: `mechanical: a survivor of every case is killed when built with a memory checker${
    asan ? "" : " (ignored: the compiler cannot build with -fsanitize=address here)"
  }`,
  ignore: ignore || !asan,
  fn: async () => {
    const id = "impls/c/crconform.c:863:2:delete:0";
    const r = await mechanicalRun({ targets: ["c"], ids: [id], fuzzRuns: 0, triage: {} });
    deepStrictEqual(r.verdicts.map((v) => [v.mutant.id, v.fate]), [[id, "killed-memcheck"]]);
    strictEqual(/^memory checker: /.test(r.verdicts[0]!.detail ?? ""), true);
  },
});
