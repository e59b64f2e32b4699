/**
 * The implementations bundled in the repository, run by default: the
 * reference model in process, the C implementation (built with gcc on first
 * use), and the golden kernel captures when present.
 *
 * @module
 */
import { buildC, haveCSources } from "./build.ts";
import { type ProcessOptions, ProcessTestee, ReferenceTestee, type Testee } from "./testee.ts";

/** The bundled testees. Throws when a bundled implementation fails to build. */
export async function bundledTestees(opts: ProcessOptions = {}): Promise<Testee[]> {
  const out: Testee[] = [new ReferenceTestee()];
  if (haveCSources()) out.push(new ProcessTestee("c", await buildC(), opts));
  return out;
}
