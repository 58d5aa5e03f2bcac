import puppeteer from "puppeteer-core";
const [base, ...paths] = process.argv.slice(2);
const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", headless: "new", args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
for (const p of paths) for (const [w, h] of [[412, 823], [1350, 940]]) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  await page.setViewport({ width: w, height: h });
  await page.evaluateOnNewDocument(() => {
    window.__shifts = [];
    new PerformanceObserver(l => { for (const e of l.getEntries()) window.__shifts.push({ v: e.value, t: Math.round(e.startTime), src: e.sources.map(s => (s.node ? (s.node.nodeType === 1 ? s.node.outerHTML.slice(0, 90) : "#text " + s.node.textContent.slice(0, 40)) : "?") + ` ${s.previousRect.y}->${s.currentRect.y} h${s.previousRect.height}->${s.currentRect.height}`) }); }).observe({ type: "layout-shift", buffered: true });
  });
  await page.goto(base + p, { waitUntil: "load" });
  await new Promise(r => setTimeout(r, 2000));
  const s = await page.evaluate(() => window.__shifts);
  console.log(p, w, "CLS", s.reduce((a, e) => a + e.v, 0).toFixed(4));
  for (const e of s) console.log("   ", e.v.toFixed(4), "@" + e.t, e.src.join(" | "));
  await ctx.close();
}
await browser.close();
