// The HTML report in a real browser: headless Chromium loads the report of a
// run with a failing mutant (m08: HEAD.rev written as 0), the test reads the
// matrix's counts from the DOM, clicks a failing cell and a failing case, and
// checks the diff is there; it saves a screenshot of that state.
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { buildC } from "../harness/build.ts";

const CLI = new URL("./conform.ts", import.meta.url).pathname;

function findChromium(): string | undefined {
  const names = [Deno.env.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"];
  for (const n of names) {
    if (!n) continue;
    if (n.includes("/")) return n;
    for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
      try {
        if (Deno.statSync(`${dir}/${n}`).isFile) return `${dir}/${n}`;
      } catch { /* not here */ }
    }
  }
  return undefined;
}

const CHROMIUM = findChromium();
if (!CHROMIUM) {
  console.warn(
    "html_browser_test: SKIPPED, no chromium on PATH (install it: tools/deno/deno task setup; .ci/run does)",
  );
}

/** Runs headless Chromium on a page with extra arguments; returns its stdout. */
async function chromium(profile: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(CHROMIUM!, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--hide-scrollbars",
      `--user-data-dir=${profile}`,
      "--window-size=1400,1000",
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(90_000),
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`chromium exited ${out.code}: ${err.slice(-2000)}`);
  return new TextDecoder().decode(out.stdout);
}

// Runs in the page after its own script: reads every cell, clicks one, opens its first failure.
const PROBE = `<script>
(function(){
  var out={cells:{}};
  document.querySelectorAll("button.cell").forEach(function(b){
    out.cells[b.dataset.impl+"|"+b.dataset.dim+"|"+b.dataset.value]={
      fail:+b.dataset.fail,expected:+b.dataset.expected,pass:+b.dataset.pass,
      undefined:+b.dataset.undefined,skipped:+b.dataset.skipped,word:b.querySelector("b").textContent};
  });
  var cell=document.querySelector('button.cell[data-impl="m08"][data-dim="op"][data-value="checkpoint"]');
  cell.click();
  out.heading=document.querySelector("#cases h2").textContent;
  out.failures=document.querySelectorAll("#cases details.case.bad").length;
  var d=document.querySelector("#cases details.case.bad");
  var pre=d.querySelector("pre");
  var shown=function(e){return e.checkVisibility?e.checkVisibility():e.getClientRects().length>0};
  out.first={rid:d.dataset.rid,status:d.dataset.status,openBefore:d.open,shownBefore:shown(pre)};
  d.querySelector("summary").click();
  out.first.openAfter=d.open;
  out.first.shownAfter=shown(pre);
  out.first.diff=pre.textContent;
  var json=JSON.stringify(out).replace(/[^\\x20-\\x7e]/g,function(c){return "\\\\u"+("000"+c.charCodeAt(0).toString(16)).slice(-4)});
  document.documentElement.setAttribute("data-probe",btoa(json));
})();
</script>`;

Deno.test({
  name:
    "the HTML report in headless Chromium: matrix counts match the JSON report; a click on a failing cell and case shows the diff",
  ignore: !CHROMIUM,
  async fn() {
    const bin = await buildC(["-DMUTANT=m08"]);
    const dir = await Deno.makeTempDir({ prefix: "crconform-html-" });
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CLI,
        "--only",
        "reference",
        "--only",
        "m08",
        "--impl",
        `m08=${bin}`,
        "--abi",
        "x86_64",
        "--cases",
        "2",
        "--fuzz",
        "0",
        "--quiet",
        "--no-shrink",
        "--json",
        `${dir}/r.json`,
        "--html",
        `${dir}/r.html`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    strictEqual(run.code, 1, new TextDecoder().decode(run.stderr));

    // What the cells must say, from the JSON report of the same run.
    const json = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    const want: Record<string, Record<string, number>> = {};
    const bad = new Set(["fail", "unsupported", "error", "crash", "timeout", "protocol", "xpass"]);
    for (const impl of json.implementations) {
      for (const r of impl.results) {
        const key = `${impl.name}|op|${r.op}`;
        const c = want[key] ??= { fail: 0, expected: 0, pass: 0, undefined: 0, skipped: 0 };
        const b = bad.has(r.status)
          ? "fail"
          : r.status === "xfail"
          ? "expected"
          : r.status === "skipped"
          ? "skipped"
          : r.class === "undefined-in-seed"
          ? "undefined"
          : "pass";
        c[b]!++;
      }
    }

    const page = (await Deno.readTextFile(`${dir}/r.html`)).replace("</body>", `${PROBE}</body>`);
    await Deno.writeTextFile(`${dir}/probe.html`, page);
    const dom = await chromium(`${dir}/profile`, ["--dump-dom", `file://${dir}/probe.html`]);
    const b64 = /data-probe="([A-Za-z0-9+/=]+)"/.exec(dom)?.[1];
    ok(b64, `the probe did not run: ${dom.slice(0, 500)}`);
    const probe = JSON.parse(atob(b64));

    for (const [key, counts] of Object.entries(want)) {
      const { word: _, ...got } = probe.cells[key];
      deepStrictEqual(got, counts, key);
    }
    ok(want["m08|op|checkpoint"]!.fail! > 100, "m08 fails the checkpoint cases");
    strictEqual(probe.cells["m08|op|checkpoint"].word, "FAIL");
    strictEqual(probe.cells["reference|op|checkpoint"].word, "PASS");
    strictEqual(probe.cells["m08|op|restart"].word, "PASS");
    // A cell's drill-down lists its failures up to the page's own limit.
    const limit = Number(/LIMIT_OTHER=(\d+)/.exec(page)?.[1]);
    ok(limit > 0, "the page states its limit of listed failures");
    strictEqual(probe.failures, Math.min(want["m08|op|checkpoint"]!.fail!, limit));
    match(probe.heading, /^m08 × operation checkpoint: \d+ runs$/);
    deepStrictEqual(
      [
        probe.first.openBefore,
        probe.first.shownBefore,
        probe.first.openAfter,
        probe.first.shownAfter,
      ],
      [false, false, true, true],
    );
    strictEqual(probe.first.status, "fail");
    match(probe.first.diff, /HEAD\.rev @0x016: expected 0100 got 0000/);
    match(probe.first.diff, /expected 0x0008: .*\[01\]/);
    match(probe.first.diff, /actual {3}0x0008: .*\[00\]/);
    match(probe.first.diff, /re-run: .* --only m08 .*--filter checkpoint\/x86_64\//);

    // A picture of the same state (the matrix, the failing cell's cases, the open diff).
    const shots = Deno.env.get("CRCONFORM_SCREENSHOTS") ??
      `${dir.replace(/\/[^/]*$/, "")}/crconform-screenshots`;
    await Deno.mkdir(shots, { recursive: true });
    await chromium(`${dir}/profile`, [
      `--screenshot=${shots}/html-report.png`,
      `file://${dir}/probe.html`,
    ]);
    ok(Deno.statSync(`${shots}/html-report.png`).size > 10_000);
    console.log(`screenshot: ${shots}/html-report.png`);
    await Deno.remove(dir, { recursive: true });
  },
});
