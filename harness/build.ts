/**
 * Builds the bundled C implementation (and its mutants) with gcc on first
 * use, cached under `.cache/c/` by a hash of the sources and flags.
 *
 * @module
 */
import { createHash } from "node:crypto";

const ROOT = new URL("../", import.meta.url).pathname;
const C_DIR = `${ROOT}impls/c`;

/** True when the C sources are present in this checkout. */
export function haveCSources(): boolean {
  try {
    return Deno.statSync(`${C_DIR}/build.sh`).isFile;
  } catch {
    return false;
  }
}

/** A setup problem building a bundled implementation. */
export class BuildError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

async function sourceHash(flags: readonly string[]): Promise<string> {
  const h = createHash("sha256");
  const names = [...Deno.readDirSync(C_DIR)].filter((e) => e.isFile && /\.(c|h|sh)$/.test(e.name))
    .map((e) => e.name).sort();
  for (const n of names) h.update(n).update(await Deno.readFile(`${C_DIR}/${n}`));
  h.update(JSON.stringify(flags));
  return h.digest("hex").slice(0, 16);
}

/** Builds `impls/c` with extra gcc flags (e.g. `-DMUTANT=3`); returns the binary's path. */
export async function buildC(flags: readonly string[] = []): Promise<string> {
  const out = `${ROOT}.cache/c/${await sourceHash(flags)}`;
  const bin = `${out}/crconform`;
  try {
    if (Deno.statSync(bin).isFile) return bin;
  } catch { /* not built yet */ }
  const tmp = `${out}.tmp${Deno.pid}`;
  await Deno.mkdir(tmp, { recursive: true });
  const r = await new Deno.Command("bash", {
    args: [`${C_DIR}/build.sh`, tmp, ...flags],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new BuildError(
      `building impls/c ${flags.join(" ")} failed:\n${
        new TextDecoder().decode(r.stderr).slice(0, 4000)
      }`,
    );
  }
  await Deno.rename(tmp, out).catch(async () => await Deno.remove(tmp, { recursive: true }));
  return bin;
}
