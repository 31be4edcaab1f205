// The portal as a web app on the phone it manages: Chromium finds it
// installable; once visited, it starts with the network cut (Sign in and a
// section opened once too), shows the last device list it saw marked as
// offline, and disables actions until the network returns; signing out
// forgets that list; a new release replaces the old shell at the next visit.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { eventually, launchBrowser, launchProfile, newPage, signedIn, startServer } from "./support.mjs";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

/// Signs Ada in on a phone-sized page and waits until the service worker
/// controls it, so that what the page loads next goes through the worker.
async function adaOnThePortal() {
  const page = await signedIn(browser, server.url, "ada@example.com", PHONE);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.getByRole("list", { name: "Devices" }).getByRole("listitem").first().waitFor();
  return page;
}

/// What went wrong in `page` beyond the loads that fail while offline.
const problemsBeyondOffline = (page) => page.problems.filter((p) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(p));

test("Chromium finds the portal installable: its manifest, icons and service worker", async () => {
  const profile = await launchProfile();
  const context = profile.context;
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${server.url}/sign-in`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  const cdp = await context.newCDPSession(page);
  const manifest = await cdp.send("Page.getAppManifest");
  assert.deepEqual(manifest.errors, []);
  const parsed = JSON.parse(manifest.data);
  assert.equal(parsed.name, "Company Portal");
  assert.equal(parsed.start_url, "/devices");
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  assert.deepEqual(installabilityErrors, []);
  for (const icon of parsed.icons) {
    const response = await page.request.get(new URL(icon.src, server.url).href);
    assert.equal(response.status(), 200, icon.src);
    assert.equal(response.headers()["content-type"], icon.type, icon.src);
  }
  await profile.close();
});

test("offline, the portal starts with the last device list, marked as such, and actions wait for the network", async () => {
  const page = await adaOnThePortal();
  const devices = page.getByRole("list", { name: "Devices" }).getByRole("listitem");
  const names = await devices.evaluateAll((items) => items.map((item) => item.getAttribute("aria-label")));
  assert.ok(names.length >= 2, `Ada's demo devices: ${names}`);
  const offline = page.getByRole("status").filter({ hasText: "You're offline." });
  assert.equal(await offline.count(), 0);

  // The network drops while a device's page is open: its actions wait.
  await devices.first().getByRole("link").click();
  const reset = page.getByRole("button", { name: "Reset device" });
  await reset.waitFor();
  assert.equal(await reset.isEnabled(), true);
  await page.context().setOffline(true);
  await offline.waitFor();
  assert.equal(await reset.isDisabled(), true);
  assert.equal(await page.getByRole("button", { name: "Rename" }).isDisabled(), true);

  // A new start without the network: the shell and the last list the user saw.
  await page.goto(`${server.url}/devices`);
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  await offline.waitFor();
  assert.deepEqual(await devices.evaluateAll((items) => items.map((item) => item.getAttribute("aria-label"))), names);
  assert.equal(await page.getByRole("button", { name: "Add device" }).isDisabled(), true);
  assert.equal(await page.getByRole("link", { name: "Add device" }).count(), 0);

  // A page it never kept says it needs the network, and leads back.
  await page.goto(`${server.url}/apps/never-opened`);
  await page.getByRole("heading", { name: "You're offline" }).waitFor();
  await page.getByRole("link", { name: "My devices" }).click();
  await page.getByRole("heading", { name: "My devices" }).waitFor();

  // Back online: the notice goes and the actions return.
  await page.context().setOffline(false);
  await offline.waitFor({ state: "detached" });
  await page.getByRole("link", { name: "Add device" }).waitFor();
  // Failed loads while offline are expected; nothing else went wrong.
  assert.deepEqual(problemsBeyondOffline(page), []);
  await page.context().close();
});

test("Sign in, visited once, starts without the network: its page and every file it imports are in the shell", async () => {
  const page = await newPage(browser, PHONE);
  await page.goto(`${server.url}/sign-in`);
  await page.locator("#cp-first-paint").waitFor({ state: "detached" });
  // Installed: the shell is kept. This visit's files came from the network.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.context().setOffline(true);
  await page.reload();
  // The portal has started (it takes the plain page's place) and says it is offline.
  await page.locator("#cp-first-paint").waitFor({ state: "detached" });
  await page.getByRole("status").filter({ hasText: "You're offline." }).waitFor();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.deepEqual(problemsBeyondOffline(page), []);
  await page.context().close();
});

test("a section opened once online starts offline too: the worker keeps its own files", async () => {
  const page = await adaOnThePortal();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Apps" }).click();
  const apps = page.getByRole("heading", { name: "Apps", exact: true });
  await apps.waitFor();
  // The catalog's bundle is not the main page's: its files are kept as they load.
  const files = await page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .map((entry) => new URL(entry.name).pathname)
      .filter((path) => /-[0-9a-f]{8,16}(_bg)?\.(js|wasm|css)$/.test(path)),
  );
  assert.ok(files.some((path) => path.startsWith("/catalog/") && path.endsWith(".wasm")), JSON.stringify(files));
  // Kept once the worker has stored them, the page with them.
  const kept = ["/apps", ...files];
  await eventually(() => page.evaluate(async (paths) => (await Promise.all(paths.map((path) => caches.match(path)))).every(Boolean), kept));

  await page.context().setOffline(true);
  await page.goto(`${server.url}/apps`);
  await apps.waitFor();
  await page.getByRole("status").filter({ hasText: "You're offline." }).waitFor();
  assert.deepEqual(problemsBeyondOffline(page), []);
  await page.context().close();
});

test("signing out forgets the kept device list: offline, nobody's devices show", async () => {
  const page = await adaOnThePortal();
  const kept = () => page.evaluate(async () => (await caches.open("last-seen")).keys().then((keys) => keys.length));
  assert.equal(await kept(), 2);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await eventually(async () => (await kept()) === 0);
  await page.context().setOffline(true);
  await page.goto(`${server.url}/devices`);
  await page.getByRole("status").filter({ hasText: "You're offline." }).waitFor();
  // Nobody is signed in as far as the portal can tell: Sign in, no list.
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.equal(await page.getByRole("list", { name: "Devices" }).count(), 0);
  await page.context().close();
});

test("a kept device list older than any session (12 hours) is not shown offline, and is forgotten", async () => {
  const page = await adaOnThePortal();
  // The worker's copies, aged in place: the page shares the origin's caches.
  // One just inside the 12 hours still shows; just beyond them, it does not.
  const age = (hours) =>
    page.evaluate(async (ms) => {
      const cache = await caches.open("last-seen");
      for (const request of await cache.keys()) {
        const kept = await cache.match(request);
        const headers = new Headers(kept.headers);
        headers.set("x-portal-kept-at", String(Date.now() - ms));
        await cache.put(request, new Response(await kept.blob(), { status: kept.status, headers }));
      }
    }, hours * 60 * 60 * 1000);
  const devices = page.getByRole("list", { name: "Devices" });
  const offline = page.getByRole("status").filter({ hasText: "You're offline." });
  await page.context().setOffline(true);
  await age(11.9);
  await page.goto(`${server.url}/devices`);
  await offline.waitFor();
  await devices.getByRole("listitem").first().waitFor();

  await age(12.1);
  await page.goto(`${server.url}/devices`);
  await offline.waitFor();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.equal(await devices.count(), 0);
  assert.equal(await page.evaluate(async () => (await caches.open("last-seen")).keys().then((keys) => keys.length)), 0);
  await page.context().close();
});

test("a new release replaces the old shell at the next visit", async (t) => {
  // A release of its own to change: a copy of the built portal.
  const dist = mkdtempSync(join(tmpdir(), "portal-release-"));
  cpSync("dist", dist, { recursive: true });
  const release = await startServer(["--dist-dir", dist]);
  t.after(async () => {
    await release.stop();
    rmSync(dist, { recursive: true, force: true });
  });
  const page = await newPage(browser);
  await page.goto(`${release.url}/sign-in`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  const shells = () => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith("shell-")));
  const [first] = await shells();

  // The next release: its page changed, the worker sealed anew, as the build does.
  const index = join(dist, "sign-in.html");
  writeFileSync(index, readFileSync(index, "utf8").replace("<title>", '<meta name="release" content="next"><title>'));
  // Released later than the copy was made: Last-Modified counts whole seconds.
  const later = new Date(Date.now() + 2000);
  utimesSync(index, later, later);
  rmSync(`${index}.br`, { force: true });
  rmSync(`${index}.gz`, { force: true });
  execFileSync("node", ["scripts/seal-service-worker.mjs", dist]);
  utimesSync(join(dist, "web-app", "sw.js"), later, later);

  await page.reload();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.equal(await page.locator('meta[name="release"]').getAttribute("content"), "next");
  // The new worker takes over and drops the old shell.
  const [next, ...others] = await eventually(async () => {
    const now = await shells();
    return now.length === 1 && now[0] !== first && now;
  });
  assert.deepEqual(others, []);
  assert.ok(next.startsWith("shell-"));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
