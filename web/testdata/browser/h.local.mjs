import puppeteer from "puppeteer-core";
const [url] = process.argv.slice(2);
const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", headless: "new", args: ["--no-sandbox"] });
const page = await browser.newPage();
await page.setViewport({ width: 390, height: 800 });
await page.goto(url, { waitUntil: "load" });
console.log(await page.evaluate(() => {
  const r = [];
  for (const s of document.querySelectorAll("header.site, main > *, footer.site")) r.push(`${s.tagName}#${s.id}.${s.className}: ${Math.round(s.getBoundingClientRect().height)}`);
  const cards = [...document.querySelectorAll("#timetable .card")];
  r.push("cards " + cards.length + " total " + Math.round(cards.reduce((a, c) => a + c.getBoundingClientRect().height, 0)));
  const tags = [...document.querySelectorAll("#timetable .card .tags")];
  r.push("tags rows total " + Math.round(tags.reduce((a, c) => a + c.getBoundingClientRect().height + 8, 0)));
  const times = [...document.querySelectorAll("#timetable .tg-time")];
  r.push("slot headings " + times.length + " total " + Math.round(times.reduce((a, c) => a + c.getBoundingClientRect().height + 16, 0)));
  const ex = document.querySelector(".expo"); r.push("floor " + Math.round(document.querySelector(".floor").getBoundingClientRect().height) + " booths " + Math.round(document.querySelector(".booths").getBoundingClientRect().height));
  return r.join("\n");
}));
await browser.close();
