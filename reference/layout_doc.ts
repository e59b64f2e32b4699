/**
 * Renders the layout tables as Markdown (`docs/LAYOUTS.md`), so the
 * documentation reads the same tables as the encoder and the decoder.
 * `deno run reference/layout_doc.ts > docs/LAYOUTS.md` regenerates it; a test
 * fails when the committed file is stale.
 *
 * @module
 */
import { abiNames } from "./abi.ts";
import { layoutOf, type RecordLayout } from "./layout.ts";

function table(r: RecordLayout): string {
  const rows = r.fields.map((f) =>
    `| ${f.offset} | ${f.size} | ${
      f.type === "pad" ? "*padding*" : `\`${f.name}\``
    } | ${f.type} | ${f.source} | ${f.doc} |`
  );
  return [
    `| offset | size | field | type | kernel type | holds |`,
    `|---:|---:|---|---|---|---|`,
    ...rows,
  ].join("\n");
}

/** The whole document. */
export function layoutMarkdown(): string {
  const out = [
    "# Record layouts",
    "",
    "Generated from `reference/layout.ts` by `reference/layout_doc.ts`; do not edit by hand.",
    "Every record is an 8-byte header followed by `len` payload bytes; STRING's payload is the 16",
    "raw bytes of comm. All integers are in the ABI's byte order.",
  ];
  for (const abi of abiNames()) {
    const l = layoutOf(abi);
    out.push(
      "",
      `## ${abi} (${l.abi.endian}-endian, u64 aligned to ${l.abi.u64Align}, long is ${l.abi.longBytes} bytes)`,
    );
    for (const r of [l.HDR, l.HEAD, l.TASK, l.TAIL]) {
      out.push(
        "",
        `### ${r.name === "HDR" ? "Record header" : r.name} (${r.size} bytes)`,
        "",
        table(r),
      );
    }
  }
  return out.join("\n") + "\n";
}

if (import.meta.main) console.log(layoutMarkdown().trimEnd());
