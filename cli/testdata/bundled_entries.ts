/**
 * Prints the bundled registry as this process's host sees it, as JSON
 * (name, unavailable; what starting an unavailable `c` says): for tests
 * that set PATH or CC in a child's environment.
 *
 * @module
 */
import { bundledTestees } from "../bundled.ts";

const entries = await bundledTestees();
const c = entries.find((e) => e.testee.name === "c");
const started = c?.unavailable
  ? await c.testee.start().then(() => "started", (e) => (e as Error).message)
  : null;
console.log(JSON.stringify({
  entries: entries.map((e) => ({ name: e.testee.name, unavailable: e.unavailable ?? null })),
  started,
}));
