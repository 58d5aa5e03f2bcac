// Runs Lighthouse on pages of a running techconf server, mobile and
// desktop, in one Chromium, and prints a JSON array of results: the four
// category scores and the audits that did not pass. Used by the web
// package's TestLighthouse.
//
// usage: node lighthouse.mjs BASE_URL PATH...   (CHROME_PATH: the browser)
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
const results = [];
try {
  for (const formFactor of ["mobile", "desktop"]) {
    for (const path of paths) {
      const run = await lighthouse(base + path, { port: chrome.port, logLevel: "error", onlyCategories: categories },
        formFactor === "desktop" ? desktopConfig : undefined);
      const lhr = run.lhr;
      if (process.env.LIGHTHOUSE_DUMP) {
        writeFileSync(`${process.env.LIGHTHOUSE_DUMP}/${formFactor}${path.replaceAll("/", "_")}.json`, JSON.stringify(lhr));
        const trace = run.artifacts.Trace || (run.artifacts.traces && run.artifacts.traces.defaultPass);
        if (trace) {
          writeFileSync(`${process.env.LIGHTHOUSE_DUMP}/${formFactor}${path.replaceAll("/", "_")}.trace.json`, JSON.stringify(trace));
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
      results.push({ path, formFactor, scores, failed, metrics, shifts });
    }
  }
} finally {
  await chrome.kill();
}
console.log(JSON.stringify(results));
