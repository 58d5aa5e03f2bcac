// Measures what pages cost the browser's main thread, unthrottled: for
// each path, N fresh loads in headless Chromium at phone size, and the
// minimum and median of Chromium's own counters (Performance.getMetrics:
// task, layout, style and script time) and the layout shift seen in the
// first two seconds; and, from a trace, the CPU time of the main thread's
// task that runs app.js ("app task": Lighthouse's total blocking time is
// the part of such tasks above 50 ms, times four on mobile), the main
// thread's CPU time and its longest task's (see mainCPU), and how many
// layout objects were laid out (see laidOut). Minimums say
// more than Lighthouse's scores on a busy machine. A path ending in #nojs
// loads with JavaScript off.
// Used for the figures in docs/performance.md.
//
// usage: node pagecost.mjs BASE_URL N PATH...   (CHROME_PATH: the browser)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const [base, n, ...paths] = process.argv.slice(2);
if (!base || base === "-h" || base === "--help" || !(+n > 0) || paths.length === 0) {
  console.log("usage: node pagecost.mjs BASE_URL N PATH...  (CHROME_PATH: the browser; PATH#nojs: without JavaScript)");
  process.exit(0);
}
const traceDir = mkdtempSync(join(tmpdir(), "pagecost-"));
const traceFile = join(traceDir, "trace.json");

// appTask is the thread time, in ms, of the task in which app.js ran (0
// when it did not run).
function appTask(events) {
  const run = events.find((e) => e.name === "EvaluateScript" && /\/static\/app\./.test((e.args && e.args.data && e.args.data.url) || ""));
  if (!run) { return 0; }
  const task = events.find((e) => e.name === "RunTask" && e.ph === "X" && e.pid === run.pid && e.tid === run.tid &&
    e.ts <= run.ts && e.ts + e.dur >= run.ts + run.dur);
  return task ? (task.tdur || task.dur) / 1000 : 0;
}

// laidOut is how many layout objects the page's layouts touched (the sum
// of Chromium's dirty objects over its Layout events): unlike times, it
// does not depend on how busy the machine is.
function laidOut(events) {
  const parse = events.find((e) => e.name === "ParseHTML" && /^https?:/.test(((e.args || {}).beginData || {}).url || ""));
  if (!parse) { return 0; }
  return events.filter((e) => e.name === "Layout" && e.pid === parse.pid && e.tid === parse.tid && e.args && e.args.beginData)
    .reduce((sum, e) => sum + (e.args.beginData.dirtyObjects || 0), 0);
}

// mainCPU is the CPU time, in ms, of the page's main thread (all its
// tasks) and of its longest task: thread time, which other processes on a
// busy machine change far less than they change wall-clock durations.
function mainCPU(events) {
  const parse = events.find((e) => e.name === "ParseHTML" && /^https?:/.test(((e.args || {}).beginData || {}).url || ""));
  if (!parse) { return { cpu: 0, longest: 0 }; }
  const tasks = events.filter((e) => e.name === "RunTask" && e.ph === "X" && e.pid === parse.pid && e.tid === parse.tid);
  return { cpu: tasks.reduce((sum, e) => sum + (e.tdur || 0), 0) / 1000, longest: Math.max(0, ...tasks.map((e) => (e.tdur || 0) / 1000)) };
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium", headless: "new",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  for (const p of paths) {
    const [path, nojs] = p.split("#");
    const rows = [];
    for (let i = 0; i < +n; i++) {
      const ctx = await browser.createBrowserContext();
      const page = await ctx.newPage();
      await page.setViewport({ width: 412, height: 823 });
      if (nojs) { await page.setJavaScriptEnabled(false); }
      await page.evaluateOnNewDocument(() => {
        window.__cls = 0;
        new PerformanceObserver((l) => { for (const e of l.getEntries()) { window.__cls += e.value; } })
          .observe({ type: "layout-shift", buffered: true });
      });
      await page.tracing.start({ path: traceFile, categories: ["devtools.timeline", "disabled-by-default-devtools.timeline"] });
      await page.goto(base + path, { waitUntil: "load" });
      await new Promise((r) => setTimeout(r, 2000));
      await page.tracing.stop();
      const m = await page.metrics();
      const cls = nojs ? 0 : await page.evaluate(() => window.__cls);
      const events = JSON.parse(readFileSync(traceFile, "utf8")).traceEvents;
      rows.push({ task: m.TaskDuration * 1000, layout: m.LayoutDuration * 1000, style: m.RecalcStyleDuration * 1000, script: m.ScriptDuration * 1000,
        "app task": appTask(events), "laid out": laidOut(events), ...mainCPU(events), cls });
      await ctx.close();
    }
    const sorted = (k) => rows.map((r) => r[k]).sort((a, b) => a - b);
    const fmt = (k) => `${k} ${Math.round(sorted(k)[0])}/${Math.round(sorted(k)[rows.length >> 1])}`;
    console.log(`${p.padEnd(32)} ms min/median: ${["task", "layout", "style", "script", "app task"].map(fmt).join(", ")}; ` +
      `main-thread CPU ${fmt("cpu").slice(4)}, longest task ${fmt("longest").slice(8)}; ` +
      `objects ${fmt("laid out").slice("laid out ".length)} laid out; CLS max ${Math.max(...rows.map((r) => r.cls)).toFixed(3)}`);
  }
} finally {
  await browser.close();
  rmSync(traceDir, { recursive: true, force: true });
}
