import { strictEqual } from "node:assert/strict";
import { gateCommand, quote } from "./gate_command.ts";

const REPO = new URL("../", import.meta.url).pathname;

Deno.test("gateCommand() prints a command that works from where the user started the task", () => {
  const saved = Deno.env.get("INIT_CWD");
  try {
    Deno.env.set("INIT_CWD", REPO);
    strictEqual(gateCommand(), "tools/deno/deno task conform");
    Deno.env.set("INIT_CWD", `${REPO}golden/recipe`);
    strictEqual(gateCommand(), "../../tools/deno/deno task conform");
    Deno.env.set("INIT_CWD", "/");
    strictEqual(
      gateCommand(),
      `${quote(Deno.execPath())} run -A ${quote(`${REPO}cli/conform.ts`)}`,
    );
  } finally {
    if (saved === undefined) Deno.env.delete("INIT_CWD");
    else Deno.env.set("INIT_CWD", saved);
  }
});

Deno.test("quote() leaves plain words alone and single-quotes the rest", () => {
  strictEqual(quote("restart/x86_64/head/magic@seed"), "restart/x86_64/head/magic@seed");
  strictEqual(quote("mine=./t --x"), "'mine=./t --x'");
  strictEqual(quote("it's"), "'it'\\''s'");
});
