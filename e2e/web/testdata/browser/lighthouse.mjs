// Runs Lighthouse on pages of a running techconf server, mobile and
// desktop, in one Chromium, and prints a JSON array of results: the four
// category scores and the audits that did not pass. Used by the web
// package's TestLighthouse.
//
// usage: node lighthouse.mjs BASE_URL PATH...   (CHROME_PATH: the browser)
// With LIGHTHOUSE_RUNS=N it measures every page N times (default 1), each
// run its own result, to see how the scores spread.
//
// Before measuring, one run on the first page warms the browser up and is
// thrown away. In a freshly started Chromium here, the first page's first
// frame was often shown a second late (in 3 of 4 new browsers, on
// whichever page went first): the compositor held a finished frame until
// something else asked for one, and Lighthouse counted that second in the
// page's speed index. The same stall comes now and then later too (about
// one run in ten); it is the browser's, not the page's.
// With LIGHTHOUSE_DUMP=DIR it also writes each full report there
// (FORMFACTOR-PATH.json) and its trace (FORMFACTOR-PATH.trace.json), to
// find what costs performance or what moved.
import { writeFileSync } from "node:fs";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import * as chromeLauncher from "chrome-launcher";

const [base, ...paths] = process.argv.slice(2);
if (!base || base === "-h" || base === "--help" || paths.length === 0) {
  console.log("usage: node lighthouse.mjs BASE_URL PATH...  (CHROME_PATH: the browser)");
  process.exit(0);
}
const categories = ["performance", "accessibility", "best-practices", "seo"];
const chrome = await chromeLauncher.launch({
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const runs = Number(process.env.LIGHTHOUSE_RUNS || "1");
if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
  console.error(`LIGHTHOUSE_RUNS=${process.env.LIGHTHOUSE_RUNS}: want a whole number from 1 to 20`);
  process.exit(2);
}
const results = [];
try {
  await lighthouse(base + paths[0], { port: chrome.port, logLevel: "error", onlyCategories: ["performance"] });
  for (const formFactor of ["mobile", "desktop"]) {
    for (let round = 1; round <= runs; round++) for (const path of paths) {
      const run = await lighthouse(base + path, { port: chrome.port, logLevel: "error", onlyCategories: categories },
        formFactor === "desktop" ? desktopConfig : undefined);
      const lhr = run.lhr;
      if (process.env.LIGHTHOUSE_DUMP) {
        const name = `${process.env.LIGHTHOUSE_DUMP}/${formFactor}${path.replaceAll("/", "_")}${runs > 1 ? "-" + round : ""}`;
        writeFileSync(`${name}.json`, JSON.stringify(lhr));
        const trace = run.artifacts.Trace || (run.artifacts.traces && run.artifacts.traces.defaultPass);
        if (trace) {
          writeFileSync(`${name}.trace.json`, JSON.stringify(trace));
        }
      }
      const scores = {};
      const failed = [];
      for (const id of categories) {
        const cat = lhr.categories[id];
        scores[id] = Math.round(cat.score * 100);
        for (const ref of cat.auditRefs) {
          const a = lhr.audits[ref.id];
          if (ref.weight > 0 && a.score !== null && a.score < 1) {
            failed.push({ category: id, id: ref.id, score: a.score, title: a.title, value: a.displayValue || "" });
          }
        }
      }
      const metric = (id) => lhr.audits[id].numericValue;
      const metrics = { cls: metric("cumulative-layout-shift"), tbt: metric("total-blocking-time"),
        lcp: metric("largest-contentful-paint"), fcp: metric("first-contentful-paint"), si: metric("speed-index") };
      // What moved, when anything did: the element and its share of the
      // layout shift, to find a shift that plain Chromium does not show.
      const shifts = ((lhr.audits["layout-shifts"] || {}).details || { items: [] }).items
        .map((it) => ({ score: it.score, node: (it.node && (it.node.selector || it.node.snippet)) || "" }));
      // The first frame as the browser showed it, unthrottled: a second
      // or more here is the browser's stall described above.
      // (0 when Lighthouse could not compute its metrics: the scores
      // above say so, and the other runs still report.)
      const observed = ((lhr.audits.metrics || {}).details || { items: [{}] }).items[0];
      results.push({ path, formFactor, round, scores, failed, metrics, shifts,
        observedFCP: observed.observedFirstContentfulPaint || 0 });
    }
  }
} finally {
  await chrome.kill();
}
console.log(JSON.stringify(results));
