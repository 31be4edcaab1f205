// The portal as a phone user feels it, in Chromium against the release
// server and the built portal (run by scripts/bench.sh):
//   - time to usable: from navigation to Sign in's button on screen, median
//     of 15 cold loads (a new browser context each: empty caches, no service
//     worker), beside a hand-written page with the same form served from
//     loopback in the same run, the control; the same from the portal's
//     address, /, which the server sends on to Sign in; the same two from a
//     page of another site, as a user's tab usually is, typed in a new tab
//     (from the browser's new tab page), and through a link of another
//     site's page that opens a new tab (as webmail's links do); and when the
//     portal behind it has started (the portal's `portal-started`), which
//     takes over a press made before;
//   - the same on a second visit, the service worker's shell in place;
//   - crossing sections: a click on the link to its heading on screen,
//     median of 5 each way, My devices -> Apps -> My devices, My devices ->
//     Add device -> My devices (the account bundle), and a device's
//     Overview -> Apps tab -> Overview; timed in the browser from the click
//     event to the heading in the page, and as the test driver sees it (its
//     click() first waits for the link to be visible, stable and hit: some
//     35 ms that no user waits).
// Prints one table beside the references and the previous run, writes
// target/bench/portal.json and portal.svg (a chart beside the previous run),
// and records its figures for scripts/bench.sh's table (scripts/lib/figures.mjs).
// With --trace, also a Chromium trace of one cold load of Sign in and of one
// crossing to Apps (target/bench/*.trace.json, for DevTools' Performance
// panel): where the time goes.
import { createServer } from "node:http";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser, newPage, signIn, startNode } from "../tests/e2e/support.mjs";
import { record, report } from "./lib/figures.mjs";

const LOADS = 15;
const TRACE = process.argv.includes("--trace");
const out = "target/bench";
mkdirSync(out, { recursive: true });
const TRACED = ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing", "loading", "v8.execute", "v8.wasm"];
const CROSSINGS = 5;
// Where an address typed in a new tab starts.
const NEW_TAB = "chrome://newtab";

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
  addEventListener("portal-started", () => (window.__started = performance.now()));
}

/// `from`: the page the load starts from: another site's, as a user's tab
/// usually has, or the browser's new tab page, where a typed address
/// starts (a new renderer process either way, COOP or not). `byLink`: from
/// there, a click on a link that opens a new tab.
async function timeToUsable(browser, url, { context, from, byLink } = {}) {
  let page = context ? await context.newPage() : await newPage(browser);
  if (from) await page.goto(from);
  if (byLink) {
    await page.context().addInitScript(recordUsable);
    await page.evaluate((url) => {
      const link = Object.assign(document.createElement("a"), { href: url, target: "_blank", textContent: "Company Portal" });
      document.body.append(link);
    }, url);
    [page] = await Promise.all([page.context().waitForEvent("page"), page.getByRole("link").click()]);
  } else {
    await page.addInitScript(recordUsable);
    await page.goto(url);
  }
  const at = await page.waitForFunction(() => window.__usable).then((h) => h.jsonValue());
  const started = url.startsWith(controlUrl) ? undefined : await page.waitForFunction(() => window.__started).then((h) => h.jsonValue());
  if (!context) await page.context().close();
  else await page.close();
  return { at, started };
}

// Records, on the page's clock and across its documents, when a click
// happened, and when each heading and current device tab first appeared.
// Within one document (a device's two tabs), what was seen before the
// click is forgotten: only what the crossing puts in the page counts.
function recordCrossings() {
  const seen = (window.__seen = {});
  addEventListener(
    "click",
    (event) => {
      sessionStorage.setItem("clickAt", String(performance.timeOrigin + event.timeStamp));
      for (const key of Object.keys(seen)) delete seen[key];
    },
    true,
  );
  new MutationObserver(() => {
    const now = performance.timeOrigin + performance.now();
    for (const h1 of document.querySelectorAll("h1")) seen[`h1:${h1.textContent.trim()}`] ??= now;
    const tab = document.querySelector('nav[aria-label="Device"] a[aria-current="page"]');
    if (tab) seen[`tab:${tab.textContent.trim()}`] ??= now;
  }).observe(document, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["aria-current"] });
}

/// From the click to the heading on screen, and `tab` (a device's) marked
/// current: in the page, and as the driver sees it.
async function crossing(page, click, heading, tab) {
  const start = performance.now();
  await click();
  await page.getByRole("heading", { name: heading, exact: true }).waitFor();
  if (tab) await page.locator('nav[aria-label="Device"] a[aria-current="page"]', { hasText: tab }).waitFor();
  const driver = performance.now() - start;
  const inPage = await page.evaluate(
    ([heading, tab]) => Math.max(window.__seen[`h1:${heading}`], tab ? window.__seen[`tab:${tab}`] : 0) - Number(sessionStorage.getItem("clickAt")),
    [heading, tab],
  );
  return { inPage, driver };
}

// At /headers, with the portal's Cross-Origin-Opener-Policy: a page with it
// starts in a new browsing context group, a new renderer process (measured
// at some 30 ms on two cores).
const control = createServer((request, response) => {
  const headers = request.url === "/headers" ? { "cross-origin-opener-policy": "same-origin" } : {};
  response.writeHead(200, { "content-type": "text/html", ...headers }).end(CONTROL);
});
await new Promise((resolve) => control.listen(0, "127.0.0.1", resolve));
const controlUrl = `http://127.0.0.1:${control.address().port}/`;

const dir = mkdtempSync(join(tmpdir(), "portal-bench-"));
const server = await startNode(["--demo", "--data-dir", dir, "--database-url", `sqlite://${join(dir, "portal.db")}`]);
const browser = await launchBrowser();
const figures = {};
try {
  // Another site than the portal's and the plain page's (127.0.0.1).
  const elsewhere = `http://localhost:${control.address().port}/elsewhere`;
  const signInUrl = `${server.url}/sign-in`;
  // Each figure's loads: where to, and how the tab gets there.
  const ways = {
    usable: [signInUrl],
    usableFromRoot: [`${server.url}/`],
    control: [controlUrl],
    controlWithHeaders: [`${controlUrl}headers`],
    usableFromElsewhere: [signInUrl, { from: elsewhere }],
    controlFromElsewhere: [controlUrl, { from: elsewhere }],
    usableTyped: [signInUrl, { from: NEW_TAB }],
    controlTyped: [controlUrl, { from: NEW_TAB }],
    usableByLink: [signInUrl, { from: elsewhere, byLink: true }],
    controlByLink: [controlUrl, { from: elsewhere, byLink: true }],
  };
  const loads = Object.fromEntries(Object.keys(ways).map((key) => [key, []]));
  for (let i = 0; i < LOADS; i++) {
    // Alternated, so that whatever else the machine does weighs on all.
    for (const [key, [url, options]] of Object.entries(ways)) loads[key].push(await timeToUsable(browser, url, options));
  }
  for (const [key, runs] of Object.entries(loads)) figures[key] = median(runs.map((load) => load.at));
  figures.started = median(loads.usable.map((load) => load.started));
  if (TRACE) {
    const traced = await newPage(browser);
    await browser.startTracing(traced, { path: join(out, "sign-in.trace.json"), categories: TRACED });
    await traced.goto(`${server.url}/sign-in`);
    await traced.waitForFunction(() => document.getElementById("cp-first-paint") === null);
    await browser.stopTracing();
    await traced.context().close();
  }

  // A second visit: the worker registered by the first serves the shell.
  const context = await browser.newContext();
  const first = await context.newPage();
  await first.goto(`${server.url}/sign-in`);
  await first.evaluate(() => navigator.serviceWorker.ready);
  await first.reload();
  const again = [];
  for (let i = 0; i < LOADS; i++) again.push(await timeToUsable(browser, `${server.url}/sign-in`, { context }));
  figures.usableAgain = median(again.map((load) => load.at));
  figures.startedAgain = median(again.map((load) => load.started));
  await context.close();

  const page = await newPage(browser);
  await page.addInitScript(recordCrossings);
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
  if (TRACE) {
    await browser.startTracing(page, { path: join(out, "crossing.trace.json"), categories: TRACED });
    await crossing(page, () => nav.getByRole("link", { name: "Apps" }).click(), "Apps");
    await browser.stopTracing();
    await crossing(page, () => nav.getByRole("link", { name: "My devices" }).click(), "My devices");
  }
  // Add device is in the account's bundle: a crossing too.
  const toAddDevice = [];
  const addDeviceToDevices = [];
  for (let i = 0; i < CROSSINGS; i++) {
    toAddDevice.push(await crossing(page, () => page.getByRole("link", { name: "Add device" }).first().click(), "Add device"));
    addDeviceToDevices.push(await crossing(page, () => nav.getByRole("link", { name: "My devices" }).click(), "My devices"));
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
  const crossings = {
    myDevicesToApps: toApps,
    appsToMyDevices: toDevices,
    myDevicesToAddDevice: toAddDevice,
    addDeviceToMyDevices: addDeviceToDevices,
    overviewToAppsTab: toTab,
    appsTabToOverview: toOverview,
  };
  for (const [key, runs] of Object.entries(crossings)) {
    figures[`${key}InPage`] = median(runs.map((run) => run.inPage));
    figures[key] = median(runs.map((run) => run.driver));
  }
} finally {
  await browser.close();
  await server.stop();
  control.close();
  rmSync(dir, { recursive: true, force: true });
}

// Each figure beside its reference, in a table of its own
// (target/bench/portal.json and .svg), and in scripts/bench.sh's.
const rows = [
  ["usable", "time to usable, Sign in (cold)", figures.control, "plain page, same form"],
  ["usableFromRoot", "the same from the portal's address, /", figures.control, "plain page, same form"],
  ["controlWithHeaders", "plain page, the portal's COOP header", figures.control, "plain page, same form"],
  ["usableFromElsewhere", "Sign in, from another site's page", figures.controlFromElsewhere, "plain page, the same way"],
  ["usableTyped", "Sign in, typed in a new tab", figures.controlTyped, "plain page, the same way"],
  ["usableByLink", "Sign in, a link opening a new tab", figures.controlByLink, "plain page, the same way"],
  ["started", "portal started behind it (cold)", figures.control, "plain page, same form"],
  ["usableAgain", "time to usable, second visit", figures.control, "plain page, same form"],
  ["startedAgain", "portal started, second visit", figures.control, "plain page, same form"],
  ["myDevicesToAppsInPage", "My devices -> Apps", 120, "goal"],
  ["appsToMyDevicesInPage", "Apps -> My devices", 120, "goal"],
  ["myDevicesToAddDeviceInPage", "My devices -> Add device", 120, "goal"],
  ["addDeviceToMyDevicesInPage", "Add device -> My devices", 120, "goal"],
  ["overviewToAppsTabInPage", "Overview -> Apps tab", 120, "goal"],
  ["appsTabToOverviewInPage", "Apps tab -> Overview", 120, "goal"],
  ["myDevicesToApps", "My devices -> Apps, as the driver sees it", 120, "goal"],
  ["appsToMyDevices", "Apps -> My devices, as the driver sees it", 120, "goal"],
  ["myDevicesToAddDevice", "My devices -> Add device, as the driver sees it", 120, "goal"],
  ["addDeviceToMyDevices", "Add device -> My devices, as the driver sees it", 120, "goal"],
  ["overviewToAppsTab", "Overview -> Apps tab, as the driver sees it", 120, "goal"],
  ["appsTabToOverview", "Apps tab -> Overview, as the driver sees it", 120, "goal"],
].map(([key, name, reference, referenceName]) => ({ key: `portal.${key}`, name, value: figures[key], unit: "ms", reference, referenceName }));
rows.forEach(record);
report(rows, "portal");
