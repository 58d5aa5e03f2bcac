import puppeteer from "puppeteer-core";
const [base, out, ...specs] = process.argv.slice(2);
const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", headless: "new", args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
for (const spec of specs) {
  const [path, w, h, name, clipY] = spec.split("|");
  const page = await browser.newPage();
  await page.emulateTimezone("Europe/Berlin");
  await page.setViewport({ width: +w, height: 800 });
  await page.goto(base + path, { waitUntil: "load" });
  await new Promise(r => setTimeout(r, 500));
  const H = await page.evaluate(() => document.documentElement.scrollHeight);
  console.log(name, "height", H);
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: !h, clip: h ? { x: 0, y: +(clipY || 0), width: +w, height: +h } : undefined });
  await page.close();
}
await browser.close();
