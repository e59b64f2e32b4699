// Every named case is decided by the check its name says, in each profile;
// and the whole suite reaches every check restart makes.
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { restart, RESTART_CHECKS } from "../reference/restart.ts";
import { restartCatalog } from "./catalog.ts";
import { buildCases, catalogBase } from "./suite.ts";

/** id suffix → [check in the seed profile, check in the hardened profile], written by hand. */
const WANT: Record<string, [string, string]> = {
  "valid": ["ok", "ok"],
  "head/magic": ["HEAD.magic", "HEAD.magic"],
  "head/rev": ["HEAD.rev", "HEAD.rev"],
  "head/rev-0": ["HEAD.rev", "HEAD.rev"],
  "head/major": ["HEAD.major", "HEAD.major"],
  "head/minor": ["HEAD.minor", "HEAD.minor"],
  "head/patch": ["HEAD.patch", "HEAD.patch"],
  "head/version-high-byte": ["HEAD.patch", "HEAD.patch"],
  "head/flags-unknown": ["HEAD.flags", "HEAD.flags"],
  "head/flags-high": ["HEAD.flags", "HEAD.flags"],
  "head/flags-zero": ["ok", "ok"],
  "head/time-ignored": ["ok", "ok"],
  "head/kernel-mismatch": ["HEAD.major", "HEAD.major"],
  "task/comm-len-minus1": ["TASK.task_comm_len", "TASK.task_comm_len"],
  "task/comm-len-0": ["STRING.hdr.len", "TASK.task_comm_len"],
  "task/comm-len-15": ["STRING.hdr.len", "STRING.hdr.len"],
  "task/comm-len-17": ["ok", "STRING.hdr.len"],
  "task/comm-len-4096": ["ok", "STRING.hdr.len"],
  "task/comm-len-4097": ["TASK.task_comm_len", "TASK.task_comm_len"],
  "task/comm-len-intmax": ["TASK.task_comm_len", "TASK.task_comm_len"],
  "task/fields-ignored": ["ok", "ok"],
  "string/short-name-1": ["ok", "ok"],
  "string/short-name-4": ["ok", "ok"],
  "string/short-name-15": ["ok", "ok"],
  "string/parent-1": ["ok", "STRING.hdr.parent"],
  "tail/magic": ["TAIL.magic", "TAIL.magic"],
  "syscall/flags": ["flags", "flags"],
  "syscall/bad-fd": ["fd", "fd"],
  "syscall/write-only": ["read", "read"],
  "syscall/no-read": ["read", "read"],
  "syscall/counter": ["ok", "ok"],
};
for (const rec of ["head", "task", "string", "tail"]) {
  const R = rec.toUpperCase();
  WANT[`${rec}/hdr-type`] = [`${R}.hdr.type`, `${R}.hdr.type`];
  WANT[`${rec}/hdr-len-negative`] = [`${R}.hdr.len`, `${R}.hdr.len`];
  WANT[`${rec}/hdr-len-over`] = [`${R}.hdr.len`, `${R}.hdr.len`];
  WANT[`${rec}/parent-negative`] = [`${R}.hdr.parent`, `${R}.hdr.parent`];
  WANT[`${rec}/parent-intmin`] = [`${R}.hdr.parent`, `${R}.hdr.parent`];
  if (rec !== "string") WANT[`${rec}/parent-1`] = [`${R}.hdr.parent`, `${R}.hdr.parent`];
}

for (const abi of ["x86_64", "i386"] as const) {
  Deno.test(`catalog ${abi}: each named case is decided by the check it names, in both profiles`, () => {
    const cases = restartCatalog(catalogBase(abi));
    deepStrictEqual(
      cases.map((c) => c.id.slice(`restart/${abi}/`.length)).sort(),
      Object.keys(WANT).sort(),
    );
    for (const c of cases) {
      const [seed, hardened] = WANT[c.id.slice(`restart/${abi}/`.length)]!;
      strictEqual(restart(c.image, c.env, "seed").decision.check, seed, `${c.id}@seed`);
      strictEqual(restart(c.image, c.env, "hardened").decision.check, hardened, `${c.id}@hardened`);
    }
  });
}

Deno.test("the suite reaches every check restart makes, in every profile where it exists", () => {
  const reached = { seed: new Set<string>(), hardened: new Set<string>() };
  for (const c of buildCases({ cases: 4 })) {
    if (c.op !== "restart") continue;
    for (const p of ["seed", "hardened"] as const) {
      reached[p].add(restart(c.image, c.env, p).decision.check);
    }
  }
  for (const check of RESTART_CHECKS) {
    for (const p of check.profiles) {
      strictEqual(reached[p].has(check.id), true, `${check.id} never decides under ${p}`);
    }
  }
});
