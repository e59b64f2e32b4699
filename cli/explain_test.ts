// `deno task explain` on what the gate prints: the explain lines of a failing mutant's report,
// corpus files, image files, and its usage errors.
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { buildC, haveCSources } from "../harness/build.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { toHex } from "../reference/bytes.ts";
import { defaultCheckpointEnv, defaultTaskState } from "../reference/types.ts";
import { caseToLine } from "../cases/corpus.ts";
import { namedCases } from "../cases/suite.ts";
import { explainArgs, main, splitRid } from "./explain.ts";

const CONFORM = new URL("./conform.ts", import.meta.url).pathname;

/** Splits a command line as `quote()` in cli/gate_command.ts writes it (words, '…' and '\''). */
function shellWords(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/(?:'(?:[^']|'\\'')*'|\S)+/g)) {
    out.push(m[0].replace(/'((?:[^']|'\\'')*)'/g, (_, s: string) => s.replace(/'\\''/g, "'")));
  }
  return out;
}

/** True when a C compiler runs here. */
async function haveCc(): Promise<boolean> {
  try {
    return (await new Deno.Command("cc", { args: ["--version"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}
const cReady = haveCSources() && await haveCc();

Deno.test({
  // Ignored without a C compiler or the impls/c sources: the mutant cannot be built.
  name: "explain runs on every explain line the gate prints for a failing mutant (m21)",
  ignore: !cReady,
  async fn() {
    const bin = await buildC(["-DMUTANT=m21-comm-len-bound-4097"]);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CONFORM,
        "--no-bundled",
        "--impl",
        `m21=${bin}`,
        "--cases",
        "2",
        "--fuzz",
        "0",
        "--abi",
        "x86_64",
        "--op",
        "restart",
        "--max-failures",
        "50",
      ],
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    strictEqual(out.code, 1, text);
    const lines = [...text.matchAll(/^\s*explain: (.*)$/gm)].map((m) => m[1]!);
    ok(lines.length >= 1, text);
    const rids: string[] = [];
    for (const line of lines) {
      const words = shellWords(line);
      const args = words.slice(words.indexOf("explain") + 1);
      const [x] = await explainArgs(args);
      ok(x, line);
      rids.push(x.title);
      // m21 accepts task_comm_len 4097: the reference refuses it at TASK.task_comm_len.
      if (x.title.includes("comm-len-4097")) {
        strictEqual(x.explanation.decided.check, "TASK.task_comm_len");
        strictEqual(x.explanation.decided.source?.port, "restart.c:94");
        match(x.explanation.outcome[0]!, /^ret -22/);
      }
    }
    ok(rids.some((r) => r.startsWith("restart/x86_64/task/comm-len-4097@")), rids.join(", "));
  },
});

Deno.test("explain resolves generated ids with the re-run line's --seed and --cases", async () => {
  const [x] = await explainArgs([
    "restart/i386/gen/s7-0003@hardened",
    "--seed",
    "7",
    "--cases",
    "4",
  ]);
  strictEqual(x!.title, "restart/i386/gen/s7-0003@hardened");
  strictEqual(x!.explanation.decided.check, "ok");
  // Not in a suite of 3 generated states: a clear error, exit 2.
  strictEqual(await main(["restart/i386/gen/s7-0003@seed", "--seed", "7", "--cases", "3"]), 2);
  deepStrictEqual(splitRid("checkpoint/x86_64/valid"), { id: "checkpoint/x86_64/valid" });
});

Deno.test("explain reads a corpus file and an image file with its environment", async () => {
  const dir = await Deno.makeTempDir();
  const c = namedCases("x86_64").find((c) => c.id === "restart/x86_64/head/rev")!;
  await Deno.writeTextFile(`${dir}/corpus.jsonl`, `# a corpus\n${caseToLine(c)}\n`);
  const all = await explainArgs(["--replay", `${dir}/corpus.jsonl`]);
  deepStrictEqual(all.map((x) => x.title), [
    "restart/x86_64/head/rev@seed",
    "restart/x86_64/head/rev@hardened",
  ]);
  strictEqual(all[0]!.explanation.decided.check, "HEAD.rev");
  // The replay line deno task fuzz prints, with explain for conform: the gate's flags are ignored.
  const replay = await explainArgs([
    "--replay",
    `${dir}/corpus.jsonl`,
    "--only",
    "kernel-6.1",
    "--kernel",
  ]);
  deepStrictEqual(replay.map((x) => x.title), all.map((x) => x.title));

  const image = checkpoint(defaultTaskState(), defaultCheckpointEnv("i386")).image;
  await Deno.writeFile(`${dir}/img`, image);
  const [seed] = await explainArgs([
    "--image",
    `${dir}/img`,
    "--abi",
    "i386",
    "--profile",
    "seed",
    "--kernel",
    "2.6.26",
    "--comm",
    "sh",
  ]);
  // Another kernel's patch byte: HEAD.patch decides.
  strictEqual(seed!.explanation.decided.check, "HEAD.patch");
  match(
    seed!.explanation.input[1]!,
    new RegExp(`comm before ${toHex(new TextEncoder().encode("sh"))}0{28},`),
  );
  strictEqual(await main(["--image", `${dir}/img`, "--abi", "sparc"]), 2);
  strictEqual(await main(["--image", `${dir}/missing`, "--abi", "i386"]), 2);
  strictEqual(await main([]), 2);
  await Deno.remove(dir, { recursive: true });
});
