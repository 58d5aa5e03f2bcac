// Measures what pages cost the browser's main thread, unthrottled: for
// each path, N fresh loads in headless Chromium at phone size, and the
// minimum and median of Chromium's own counters (Performance.getMetrics:
// task, layout, style and script time) and the layout shift seen in the
// first two seconds. Minimums say more than Lighthouse's scores on a busy
// machine. A path ending in #nojs loads with JavaScript off.
// Used for the figures in docs/performance.md.
//
// usage: node pagecost.mjs BASE_URL N PATH...   (CHROME_PATH: the browser)
import puppeteer from "puppeteer-core";

const [base, n, ...paths] = process.argv.slice(2);
if (!base || base === "-h" || base === "--help" || !(+n > 0) || paths.length === 0) {
  console.log("usage: node pagecost.mjs BASE_URL N PATH...  (CHROME_PATH: the browser; PATH#nojs: without JavaScript)");
  process.exit(0);
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
      await page.goto(base + path, { waitUntil: "load" });
      await new Promise((r) => setTimeout(r, 2000));
      const m = await page.metrics();
      const cls = nojs ? 0 : await page.evaluate(() => window.__cls);
      rows.push({ task: m.TaskDuration * 1000, layout: m.LayoutDuration * 1000, style: m.RecalcStyleDuration * 1000, script: m.ScriptDuration * 1000, cls });
      await ctx.close();
    }
    const sorted = (k) => rows.map((r) => r[k]).sort((a, b) => a - b);
    const fmt = (k) => `${k} ${Math.round(sorted(k)[0])}/${Math.round(sorted(k)[rows.length >> 1])}`;
    console.log(`${p.padEnd(32)} ms min/median: ${["task", "layout", "style", "script"].map(fmt).join(", ")}; CLS max ${Math.max(...rows.map((r) => r.cls)).toFixed(3)}`);
  }
} finally {
  await browser.close();
}
