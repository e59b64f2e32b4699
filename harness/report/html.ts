/**
 * The HTML report (`--html FILE`): one self-contained file (no network, no
 * external script or style) with a matrix per facet — operation, ABI,
 * profile, group, coverage cell — of case groups × implementations, each
 * cell counting pass / fail / expected failure / undefined-in-seed (passed
 * on its defined parts) / not declared, in colours that also read without
 * colour (a word and a symbol in every cell, stripes on failures). A click
 * on a cell lists its cases; a failing case opens to the field-aware diff
 * and the hex window, as the console prints them, and — for the first
 * {@link MAX_TRACES} failures of each implementation — the reference's trace
 * through the seed (`deno task explain`; the later ones show the command:
 * a trace is about 8 KB, and a broken implementation fails thousands of runs).
 *
 * @module
 */
import { completeResults, conforms, type ImplReport } from "../runner.ts";
import { coverageLine } from "../cells.ts";
import type { CaseResult } from "../compare.ts";
import { explainCheckpoint, explainRestart, formatExplanation } from "../../reference/explain.ts";
import {
  BAD,
  facetsOf,
  formatFailure,
  type GateInfo,
  notRun,
  type Rerun,
  stoppedOf,
  type UnavailableImpl,
} from "./common.ts";

/** The facets a matrix can be drawn over, with their titles. */
export const DIMENSIONS = [
  ["op", "operation"],
  ["abi", "ABI"],
  ["profile", "profile"],
  ["group", "group"],
  ["cell", "coverage cell"],
] as const;

/** How many failures per implementation the page embeds the reference's trace of. */
export const MAX_TRACES = 20;

/** The reference's trace of a run, as `deno task explain` prints it. */
export function traceText(r: CaseResult): string {
  const c = r.run.case;
  const e = c.op === "checkpoint"
    ? explainCheckpoint(c.state, c.env)
    : explainRestart(c.image, c.env, r.run.profile ?? "seed");
  return formatExplanation(e, r.rid);
}

/** The profile column of a checkpoint run (it has none). */
export const NO_PROFILE = "none (checkpoint)";

/** A facet name. */
export type Dimension = (typeof DIMENSIONS)[number][0];

/** The buckets a cell counts, in display order: symbol and word for each. */
export const BUCKETS = [
  ["fail", "✗", "fail"],
  ["expected", "!", "expected"],
  ["pass", "✓", "pass"],
  ["undefined", "?", "undefined"],
  ["skipped", "–", "not declared"],
  ["notrun", "○", "not run"],
] as const;

/** A bucket name. */
export type Bucket = (typeof BUCKETS)[number][0];

/** The bucket of a result: `undefined` is a pass of a case whose seed answer is undefined. */
export function bucketOf(r: CaseResult): Bucket {
  if (BAD.has(r.status)) return "fail";
  if (notRun(r)) return "notrun";
  if (r.status === "xfail") return "expected";
  if (r.status === "skipped") return "skipped";
  return r.run.class === "undefined-in-seed" ? "undefined" : "pass";
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

type Counts = Record<Bucket, number>;
const zero = (): Counts => ({
  fail: 0,
  expected: 0,
  pass: 0,
  undefined: 0,
  skipped: 0,
  notrun: 0,
});

/** Counts per implementation and facet value. */
export function matrix(reports: readonly ImplReport[], dim: Dimension): Map<string, Counts[]> {
  const rows = new Map<string, Counts[]>();
  reports.forEach((rep, i) => {
    for (const r of completeResults(rep, "the HTML report")) {
      const v = facetsOf(r.run)[dim] ?? NO_PROFILE;
      let row = rows.get(v);
      if (!row) rows.set(v, row = reports.map(zero));
      row[i]![bucketOf(r)]++;
    }
  });
  return new Map([...rows].sort(([a], [b]) => a.localeCompare(b)));
}

function cellHtml(impl: string, dim: string, value: string, c: Counts): string {
  const total = BUCKETS.reduce((n, [b]) => n + c[b], 0);
  const state = c.fail
    ? "fail"
    : c.notrun
    ? "notrun"
    : c.expected
    ? "expected"
    : c.pass + c.undefined
    ? "pass"
    : "none";
  const word = { fail: "FAIL", notrun: "STOPPED", expected: "XFAIL", pass: "PASS", none: "N/A" }[
    state
  ];
  const parts = BUCKETS.filter(([b]) => c[b]).map(([b, sym, w]) =>
    `<span class="n ${b}" title="${w}">${sym} ${c[b]}</span>`
  );
  const data = BUCKETS.map(([b]) => ` data-${b}="${c[b]}"`).join("");
  return `<td><button class="cell ${state}" data-impl="${
    esc(impl)
  }" data-dim="${dim}" data-value="${esc(value)}"${data} data-total="${total}"><b>${word}</b> ${
    parts.join(" ")
  }</button></td>`;
}

function matrixHtml(reports: readonly ImplReport[], dim: Dimension, title: string): string {
  const head = reports.map((r) => `<th>${esc(r.name)}</th>`).join("");
  const rows = [...matrix(reports, dim)].map(([v, counts]) =>
    `<tr><th scope="row">${esc(v)}</th>${
      counts.map((c, i) => cellHtml(reports[i]!.name, dim, v, c)).join("")
    }</tr>`
  );
  return `<section class="matrix" id="by-${dim}"><h2>By ${title}</h2><table><thead><tr><th>${title}</th>${head}</tr></thead><tbody>${
    rows.join("")
  }</tbody></table></section>`;
}

function summaryHtml(rep: ImplReport): string {
  const ok = conforms(rep);
  const lines = [
    `<tr><th scope="row">${esc(rep.name)}</th><td>${
      esc(rep.hello?.name ?? "")
    }</td><td class="verdict ${ok ? "pass" : "fail"}">${
      ok ? "✓ CONFORMS" : "✗ DOES NOT CONFORM"
    }</td><td>${
      esc(rep.hello && rep.coverage ? coverageLine(rep.hello, rep.coverage) : "")
    }</td><td>${(rep.ms / 1000).toFixed(2)} s</td></tr>`,
  ];
  const notes = [
    ...(rep.setupError ? [`setup: ${rep.setupError}`] : []),
    ...(stoppedOf(rep) ? [`stopped early: ${stoppedOf(rep)}`] : []),
    ...(rep.endError ? [`end of input: ${rep.endError}`] : []),
    ...(rep.coverage?.gaps ?? []).map((g) => `not covered: ${g}`),
    ...rep.stale.map((s) =>
      `stale expectation (line ${s.entry.line}: ${s.entry.pattern}): ${
        s.why ?? "matches no failing case"
      }`
    ),
  ];
  if (notes.length) {
    lines.push(
      `<tr class="notes"><td></td><td colspan="4"><ul>${
        notes.map((n) => `<li>✗ ${esc(n)}</li>`).join("")
      }</ul></td></tr>`,
    );
  }
  return lines.join("");
}

/**
 * The data the page's script lists cases from, compact for runs of 100,000
 * cases: each result id once, with an index into a table of its facets
 * (operation, ABI, profile, group, cell, class); each implementation's
 * results as pairs of result-id index and status index; the text of every
 * result that is not a pass.
 */
function pageData(reports: readonly ImplReport[], rerun: Rerun) {
  const ids = new Map<string, number>();
  const rids: (string | number)[] = [];
  const combos = new Map<string, number>();
  const facets: string[][] = [];
  const statuses: string[] = [];
  const statusIdx = new Map<string, number>();
  const impls = reports.map((rep) => {
    const results: number[] = [];
    const details: Record<number, string> = {};
    let traced = 0;
    for (const r of completeResults(rep, "the HTML report")) {
      let i = ids.get(r.rid);
      if (i === undefined) {
        const f = facetsOf(r.run);
        const row = [f.op, f.abi, f.profile ?? NO_PROFILE, f.group, f.cell, r.run.class];
        const key = row.join("\0");
        let c = combos.get(key);
        if (c === undefined) combos.set(key, c = facets.push(row) - 1);
        ids.set(r.rid, i = rids.length / 2);
        rids.push(r.rid, c);
      }
      let s = statusIdx.get(r.status);
      if (s === undefined) statusIdx.set(r.status, s = statuses.push(r.status) - 1);
      results.push(i, s);
      if (BAD.has(r.status) || r.status === "xfail") {
        details[i] = formatFailure(r, rerun(rep.name, r));
        if (traced < MAX_TRACES) {
          traced++;
          details[i] += `\n\n${traceText(r)}`;
        }
      } else if (r.status !== "pass") details[i] = r.detail ?? "";
    }
    return { name: rep.name, results, details };
  });
  return { rids, facets, statuses, impls };
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#111}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.2em 0 .4em}
.meta{color:#555}code,pre{font:12px/1.35 ui-monospace,monospace}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
thead th{background:#f2f2f2}
button.cell{font:inherit;width:100%;text-align:left;border:2px solid transparent;cursor:pointer;padding:3px 6px;border-radius:3px}
button.cell:focus,button.cell.sel{outline:3px solid #1b4fd1}
.cell.pass{background:#d8f5dc}.cell.fail{background:repeating-linear-gradient(135deg,#f9c9c9 0 6px,#f4b0b0 6px 12px);border-color:#b00020}
.cell.expected{background:#fdecc0;border-style:dashed;border-color:#a66b00}.cell.notrun{background:#e4e4f4;border-style:dotted;border-color:#b00020}.cell.none{background:#eee;color:#555}
.verdict.pass{color:#0a6b1f;font-weight:bold}.verdict.na{color:#666;font-weight:bold}.verdict.fail{color:#b00020;font-weight:bold}
.n{white-space:nowrap;margin-left:.4em}.n.fail{color:#b00020;font-weight:bold}
.notes ul{margin:0;padding-left:1.2em;color:#b00020}
.legend span{margin-right:1.2em}
.layout{display:grid;grid-template-columns:max-content minmax(30em,1fr);gap:1.5em;align-items:start}
@media (max-width:900px){.layout{grid-template-columns:minmax(0,1fr)}}
#cases{position:sticky;top:0;max-height:100vh;overflow:auto;border-left:3px solid #ccc;padding-left:1em}
#cases details{margin:.3em 0}#cases summary{cursor:pointer}
#cases pre{background:#f7f7f7;border:1px solid #ddd;padding:.5em;overflow-x:auto;white-space:pre}
.st{display:inline-block;min-width:6.5em;font-weight:bold}.st.bad{color:#b00020}.st.xfail{color:#a66b00}
.grid{display:flex;flex-direction:column}
`;

// The page's script: a click on a cell lists its cases from the embedded data.
const SCRIPT = `
(function(){
var D=JSON.parse(document.getElementById("crconform-data").textContent);
var COL={op:0,abi:1,profile:2,group:3,cell:4},CLASS=5;
function rid(i){return D.rids[2*i]}
function facet(i,c){return D.facets[D.rids[2*i+1]][c]}
var TITLE={op:"operation",abi:"ABI",profile:"profile",group:"group",cell:"cell"};
var BAD={fail:1,unsupported:1,error:1,crash:1,timeout:1,protocol:1,xpass:1};
var ORDER=function(s){return BAD[s]?0:s==="xfail"?1:s==="pass"?2:3};
var LIMIT=500,LIMIT_OTHER=2000;
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!=null)e.textContent=text;return e}
function show(btn){
  document.querySelectorAll("button.cell.sel").forEach(function(b){b.classList.remove("sel")});
  btn.classList.add("sel");
  var impl=D.impls.filter(function(i){return i.name===btn.dataset.impl})[0];
  var col=COL[btn.dataset.dim],value=btn.dataset.value,list=[];
  for(var k=0;k<impl.results.length;k+=2){var i=impl.results[k];if(facet(i,col)===value)list.push([i,D.statuses[impl.results[k+1]]])}
  list.sort(function(a,b){return ORDER(a[1])-ORDER(b[1])||(rid(a[0])<rid(b[0])?-1:1)});
  var box=document.getElementById("cases");box.textContent="";
  box.appendChild(el("h2",null,impl.name+" \\u00d7 "+TITLE[btn.dataset.dim]+" "+value+": "+list.length+" runs"));
  var ul=null,shown=0,passes=0,others=0;
  list.forEach(function(x){
    var id=rid(x[0]),cls=facet(x[0],CLASS),st=x[1],text=impl.details[x[0]];
    if(st==="pass"){passes++;if(shown>=LIMIT)return;shown++;if(!ul){ul=el("ul","passes");box.appendChild(ul)}
      ul.appendChild(el("li",null,"\\u2713 pass "+id+(cls==="undefined-in-seed"?"  (undefined in the seed: defined parts compared)":"")));return}
    if(++others>LIMIT_OTHER)return;
    var d=el("details","case "+(BAD[st]?"bad":st));d.dataset.rid=id;d.dataset.status=st;
    var s=el("summary");s.appendChild(el("span","st "+(BAD[st]?"bad":st),(BAD[st]?"\\u2717 ":st==="xfail"?"! ":st==="not-run"?"\\u25cb ":"\\u2013 ")+st.toUpperCase()));
    s.appendChild(document.createTextNode(" "+id+"  ["+cls+"]"));d.appendChild(s);
    d.appendChild(el("pre",null,text||""));box.appendChild(d);
  });
  if(others>LIMIT_OTHER)box.insertBefore(el("p",null,"\\u2026 and "+(others-LIMIT_OTHER)+" more that are not passes (see the JSON report)"),ul);
  if(passes>shown)box.appendChild(el("p",null,"\\u2026 and "+(passes-shown)+" more passes (see the JSON report)"));
  box.scrollTop=0;
}
document.querySelectorAll("button.cell").forEach(function(b){b.addEventListener("click",function(){show(b)})});
})();
`;

/** Options of the HTML report. */
export interface HtmlOptions {
  /** The re-run command for a result. */
  readonly rerun: Rerun;
  /** The gate's identity. */
  readonly gate?: GateInfo;
  /** The page's title. @default "crconform report" */
  readonly title?: string;
  /** When the run ended. @default now */
  readonly date?: Date;
  /** Bundled implementations this host cannot run (listed under the table, not judged). */
  readonly unavailable?: readonly UnavailableImpl[];
}

function unavailableHtml(u: UnavailableImpl): string {
  return `<tr class="unavailable"><th scope="row">${
    esc(u.name)
  }</th><td></td><td class="verdict na">– UNAVAILABLE HERE</td><td colspan="2">${
    esc(u.reason)
  }<br>fix: <code>${esc(u.fix)}</code></td></tr>`;
}

/** The self-contained HTML report. */
export function htmlReport(reports: readonly ImplReport[], opts: HtmlOptions): string {
  const title = opts.title ?? "crconform report";
  const all = reports.every(conforms);
  const g = opts.gate;
  const data = JSON.stringify(pageData(reports, opts.rerun)).replace(/</g, "\\u003c");
  const legend = BUCKETS.map(([b, sym, w]) => `<span class="n ${b}">${sym} ${w}</span>`).join("");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}: <span class="verdict ${all ? "pass" : "fail"}" id="overall">${
    all ? "✓ every implementation conforms" : "✗ not every implementation conforms"
  }</span></h1>
<p class="meta">${
    g
      ? `crconform ${esc(g.version)} · protocol ${g.protocol} · suite ${
        esc(g.fingerprint)
      } (${g.runs} runs selected) · `
      : ""
  }${esc((opts.date ?? new Date()).toISOString())}</p>
<table id="implementations"><thead><tr><th>implementation</th><th>hello</th><th>verdict</th><th>covered</th><th>time</th></tr></thead>
<tbody>${reports.map(summaryHtml).join("")}${
    (opts.unavailable ?? []).map(unavailableHtml).join("")
  }</tbody></table>
<p class="legend">In each cell: ${legend} — undefined: passed on the bytes the seed defines; click a cell to list its cases.</p>
<main class="layout"><div class="grid">${
    DIMENSIONS.map(([d, t]) => matrixHtml(reports, d, t)).join("\n")
  }</div>
<aside id="cases"><p>Click a cell to list its cases.</p></aside></main>
<script type="application/json" id="crconform-data">${data}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
