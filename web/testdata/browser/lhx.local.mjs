import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import * as chromeLauncher from "chrome-launcher";
const [url, form = "mobile", n = "1", block = ""] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({ chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
try {
  for (let i = 0; i < +n; i++) {
    const flags = { port: chrome.port, logLevel: "error", onlyCategories: ["performance"] };
    if (block) flags.blockedUrlPatterns = block.split(",");
    const run = await lighthouse(url, flags, form === "desktop" ? desktopConfig : undefined);
    const a = run.lhr.audits;
    const lt = (a["long-tasks"].details?.items || []).map(x => `${x.url.replace(/^https?:\/\/[^/]+/, "")}:${Math.round(x.duration)}@${Math.round(x.startTime)}`).join(" ");
    const mw = (a["mainthread-work-breakdown"].details?.items || []).map(x => `${x.group}:${Math.round(x.duration)}`).join(" ");
    console.log(form, Math.round(run.lhr.categories.performance.score * 100), "TBT", a["total-blocking-time"].displayValue, "LCP", a["largest-contentful-paint"].displayValue, "CLS", a["cumulative-layout-shift"].displayValue, "SI", a["speed-index"].displayValue, "|", lt, "|", mw);
  }
} finally { await chrome.kill(); }
