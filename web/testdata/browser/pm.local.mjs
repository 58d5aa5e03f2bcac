import puppeteer from "puppeteer-core";
const [base, n, ...paths] = process.argv.slice(2);
const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", headless: "new", args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
for (const p of paths) {
  const [path, nojs] = p.split("#");
  const rows = [];
  for (let i = 0; i < +n; i++) {
    const ctx = await browser.createBrowserContext();
    const page = await ctx.newPage();
    await page.setViewport({ width: 412, height: 823 });
    if (nojs) await page.setJavaScriptEnabled(false);
    await page.goto(base + path, { waitUntil: "load" });
    await new Promise(r => setTimeout(r, 1500));
    const m = Object.fromEntries((await page.metrics ? Object.entries(await page.metrics()) : []));
    rows.push({ task: m.TaskDuration * 1000, layout: m.LayoutDuration * 1000, style: m.RecalcStyleDuration * 1000, script: m.ScriptDuration * 1000 });
    await ctx.close();
  }
  const min = k => Math.round(Math.min(...rows.map(r => r[k])));
  const med = k => Math.round(rows.map(r => r[k]).sort((a, b) => a - b)[rows.length >> 1]);
  console.log(p.padEnd(36), "min/med ms: task", min("task"), med("task"), "layout", min("layout"), med("layout"), "style", min("style"), med("style"), "script", min("script"), med("script"));
}
await browser.close();
