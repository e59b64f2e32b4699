import { deepStrictEqual, match, strictEqual, throws } from "node:assert/strict";
import { formatInspection, guessAbi, inspect, inspectionToJson } from "./inspect.ts";
import { h, KNOWN_I386, KNOWN_X86_64 } from "./testdata_test_helpers.ts";

Deno.test("inspect() decodes a checkpoint image into records and fields with offsets", () => {
  const ins = inspect(KNOWN_X86_64);
  strictEqual(ins.abi, "x86_64");
  deepStrictEqual(ins.records.map((r) => [r.name, r.offset, r.len]), [
    ["HEAD", 0, 224],
    ["TASK", 232, 152],
    ["STRING", 392, 16],
    ["TAIL", 416, 8],
  ]);
  strictEqual(ins.problem, undefined);
  const tcl = ins.records[1]!.payload.find((f) => f.field.name === "task_comm_len")!;
  deepStrictEqual([tcl.offset, tcl.value, tcl.raw], [384, 16n, h("10000000")]);
  const pad = ins.records[1]!.payload.find((f) => f.field.name === "pad@20")!;
  deepStrictEqual(pad.raw, h("04030201"));
});

Deno.test("inspect() guesses i386 from the TASK length", () => {
  strictEqual(guessAbi(KNOWN_I386), "i386");
  strictEqual(
    inspect(KNOWN_I386).records[1]!.payload.find((f) => f.field.name === "utime")!.offset,
    260,
  );
});

Deno.test("inspect() stops at the first problem with its offset", () => {
  deepStrictEqual(inspect(KNOWN_X86_64.slice(0, 300)).problem, {
    offset: 300,
    message: "end of file inside the TASK payload: 60 of 152 bytes",
  });
  deepStrictEqual(inspect(KNOWN_X86_64.slice(0, 3)).problem, {
    offset: 0,
    message: "end of file inside a record header: 3 of 8 bytes",
  });
  const neg = KNOWN_X86_64.slice();
  neg.set([0xff, 0xff], 234);
  deepStrictEqual(inspect(neg, "x86_64").problem, {
    offset: 234,
    message: "negative record length -1",
  });
  const unk = KNOWN_X86_64.slice();
  unk.set([0x07, 0x00], 392);
  deepStrictEqual(inspect(unk).problem, { offset: 392, message: "unknown record type 7" });
  strictEqual(inspect(Uint8Array.from([...KNOWN_X86_64, 1, 2])).trailing, 2);
  deepStrictEqual(inspect(new Uint8Array(0)).problem, {
    offset: 0,
    message: "end of file before a TAIL record",
  });
});

Deno.test("formatInspection() annotates offset, record, field, value and raw hex", () => {
  const text = formatInspection(inspect(KNOWN_X86_64));
  match(text, /0x0180 {2}TASK\.task_comm_len +16 \(0x10\) +10000000/);
  match(text, /0x0104 {2}TASK\.pad@20 +4 bytes +04030201/);
  const json = inspectionToJson(inspect(KNOWN_X86_64)) as {
    records: { payload: { field: string; value: string }[] }[];
  };
  strictEqual(json.records[0]!.payload[0]!.field, "HEAD.magic");
  strictEqual(json.records[0]!.payload[0]!.value, String(0x00feed0cc0a2d200n));
});

Deno.test("inspect() rejects a non-byte input and an unknown ABI with typed errors", () => {
  throws(() => inspect("x" as unknown as Uint8Array), /bytes: expected a Uint8Array, found string/);
  throws(
    () => inspect(KNOWN_X86_64, "sparc" as "i386"),
    /abi: expected x86_64 or i386, found sparc/,
  );
});

Deno.test("the inspect CLI prints a dump, a JSON form, and exits 2 on usage errors", async () => {
  const file = await Deno.makeTempFile();
  await Deno.writeFile(file, KNOWN_X86_64);
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        new URL("../cli/inspect.ts", import.meta.url).pathname,
        ...args,
      ],
    }).output();
    return {
      code: out.code,
      out: new TextDecoder().decode(out.stdout),
      err: new TextDecoder().decode(out.stderr),
    };
  };
  const a = await run(file);
  strictEqual(a.code, 0);
  match(a.out, /-- TAIL @0x1a0 len 8/);
  const j = await run(file, "--json");
  strictEqual(JSON.parse(j.out).records.length, 4);
  const bad = await run(file, "--abi", "arm");
  strictEqual(bad.code, 2);
  match(bad.err, /--abi: expected x86_64 or i386, found arm/);
  strictEqual((await run("/nonexistent/file")).code, 2);
  await Deno.remove(file);
});
