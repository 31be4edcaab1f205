// The app catalog in a real browser, with the real agent connected: a
// required app installs by itself on a newly enrolled phone; Ada searches,
// opens an app, installs it, sees Installed, and uninstalls it; Help and
// Privacy.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { api, enrollRunningAgent, launchBrowser, newPage, post, signedIn, signIn, startServer } from "./support.mjs";

let server;
let browser;
let agent;
let failing;

before(async () => {
  server = await startServer([
    "--help-desk-name", "Example Corp Service Desk",
    "--help-desk-phone", "+1 555 0100",
    "--help-desk-email", "help@example.com",
  ]);
  browser = await launchBrowser();
});

after(async () => {
  agent?.stop();
  failing?.stop();
  await browser?.close();
  await server?.stop();
});

test("a required app installs by itself; Ada finds, installs and uninstalls an app", async () => {
  const page = await signedIn(browser, server.url, "ada@example.com");

  // A new phone enrolls; its agent connects and nobody asks for anything.
  agent = await enrollRunningAgent(page, server.url, { platform: "android", name: "New Pixel", model: "Pixel 9", os_version: "15" });

  await page.getByRole("link", { name: "New Pixel" }).click();
  await page.getByRole("heading", { name: "New Pixel" }).waitFor();
  // A device's two tabs are one bundle's: crossing them loads no page, and
  // the live events go on.
  await page.evaluate(() => (window.__sameDocument = true));
  const tabs = page.getByRole("navigation", { name: "Device" });
  await tabs.getByRole("link", { name: "Apps", exact: true }).click();
  const managed = page.getByRole("list", { name: "Managed apps" });
  const required = managed.getByRole("listitem", { name: "Keystone Authenticator" });
  await required.getByText("Installed", { exact: true }).waitFor();
  await required.getByText("Required by your organisation").waitFor();
  await tabs.getByRole("link", { name: "Overview", exact: true }).click();
  await tabs.locator('a[aria-current="page"]', { hasText: "Overview" }).waitFor();
  await tabs.getByRole("link", { name: "Apps", exact: true }).click();
  await managed.waitFor();
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "no page loaded between the tabs");
  // Its rows as cards, styled by the bundle the tab is in.
  assert.equal(await managed.evaluate((list) => getComputedStyle(list).listStyleType), "none");
  assert.notEqual(await required.evaluate((row) => getComputedStyle(row).borderTopStyle), "none");
  assert.equal(await required.getByRole("button", { name: "Uninstall" }).count(), 0, "required apps stay");
  assert.match(agent.output, /installing: Keystone Authenticator/);
  // An app she may remove; removing it fails, and the row says why. Another
  // of her devices then changes: the tab reads its list again, finds it the
  // same and keeps it, the row's notice with it.
  const deviceId = new URL(page.url()).pathname.split("/")[2];
  assert.equal(await post(page, `/api/v1/devices/${deviceId}/apps/brightpath-tasks/install`), 202);
  const optional = managed.getByRole("listitem", { name: "Brightpath Tasks" });
  await optional.getByText("Installed", { exact: true }).waitFor();
  const refusal = { code: "unavailable", message: "The device's queue is busy; try again." };
  await page.route("**/apps/brightpath-tasks/uninstall", (route) => route.fulfill({ status: 503, json: refusal }));
  await optional.getByRole("button", { name: "Uninstall" }).click();
  const notice = optional.getByText(refusal.message);
  await notice.waitFor();
  await page.unroute("**/apps/brightpath-tasks/uninstall");
  const { devices } = await api(page, "/api/v1/devices");
  const other = devices.find((d) => d.platform !== "android");
  await afterItReads(page, `/api/v1/devices/${deviceId}/apps`, () => rename(page, other));
  assert.ok(await notice.isVisible(), "the list was kept, and the row's notice");

  // The catalog: Featured first, then Search apps narrows the list as she types.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Apps", exact: true }).click();
  await page.getByRole("heading", { name: "Apps", level: 1 }).waitFor();
  await page.getByRole("list", { name: "Featured apps" }).getByRole("link").first().waitFor();
  assert.equal(await page.getByLabel("Platform").inputValue(), "mine", "her devices' platforms by default");
  await page.getByLabel("Search apps").pressSequentially("vpn");
  const results = page.getByRole("list", { name: "Apps", exact: true });
  await page.getByText("1 app", { exact: true }).waitFor();
  assert.equal(new URL(page.url()).search, "?q=vpn", "the address keeps the search");
  await results.getByRole("link", { name: "Sentry VPN" }).click();
  await page.getByRole("heading", { name: "Sentry VPN" }).waitFor();
  // Back returns to the same list.
  await page.goBack();
  await page.getByText("1 app", { exact: true }).waitFor();
  assert.equal(await page.getByLabel("Search apps").inputValue(), "vpn");
  await page.goForward();

  await page.getByRole("heading", { name: "Sentry VPN" }).waitFor();
  await page.getByText("Available", { exact: true }).waitFor();
  await page.getByLabel("New Pixel (Android)").check();
  const pressed = Date.now();
  await page.getByRole("button", { name: "Install" }).click();
  const row = page.getByRole("list", { name: "On your devices" }).getByRole("listitem", { name: "New Pixel" });
  await row.getByText("Installed", { exact: true }).waitFor();
  console.log(`# Install pressed -> Installed shown: ${Date.now() - pressed} ms`);
  assert.match(agent.output, /installing: Sentry VPN/);
  assert.ok(await page.getByLabel("New Pixel (Android)").isDisabled(), "installed already");

  // The app is asked for on another of her devices while she chooses a
  // third: the page follows, keeping her choice and the keyboard on it, and
  // the device asked for is no longer offered.
  const offered = page.locator('input[name="device"]:enabled');
  const [askedId, chosenId] = [await offered.nth(0).getAttribute("value"), await offered.nth(1).getAttribute("value")];
  const asked = page.locator(`input[name="device"][value="${askedId}"]`);
  const chosen = page.locator(`input[name="device"][value="${chosenId}"]`);
  await chosen.check();
  await chosen.focus();
  const askedName = (await asked.locator("xpath=..").textContent()).replace(/ \([^()]*\)$/, "");
  assert.equal(await post(page, `/api/v1/devices/${askedId}/apps/sentry-vpn/install`), 202);
  await page.getByRole("list", { name: "On your devices" }).getByRole("listitem", { name: askedName }).waitFor();
  assert.ok(await asked.isDisabled(), "asked for already");
  assert.ok(await chosen.isChecked(), "the choice stays");
  assert.ok(await chosen.evaluate((input) => input === document.activeElement), "and keeps the focus");
  assert.ok(await page.getByRole("button", { name: "Install", exact: true }).isEnabled());

  await row.getByRole("button", { name: "Uninstall" }).click();
  await row.waitFor({ state: "detached" });
  await agent.says(/uninstalling: Sentry VPN/);

  // An app her phone cannot run is offered on none of it, with the reason.
  await page.goto(`${server.url}/apps/anvil-code`);
  const choice = page.locator("label", { hasText: "New Pixel (Android)" });
  assert.match(await choice.textContent(), /Not available for Android/);
  assert.ok(await page.getByLabel("New Pixel (Android)").isDisabled());
  // The browser logs the one failure asked for, and nothing else.
  assert.deepEqual(
    page.problems.map((p) => p.replace(/127\.0\.0\.1:\d+\/api\/v1\/devices\/[0-9a-f-]+/, "server/api/v1/devices/ID")),
    ["console: Failed to load resource: the server responded with a status of 503 (Service Unavailable) http://server/api/v1/devices/ID/apps/brightpath-tasks/uninstall"],
  );
});

const rename = async (page, device) =>
  assert.equal(await post(page, `/api/v1/devices/${device.id}/rename`, { name: `${device.name} (old)` }), 204);

/// Does `change`, then waits until the page has read `path` again, asked
/// for once the change was under way, and drawn what it read (the next
/// frame after the answer's last byte).
async function afterItReads(page, path, change) {
  const since = Date.now();
  const read = page.waitForResponse(
    (response) => new URL(response.url()).pathname === path && response.request().timing().startTime >= since,
  );
  await change();
  await (await read).finished();
  await page.evaluate(() => new Promise((drawn) => requestAnimationFrame(() => requestAnimationFrame(drawn))));
}

test("an install the device cannot carry out shows Failed with the reason", async () => {
  const page = await signedIn(browser, server.url, "grace@example.com");
  failing = await enrollRunningAgent(page, server.url, { platform: "android", name: "Full phone", model: "Pixel 6", os_version: "15" },
    ["--fail-installs", "orbit-drive"]);

  await page.goto(`${server.url}/apps/orbit-drive`);
  await page.getByLabel("Full phone (Android)").check();
  await page.getByRole("button", { name: "Install" }).click();
  const row = page.getByRole("list", { name: "On your devices" }).getByRole("listitem", { name: "Full phone" });
  await row.getByText("Failed", { exact: true }).waitFor();
  await row.getByText("Orbit Drive could not be installed: not enough storage").waitFor();
  assert.ok(await page.getByLabel("Full phone (Android)").isEnabled(), "a failed install may be tried again");
  assert.deepEqual(page.problems, []);
});

test("Help shows the help desk; an app's address signs in and comes back; a device links to its privacy view", async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/help`);
  await page.getByRole("heading", { name: "Example Corp Service Desk" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "+1 555 0100" }).getAttribute("href"), "tel:+15550100");
  await page.getByRole("link", { name: "help@example.com" }).waitFor();

  // Signed out, an app's address goes by Sign in (the other bundle) and back.
  await page.goto(`${server.url}/apps/sentry-vpn`);
  await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
  await signIn(page, "ada@example.com");
  await page.getByRole("heading", { name: "Sentry VPN" }).waitFor();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My devices" }).click();
  await page.getByRole("link", { name: "Personal iPhone" }).click();
  await page.getByRole("heading", { name: "Personal iPhone" }).waitFor();
  assert.equal(await page.getByText("Serial number", { exact: true }).count(), 0, "never kept for a personal device");
  await page.getByRole("link", { name: /What your organisation can see on this personal device/ }).click();
  await page.getByRole("heading", { name: "Privacy" }).waitFor();
  const current = page.getByRole("navigation", { name: "Ownership" }).locator("[aria-current=page]");
  assert.equal(await current.textContent(), "Personal device");
  await page.getByRole("list", { name: "What your organisation can never see" }).getByText("Browsing history").waitFor();
  assert.deepEqual(page.problems, []);
});
