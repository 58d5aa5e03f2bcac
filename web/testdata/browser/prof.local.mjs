import puppeteer from "puppeteer-core";
const [url] = process.argv.slice(2);
const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", headless: "new", args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
const agg = new Map();
for (let i = 0; i < 3; i++) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  await page.setViewport({ width: 412, height: 823 });
  const cdp = await page.createCDPSession();
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  await cdp.send("Profiler.start");
  await page.goto(url, { waitUntil: "load" });
  await new Promise(r => setTimeout(r, 1000));
  const { profile } = await cdp.send("Profiler.stop");
  const dt = {}; // self time per node
  const ids = profile.samples;
  for (let k = 0; k < ids.length; k++) dt[ids[k]] = (dt[ids[k]] || 0) + (profile.timeDeltas[k + 1] || 0);
  for (const n of profile.nodes) {
    const f = n.callFrame; const key = `${f.functionName || "(anon)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
    agg.set(key, (agg.get(key) || 0) + (dt[n.id] || 0) / 1000 / 3);
  }
  await ctx.close();
}
[...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 18).forEach(([k, v]) => console.log(v.toFixed(1).padStart(7), k));
await browser.close();
