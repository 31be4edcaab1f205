// The portal as a phone user feels it, in Chromium against the release
// server and the built portal (run by scripts/bench.sh):
//   - time to usable: from navigation to Sign in's button on screen, median
//     of 15 cold loads (a new browser context each: empty caches, no service
//     worker), beside a hand-written page with the same form served from
//     loopback in the same run, the control;
//   - the same on a second visit, the service worker's shell in place;
//   - crossing sections: a click on the link to its heading on screen,
//     median of 5 each way, My devices -> Apps -> My devices, and a device's
//     Overview -> Apps tab -> Overview.
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser, newPage, signIn, startNode } from "../tests/e2e/support.mjs";

const LOADS = 15;
const CROSSINGS = 5;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

// The control: the same form, no script, from loopback.
const CONTROL = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in</title></head>
<body><main><h1>Sign in</h1><form><label>Email <input type="email"></label>
<label>Password <input type="password"></label><button type="submit">Sign in</button></form></main></body></html>`;

// Records when a button reading "Sign in" is first in the page, relative to
// the navigation's start (performance's time origin).
function recordUsable() {
  const seen = () => [...document.querySelectorAll("button")].some((b) => b.textContent.trim() === "Sign in");
  new MutationObserver((_, observer) => {
    if (seen()) {
      window.__usable = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
}

async function timeToUsable(browser, url, context) {
  const page = context ? await context.newPage() : await newPage(browser);
  await page.addInitScript(recordUsable);
  await page.goto(url);
  const at = await page.waitForFunction(() => window.__usable).then((h) => h.jsonValue());
  if (!context) await page.context().close();
  else await page.close();
  return at;
}

/// From the click to the heading on screen, and `tab` (a device's) marked current.
async function crossing(page, click, heading, tab) {
  const start = performance.now();
  await click();
  await page.getByRole("heading", { name: heading, exact: true }).waitFor();
  if (tab) await page.locator('nav[aria-label="Device"] a[aria-current="page"]', { hasText: tab }).waitFor();
  return performance.now() - start;
}

const control = createServer((_, response) => response.writeHead(200, { "content-type": "text/html" }).end(CONTROL));
await new Promise((resolve) => control.listen(0, "127.0.0.1", resolve));
const controlUrl = `http://127.0.0.1:${control.address().port}/`;

const dir = mkdtempSync(join(tmpdir(), "portal-bench-"));
const server = await startNode(["--demo", "--data-dir", dir, "--database-url", `sqlite://${join(dir, "portal.db")}`]);
const browser = await launchBrowser();
const figures = {};
try {
  const portal = [];
  const plain = [];
  for (let i = 0; i < LOADS; i++) {
    // Alternated, so that whatever else the machine does weighs on both.
    portal.push(await timeToUsable(browser, `${server.url}/sign-in`));
    plain.push(await timeToUsable(browser, controlUrl));
  }
  figures.usable = median(portal);
  figures.control = median(plain);

  // A second visit: the worker registered by the first serves the shell.
  const context = await browser.newContext();
  const first = await context.newPage();
  await first.goto(`${server.url}/sign-in`);
  await first.evaluate(() => navigator.serviceWorker.ready);
  await first.reload();
  const again = [];
  for (let i = 0; i < LOADS; i++) again.push(await timeToUsable(browser, `${server.url}/sign-in`, context));
  figures.usableAgain = median(again);
  await context.close();

  const page = await newPage(browser);
  await page.goto(`${server.url}/sign-in`);
  await signIn(page, "ada@example.com");
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  const nav = page.getByRole("navigation", { name: "Main" });
  const toApps = [];
  const toDevices = [];
  for (let i = 0; i < CROSSINGS; i++) {
    toApps.push(await crossing(page, () => nav.getByRole("link", { name: "Apps" }).click(), "Apps"));
    toDevices.push(await crossing(page, () => nav.getByRole("link", { name: "My devices" }).click(), "My devices"));
  }
  const device = await page.locator(".cp-device__name a").first().textContent();
  await page.getByRole("link", { name: device }).click();
  await page.getByRole("heading", { name: device }).waitFor();
  const tabs = page.getByRole("navigation", { name: "Device" });
  const toTab = [];
  const toOverview = [];
  for (let i = 0; i < CROSSINGS; i++) {
    toTab.push(await crossing(page, () => tabs.getByRole("link", { name: "Apps" }).click(), device, "Apps"));
    toOverview.push(await crossing(page, () => tabs.getByRole("link", { name: "Overview" }).click(), device, "Overview"));
  }
  Object.assign(figures, {
    myDevicesToApps: median(toApps),
    appsToMyDevices: median(toDevices),
    overviewToAppsTab: median(toTab),
    appsTabToOverview: median(toOverview),
  });
} finally {
  await browser.close();
  await server.stop();
  control.close();
  rmSync(dir, { recursive: true, force: true });
}

const ms = (value) => `${value.toFixed(0)} ms`;
console.log(`time to usable, Sign in (median of ${LOADS} cold loads): ${ms(figures.usable)}; control page ${ms(figures.control)}; ratio ${(figures.usable / figures.control).toFixed(2)}`);
console.log(`time to usable, second visit (service worker's shell): ${ms(figures.usableAgain)}`);
console.log(`crossing (median of ${CROSSINGS}): My devices -> Apps ${ms(figures.myDevicesToApps)}, Apps -> My devices ${ms(figures.appsToMyDevices)}`);
console.log(`crossing (median of ${CROSSINGS}): Overview -> Apps tab ${ms(figures.overviewToAppsTab)}, Apps tab -> Overview ${ms(figures.appsTabToOverview)}`);
