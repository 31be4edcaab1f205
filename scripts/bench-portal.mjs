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
// Prints one table beside the references and the previous run, and writes
// target/bench/portal.json and portal.svg (a chart beside the previous run).
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
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

// One table, each figure beside its reference where it has one and beside
// the previous run's; the same as JSON, and drawn as an SVG chart, in
// target/bench/ (the previous run's kept as portal.previous.json).
const rows = [
  ["usable", "time to usable, Sign in (cold)", figures.control, "plain page, same form"],
  ["usableAgain", "time to usable, second visit", figures.control, "plain page, same form"],
  ["myDevicesToApps", "My devices -> Apps", 120, "goal"],
  ["appsToMyDevices", "Apps -> My devices", 120, "goal"],
  ["overviewToAppsTab", "Overview -> Apps tab", 120, "goal"],
  ["appsTabToOverview", "Apps tab -> Overview", 120, "goal"],
].map(([key, name, reference, what]) => ({ key, name, value: figures[key], reference, what, before: undefined }));
const out = "target/bench";
mkdirSync(out, { recursive: true });
const current = join(out, "portal.json");
const previousPath = join(out, "portal.previous.json");
if (existsSync(current)) renameSync(current, previousPath);
const previous = existsSync(previousPath) ? JSON.parse(readFileSync(previousPath, "utf8")).figures : {};
writeFileSync(current, JSON.stringify({ at: new Date().toISOString(), figures }, null, 2));

const ms = (value) => (value === undefined ? "" : `${value.toFixed(0)} ms`);
for (const row of rows) row.before = previous[row.key];
console.log(`${"figure (median; cold loads: 15, crossings: 5)".padEnd(48)}${"now".padStart(9)}${"reference".padStart(11)}  ${"".padEnd(22)}${"previous".padStart(9)}`);
for (const { name, value, reference, what, before } of rows) {
  console.log(`${name.padEnd(48)}${ms(value).padStart(9)}${ms(reference).padStart(11)}  ${what.padEnd(22)}${ms(before).padStart(9)}`);
}

// Bars: this run's beside the previous run's, and the reference as a tick.
const width = 700;
const scale = (width - 260) / Math.max(...rows.flatMap(({ value, reference, before }) => [value, reference, before ?? 0]));
const x = (value) => (220 + value * scale).toFixed(1);
const bars = rows
  .map(({ name, value, reference, before }, i) => {
    const y = 20 + i * 34;
    return [
      `<text x="0" y="${y + 12}" font-size="12">${name.replace(/->/g, "→")}</text>`,
      before === undefined ? "" : `<rect x="220" y="${y + 14}" width="${(before * scale).toFixed(1)}" height="8" fill="#9da7b3"><title>previous ${ms(before)}</title></rect>`,
      `<rect x="220" y="${y + 2}" width="${(value * scale).toFixed(1)}" height="12" fill="#0b5cad"><title>${ms(value)}</title></rect>`,
      `<line x1="${x(reference)}" x2="${x(reference)}" y1="${y}" y2="${y + 24}" stroke="#b42318" stroke-width="2"/>`,
      `<text x="${(226 + value * scale).toFixed(1)}" y="${y + 12}" font-size="11">${ms(value)}</text>`,
    ].join("");
  })
  .join("\n");
writeFileSync(
  join(out, "portal.svg"),
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${30 + rows.length * 34}" font-family="system-ui, sans-serif">\n` +
    `<text x="0" y="12" font-size="12">blue: this run; grey: the previous run; red: the reference</text>\n${bars}\n</svg>\n`,
);
console.log(`figures in ${current}, drawn in ${join(out, "portal.svg")}`);
