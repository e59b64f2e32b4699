/**
 * The C implementation (`impls/c/crconform.c`) through the real gate: the
 * default suite over the persistent and the per-case protocol, its answers
 * to malformed requests, and the mutant list's agreement with its sources.
 *
 * @module
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { buildCases } from "../../cases/suite.ts";
import { buildC } from "../../harness/build.ts";
import { PerCaseTestee } from "../../harness/percase_testee.ts";
import { ProcessTestee } from "../../harness/process_testee.ts";
import { conforms, type ImplReport, runImpl, selectRuns } from "../../harness/runner.ts";
import { featuresOf } from "../../protocol/codec.ts";
import { requestPayload } from "../../protocol/encode.ts";
import { perCaseSlice } from "./percase.ts";

const HERE = new URL(".", import.meta.url).pathname;
const dec = new TextDecoder();
const enc = new TextEncoder();

/**
 * The runs that did not pass, except those skipped because they need a protocol feature impls/c
 * does not declare in its hello (the gate skips them for any such testee). Every other run must
 * pass.
 */
function failures(rep: ImplReport): string[] {
  const declared = rep.hello?.features ?? [];
  const undeclared = (r: ImplReport["results"][number]) =>
    r.status === "skipped" && featuresOf(r.run.case.env).some((f) => !declared.includes(f));
  return rep.results.filter((r) => r.status !== "pass" && !undeclared(r)).map((r) =>
    `${r.rid}: ${r.status} ${r.detail ?? r.differences.map((d) => d.field).join(",")}`
  );
}

Deno.test("impls/c conforms over the default suite in persistent mode", async () => {
  const runs = selectRuns(buildCases());
  const rep = await runImpl(new ProcessTestee("c", await buildC()), runs);
  deepStrictEqual(failures(rep).slice(0, 10), []);
  strictEqual(rep.results.length, runs.length);
  ok(conforms(rep));
  // Every feature it declares is exercised: passing runs that need it.
  for (const f of rep.hello?.features ?? []) {
    ok(rep.results.some((r) => r.status === "pass" && featuresOf(r.run.case.env).includes(f)), f);
  }
});

Deno.test("impls/c conforms in per-case mode (one shard of the suite)", async () => {
  const runs = perCaseSlice();
  ok(runs.length > 100, `only ${runs.length} runs in the shard`);
  const rep = await runImpl(new PerCaseTestee("c", await buildC(), { window: 2 }), runs);
  deepStrictEqual(failures(rep).slice(0, 10), []);
});

Deno.test("impls/c answers malformed requests with error or unsupported", async () => {
  const bin = await buildC();
  const run = selectRuns(buildCases({ cases: 0, abis: ["x86_64"] }), {
    filters: ["restart/x86_64/valid@seed"],
  })[0]!;
  const c = run.case;
  if (c.op !== "restart") throw new Error("expected a restart case");
  const base = dec.decode(
    requestPayload({ op: "restart", image: c.image, env: c.env, profile: "seed" }, 7),
  );
  const bad = [
    base.replace(/^image .*$/m, "image 0"),
    base.replace(/^image .*$/m, "image zz"),
    base.replace(/^comm .*$/m, "comm 00"),
    base.replace(/^counter .*$/m, "counter -1"),
    base.replace(/^flags .*$/m, "flags 18446744073709551616"),
    base.replace(/^profile .*$/m, "profile lax"),
    base.replace(/^abi .*$/m, "abi sparc"),
    base.replace(/^file .*$/m, ""),
    base + "x".repeat(100) + "\n" + "k v\n".repeat(100),
    "",
  ];
  for (const [i, text] of bad.entries()) {
    const child = new Deno.Command(bin, { args: ["restart"], stdin: "piped", stdout: "piped" })
      .spawn();
    const w = child.stdin.getWriter();
    await w.write(enc.encode(text));
    await w.close();
    const out = await child.output();
    strictEqual(out.code, 0, `malformed request ${i}: exit ${out.code}`);
    ok(
      /^(error|unsupported) /m.test(dec.decode(out.stdout)),
      `malformed request ${i} answered:
${dec.decode(out.stdout)}`,
    );
  }
});

Deno.test("mutants.tsv lists exactly the MUT(n) sites of crconform.c", async () => {
  const src = await Deno.readTextFile(`${HERE}crconform.c`);
  const sites = new Set([...src.matchAll(/MUT\((\d+)\)/g)].map((m) => Number(m[1])));
  const rows = (await Deno.readTextFile(`${HERE}../mutants/mutants.tsv`)).split("\n")
    .filter((l) => l && !l.startsWith("#"));
  const listed = rows.map((l) => {
    const [id, cls, desc, ...extra] = l.split("\t");
    const m = /^m(\d+)-[a-z0-9-]+$/.exec(id ?? "");
    ok(m && cls && desc && !extra.length, `mutants.tsv: bad line ${JSON.stringify(l)}`);
    return Number(m![1]);
  });
  strictEqual(new Set(listed).size, listed.length, "mutants.tsv: duplicate numbers");
  deepStrictEqual([...sites].sort((x, y) => x - y), [...listed].sort((x, y) => x - y));
});
