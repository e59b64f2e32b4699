/**
 * Prints what the host probes answer in this process, as JSON: for tests
 * that set the probes' switches or PATH in a child's environment (a test
 * never changes its own: files run in parallel in one process).
 *
 * @module
 */
import { HOST_TOOLS, hostLine, i386Exec, i386Runner, qemuUser, which } from "../host.ts";

const xmllint = HOST_TOOLS.find((t) => t.name === "xmllint")!;
console.log(JSON.stringify({
  i386Exec: await i386Exec(),
  qemuUser: await qemuUser(),
  i386Runner: await i386Runner(),
  hostLine: await hostLine(),
  which: which("qemu-i386") ?? null,
  xmllint: await xmllint.probe(),
}));
