// `deno task fuzz` end to end: a bug is found, shrunk, written to a corpus that replays.
import { match, ok, rejects, strictEqual } from "node:assert/strict";
import { buildC } from "../harness/build.ts";

const FUZZ = new URL("./fuzz.ts", import.meta.url).pathname;
const CONFORM = new URL("./conform.ts", import.meta.url).pathname;

async function run(script: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, out: text(out.stdout), err: text(out.stderr) };
}

Deno.test("fuzz finds a held-back bug, shrinks it to a few bytes, and the corpus replays", async () => {
  const dir = await Deno.makeTempDir();
  const corpus = `${dir}/found.jsonl`;
  const mutant = await buildC(["-DMUTANT=m43"]);
  const r = await run(
    FUZZ,
    "--impl",
    `m43=${mutant}`,
    "--runs",
    "30000",
    "--max-failures",
    "1",
    "--corpus",
    corpus,
  );
  strictEqual(r.code, 1, r.out + r.err);
  match(r.out, /FAIL restart\/\w+\/fuzz\/s1-\d+@seed/);
  match(r.err, /fuzz: m43, seed 1/);
  const line = JSON.parse((await Deno.readTextFile(corpus)).trim());
  ok(line.image.length / 2 <= 16, `shrunk to ${line.image.length / 2} bytes`);
  const replayBad = await run(
    CONFORM,
    "--replay",
    corpus,
    "--no-bundled",
    "--impl",
    `m43=${mutant}`,
  );
  strictEqual(replayBad.code, 1, replayBad.out);
  const good = await buildC();
  const replayGood = await run(CONFORM, "--replay", corpus, "--no-bundled", "--impl", `c=${good}`);
  strictEqual(replayGood.code, 0, replayGood.out);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fuzz exits 0 on a correct implementation and 2 on usage errors", async () => {
  const good = await buildC();
  const r = await run(FUZZ, "--impl", `c=${good}`, "--runs", "4000", "--corpus", "/dev/null");
  strictEqual(r.code, 0, r.out + r.err);
  match(r.out, /fuzz: 4000 runs in .* 0 failures/);
  strictEqual((await run(FUZZ)).code, 2);
  strictEqual((await run(FUZZ, "--impl", "nosuch")).code, 2);
});

Deno.test("fuzz and replay fail closed: nothing declared or nothing to replay is a usage error", async () => {
  const hostile = new URL("../harness/testdata/hostile.ts", import.meta.url).pathname;
  const none = `none=exec ${Deno.execPath()} run --no-check --allow-run ${hostile} no-abi`;
  const r = await run(FUZZ, "--impl", none, "--runs", "100", "--corpus", "/dev/null");
  strictEqual(r.code, 2, r.out + r.err);
  match(r.err, /declares none of the fuzzed cells/);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/empty.jsonl`, "# nothing\n");
  const replay = await run(CONFORM, "--replay", `${dir}/empty.jsonl`, "--only", "reference");
  strictEqual(replay.code, 2, replay.out + replay.err);
  match(replay.err, /no case selected/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fuzz fails closed on a testee whose run ends without an outcome for some requests", async () => {
  const { runAll } = await import("./fuzz.ts");
  const { caseRuns } = await import("../cases/suite.ts");
  const { fuzzCases } = await import("../cases/fuzz.ts");
  const { referenceAnswer, ReferenceTestee } = await import("../harness/reference_testee.ts");
  const runs = caseRuns(fuzzCases(1, 40, "x86_64"));
  const ref = new ReferenceTestee();
  const answers = (every: number) => ({
    name: "forgetful",
    start: () => ref.start(),
    run(
      requests: Parameters<typeof ref.run>[0],
      onOutcome: Parameters<typeof ref.run>[1],
    ): Promise<void> {
      requests.forEach((r, i) => i % every === 0 && onOutcome(i, referenceAnswer(r)));
      return Promise.resolve();
    },
    close: () => ref.close(),
  });
  // Every request answered: one result each, all passes.
  const all = await runAll(answers(1), runs);
  strictEqual(all.filter((r) => r.status === "pass").length, runs.length);
  // Every other one: an error naming how many, not results with holes that read as no failure.
  await rejects(() => runAll(answers(2), runs), /without an outcome for \d+ of \d+ requests/);
});
