import { ok, strictEqual } from "node:assert/strict";
import { getAbi } from "../reference/abi.ts";
import { layoutOf } from "../reference/layout.ts";
import { restart, RESTART_CHECKS } from "../reference/restart.ts";
import { PROFILES } from "../reference/types.ts";
import { argsCases, bitCases, lengthCases, valueCases } from "./families.ts";
import { staleCases } from "./stale.ts";
import { catalogBase } from "./suite.ts";
import { checkpoint } from "../reference/checkpoint.ts";
import { applyEdits, orderCases, violations } from "./violations.ts";

for (const abi of ["x86_64", "i386"]) {
  const b = catalogBase(abi);
  const image = checkpoint(b.state, b.ckptEnv).image;

  Deno.test(`violations (${abi}): every check of the check list is reached, each alone`, () => {
    const vs = violations(abi, image, b.rstEnv);
    const reached = new Set(vs.map((v) => v.check));
    const all = RESTART_CHECKS.filter((c) => c.id !== "ok").map((c) => c.id);
    strictEqual([...all].filter((c) => !reached.has(c)).join(" "), "");
    // The parent check decides in two ways in the seed: -EINVAL, and the parent returned as is.
    ok(vs.filter((v) => v.check === "HEAD.hdr.parent").length >= 2);
  });

  Deno.test(`order family (${abi}): where the earlier violation decides alone, it decides the pair`, () => {
    const cases = orderCases(abi, image, b.rstEnv);
    ok(cases.length > 500, `${cases.length} order cases`);
    const vs = violations(abi, image, b.rstEnv);
    const byTag = new Map(
      vs.map((v) => [`${v.check}~${vs.filter((w) => w.check === v.check).indexOf(v) + 1}`, v]),
    );
    let decided = 0;
    for (const c of cases) {
      const a = byTag.get(c.id.split("/").at(-1)!.split("+")[0]!)!;
      const alone = applyEdits(abi, image, b.rstEnv, [a.edit]);
      for (const p of PROFILES) {
        if (restart(alone.image, alone.env, p).decision.check !== a.check) continue;
        strictEqual(restart(c.image, c.env, p).decision.check, a.check, `${c.id}@${p}`);
        decided++;
      }
    }
    ok(decided > cases.length, `${decided} pair runs decided by the earlier check`);
  });

  Deno.test(`args family (${abi}): one flag bit per bit of a long, every file kind, both ops`, () => {
    const ids = new Set(argsCases(b).map((c) => c.id));
    const bits = getAbi(abi).longBytes * 8;
    ok(ids.has(`checkpoint/${abi}/args/flags-bit${bits - 1}-read-only`));
    ok(!ids.has(`checkpoint/${abi}/args/flags-bit${bits}-ok`));
    ok(ids.has(`restart/${abi}/args/crid--2147483648-write-only`));
  });

  Deno.test(`lengths family (${abi}): task_comm_len × len × name over the boundaries`, () => {
    const cases = lengthCases(b);
    const page = layoutOf(abi).abi.pageSize;
    ok(cases.some((c) => c.id.endsWith(`tcl-${page + 1}-len-${page}-name-${page}`)));
    // tcl 17, len 17, a 16-byte name: comm gets 16 bytes and no NUL.
    const c = cases.find((c) => c.id.endsWith("tcl-17-len-17-name-16"))!;
    const o = restart(c.image, c.env, "seed");
    strictEqual(o.ret.defined && o.ret.value, 0);
    strictEqual(new TextDecoder().decode(o.comm), "abcdefghijklmnop");
  });

  Deno.test(`stale family (${abi}): stale bytes decide the outcome of short records`, () => {
    const cases = staleCases(b);
    ok(cases.length >= 20);
    // TAIL len 0 with TASK.state holding the TAIL magic: the seed reads the magic from the stale
    // bytes and succeeds; with the magic inverted, it rejects.
    const fill = cases.find((c) => c.id.endsWith("tail-short-0-fill"))!;
    const reject = cases.find((c) => c.id.endsWith("tail-short-0-reject"))!;
    strictEqual(restart(fill.image, fill.env, "seed").ret.defined, true);
    strictEqual((restart(fill.image, fill.env, "seed").ret as { value: number }).value, 0);
    strictEqual((restart(reject.image, reject.env, "seed").ret as { value: number }).value, -22);
  });

  Deno.test(`value and bit families (${abi}): every field edge in its domain, every bit flipped`, () => {
    const values = valueCases(b).map((c) => c.id);
    ok(values.includes(`checkpoint/${abi}/value/start_time_nsec-0x3b9ac9ff`));
    ok(!values.some((id) => id.includes("start_time_nsec-0xffffffff")));
    const bits = bitCases(b).map((c) => c.id);
    ok(bits.includes(`restart/${abi}/bits/head-magic-bit63`));
    ok(bits.includes(`restart/${abi}/bits/task-task_comm_len-bit31`));
  });
}
