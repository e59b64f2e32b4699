// The computed layouts against hand-computed offsets (the seed's ckpt_hdr.h under each ABI's C rules).
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { fieldAt, foreignAbi, imageSize, layoutOf } from "./layout.ts";
import { abiNames, registerAbi } from "./abi.ts";
import { TOY_64K } from "./testdata_test_helpers.ts";

Deno.test("layouts: HEAD is 224 bytes without padding on both ABIs", () => {
  for (const l of abiNames().map(layoutOf)) {
    strictEqual(l.HEAD.size, 224);
    deepStrictEqual(l.HEAD.fields.filter((f) => f.type === "pad"), []);
    deepStrictEqual(
      ["magic", "major", "minor", "patch", "rev", "time", "flags", "release", "version", "machine"]
        .map((n) => l.HEAD.byName[n]!.offset),
      [0, 8, 10, 12, 14, 16, 24, 32, 96, 160],
    );
  }
});

Deno.test("layouts: TASK is 152 bytes with padding on x86_64 and 144 without on i386", () => {
  const x = layoutOf("x86_64").TASK;
  const i = layoutOf("i386").TASK;
  deepStrictEqual([x.size, x.byName.utime!.offset, x.byName.task_comm_len!.offset], [152, 24, 144]);
  deepStrictEqual(x.fields.filter((f) => f.type === "pad").map((f) => [f.offset, f.size]), [
    [20, 4],
    [148, 4],
  ]);
  deepStrictEqual([i.size, i.byName.utime!.offset, i.byName.task_comm_len!.offset], [144, 20, 140]);
  deepStrictEqual(i.fields.filter((f) => f.type === "pad"), []);
});

Deno.test("layouts: the fields of every record tile it exactly", () => {
  for (const l of abiNames().map(layoutOf)) {
    for (const r of [l.HDR, l.HEAD, l.TASK, l.TAIL]) {
      let at = 0;
      for (const f of r.fields) {
        strictEqual(f.offset, at, `${r.name}.${f.name}`);
        at += f.size;
      }
      strictEqual(at, r.size);
    }
  }
});

Deno.test("layouts: fieldAt() finds padding and fields; image sizes are 432 and 424", () => {
  strictEqual(fieldAt(layoutOf("x86_64").TASK, 21)?.name, "pad@20");
  strictEqual(fieldAt(layoutOf("i386").TASK, 21)?.name, "utime");
  strictEqual(fieldAt(layoutOf("i386").TASK, 20)?.name, "utime");
  strictEqual(fieldAt(layoutOf("i386").TASK, 144), undefined);
  deepStrictEqual([imageSize("x86_64"), imageSize("i386")], [432, 424]);
});

Deno.test("docs/LAYOUTS.md is generated from the layout tables and up to date", async () => {
  const { layoutMarkdown } = await import("./layout_doc.ts");
  const committed = await Deno.readTextFile(new URL("../docs/LAYOUTS.md", import.meta.url));
  strictEqual(
    committed,
    layoutMarkdown(),
    "run: deno run reference/layout_doc.ts > docs/LAYOUTS.md",
  );
});

Deno.test("layouts: a big-endian ABI is a table entry; the codec follows its byte order", async () => {
  const { computeLayout, STRUCTS } = await import("./layout.ts");
  const { encodeInto, decodeFrom } = await import("./codec.ts");
  const be = {
    name: "x86_64" as const,
    endian: "big" as const,
    u64Align: 8,
    longBytes: 8 as const,
    pageSize: 4096,
    machine: "x86_64",
  };
  const task = computeLayout(be, "TASK", STRUCTS.TASK);
  deepStrictEqual(
    task.fields.map((f) => [f.name, f.offset]),
    layoutOf("x86_64").TASK.fields.map((f) => [f.name, f.offset]),
  );
  const buf = new Uint8Array(task.size);
  encodeInto(task, "big", { state: 0x0102030405060708n, task_comm_len: 16n }, buf);
  deepStrictEqual([...buf.subarray(0, 8)], [1, 2, 3, 4, 5, 6, 7, 8]);
  deepStrictEqual([...buf.subarray(144, 148)], [0, 0, 0, 16]);
  strictEqual(decodeFrom(task, "big", buf).state, 0x0102030405060708n);
});

// foreignAbi's contract: the first registered ABI, in registry order (x86_64, i386, then any
// registered later), that is not `abi` and whose TASK size differs. toy-64k has x86_64's
// alignments (u64 8, long 8), so its TASK is 152 bytes like x86_64's: x86_64 is skipped for
// having the same size and i386 (144) is the answer. For x86_64 it is i386, for i386 x86_64.
Deno.test("foreignAbi: the first other ABI whose TASK size differs, skipping a same-size one", () => {
  using _ = registerAbi(TOY_64K);
  strictEqual(layoutOf("toy-64k").TASK.size, 152);
  strictEqual(foreignAbi("toy-64k"), "i386");
  strictEqual(foreignAbi("x86_64"), "i386");
  strictEqual(foreignAbi("i386"), "x86_64");
});
