/**
 * The repository's architecture, checked: data flows one way through the
 * layers (reference ← cases ← protocol ← harness ← golden, impls ← cli), no
 * module imports a layer above its own or a sibling folder of its layer,
 * the import graph has no cycle, nothing imports the public `mod.ts`, and
 * no module grows past 400 lines unless its header says it is one cohesive
 * thing.
 *
 * @module
 */
import { deepStrictEqual } from "node:assert/strict";

const ROOT = new URL("./", import.meta.url).pathname;

/** Folder → layer. Folders of one layer may not import each other. */
const LAYERS: Readonly<Record<string, number>> = {
  reference: 0,
  cases: 1,
  protocol: 2,
  harness: 3,
  golden: 4,
  impls: 4,
  cli: 5,
};

function tsFiles(): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of Deno.readDirSync(`${ROOT}${rel}`)) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) {
        if (!/^(\.|node_modules$|tools$)/.test(e.name)) walk(p);
      } else if (p.endsWith(".ts")) out.push(p);
    }
  };
  walk("");
  return out.sort();
}

function importsOf(file: string): string[] {
  const src = Deno.readTextFileSync(`${ROOT}${file}`);
  const specs = [
    ...src.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"/gms),
    ...src.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
    ...src.matchAll(/^import\s+"([^"]+)"/gm),
  ].map((m) => m[1]!);
  const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/") + 1) : "";
  return specs.filter((s) => s.startsWith(".")).map((s) => {
    const parts = `${dir}${s}`.split("/");
    const out: string[] = [];
    for (const p of parts) {
      if (p === "..") out.pop();
      else if (p !== "." && p !== "") out.push(p);
    }
    return out.join("/");
  });
}

const folder = (f: string) => (f.includes("/") ? f.slice(0, f.indexOf("/")) : "");

Deno.test("architecture: no module imports a layer above its own, a sibling layer, or mod.ts", () => {
  const bad: string[] = [];
  for (const f of tsFiles()) {
    const from = folder(f);
    const lf = LAYERS[from];
    for (const to of importsOf(f)) {
      if (to === "mod.ts") {
        if (f !== "mod_test.ts") bad.push(`${f} imports mod.ts (import the module itself)`);
        continue;
      }
      const lt = LAYERS[folder(to)];
      if (lt === undefined) continue; // a root file such as mod.ts's own re-exports
      if (lf === undefined) {
        if (f === "mod.ts" && lt !== 0) bad.push(`mod.ts re-exports ${to} (outside reference/)`);
        continue;
      }
      if (lt > lf) bad.push(`${f} (layer ${lf}) imports ${to} (layer ${lt})`);
      else if (lt === lf && folder(to) !== from) bad.push(`${f} imports sibling ${to}`);
    }
  }
  deepStrictEqual(bad, []);
});

Deno.test("architecture: the module import graph has no cycle", () => {
  const graph = new Map(tsFiles().map((f) => [f, importsOf(f)]));
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      cycles.push([...path.slice(path.indexOf(f)), f].join(" → "));
      return;
    }
    state.set(f, "open");
    for (const to of graph.get(f) ?? []) visit(to, [...path, f]);
    state.set(f, "done");
  };
  for (const f of graph.keys()) visit(f, []);
  deepStrictEqual(cycles, []);
});

Deno.test("architecture: modules over 400 lines say in their header which one thing they are", () => {
  const big: string[] = [];
  for (const f of tsFiles()) {
    const src = Deno.readTextFileSync(`${ROOT}${f}`);
    const lines = src.split("\n").length;
    const header = src.slice(0, src.indexOf("*/") + 2);
    if (lines > 400 && !/one cohesive thing/i.test(header)) big.push(`${f}: ${lines} lines`);
  }
  deepStrictEqual(big, []);
});

Deno.test("architecture: every module's header says its job", () => {
  const missing = tsFiles().filter((f) => !f.endsWith("_test.ts")).filter((f) =>
    !/^\/\*\*[\s\S]*?@module[\s\S]*?\*\//.test(Deno.readTextFileSync(`${ROOT}${f}`))
  );
  deepStrictEqual(missing, []);
});
