import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";
import { writeFileSync } from "node:fs";
const [url, out] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({ chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
try {
  const run = await lighthouse(url, { port: chrome.port, logLevel: "error", onlyCategories: ["performance"] });
  const tr = run.artifacts.Trace || run.artifacts.traces?.defaultPass;
  writeFileSync(out, JSON.stringify(tr.traceEvents));
  console.log(Math.round(run.lhr.categories.performance.score * 100), run.lhr.audits["total-blocking-time"].displayValue);
} finally { await chrome.kill(); }
