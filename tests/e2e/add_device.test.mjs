// Add device in a real browser, with the real agent enrolling: the page
// moves on to the new device by itself and follows its check-ins live.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { AGENT_BIN, launchBrowser, newPage, noSidewaysScrolling, signedIn, signIn, startServer } from "./support.mjs";

const run = promisify(execFile);
let server;
let browser;
let stateDir;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  stateDir = mkdtempSync(join(tmpdir(), "portal-agent-"));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

test("Ada adds a phone: the rules, a code, the agent enrolls, the page follows the device live", async () => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.goto(`${server.url}/devices`);
  await signIn(page, "ada@example.com");
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  await page.getByRole("link", { name: "Add device" }).click();
  await page.getByRole("heading", { name: "Add device" }).waitFor();
  await page.getByText("You can add 1 more device.", { exact: false }).waitFor();

  await page.getByLabel("Platform").selectOption({ label: "Windows Phone" });
  await page.getByText("Personal Windows Phone devices are not allowed.").waitFor();
  assert.ok(await page.getByLabel("Personal").isDisabled());

  await page.getByLabel("Platform").selectOption({ label: "Android" });
  await page.getByText("Requires Android 10 or later.", { exact: false }).waitFor();
  await page.getByRole("button", { name: "Get enrollment code" }).click();
  await page.getByText("Enter a name for the device.").waitFor();

  await page.getByLabel("Device name").fill("Ada's Pixel");
  await page.getByLabel("Personal").check();
  await page.getByLabel("Category").selectOption("Phone");
  await page.getByRole("button", { name: "Get enrollment code" }).click();

  const codeText = page.getByLabel("Enrollment code", { exact: true });
  await codeText.waitFor();
  const code = (await codeText.textContent()).trim();
  assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  assert.ok(await page.getByRole("img", { name: "QR code of the enrollment code" }).locator("svg").isVisible());
  assert.match(await page.locator(".cp-command").textContent(), new RegExp(`--code ${code} --platform android`));
  assert.match(await page.getByRole("timer").textContent(), /^(10:00|9:[0-5]\d)$/);
  await page.getByText("Waiting for the device to enroll…").waitFor();
  await page.screenshot({ path: "target/e2e-add-device-code.png", fullPage: true });

  await run(AGENT_BIN, [
    "enroll", "--state-dir", stateDir, "--server", server.url, "--code", code,
    "--platform", "android", "--os-version", "15", "--model", "Pixel 9",
  ]);
  const enrolledAt = Date.now();
  await page.getByRole("heading", { name: "Ada's Pixel" }).waitFor();
  console.log(`# the page showed the new device ${Date.now() - enrolledAt} ms after the agent enrolled`);
  assert.match(new URL(page.url()).pathname, /^\/devices\/[0-9a-f-]{36}$/);
  const deviceId = new URL(page.url()).pathname.split("/")[2];
  await page.getByText(`CN=${deviceId}, O=Company Portal`).waitFor();
  await page.getByText("Valid", { exact: true }).waitFor();
  await page.getByText("This device meets your organisation's policies.").waitFor();

  // The device stops encrypting: its page turns without a reload, and the
  // tab the keyboard was on keeps the focus.
  const appsTab = page.getByRole("navigation", { name: "Device" }).getByRole("link", { name: "Apps" });
  await appsTab.focus();
  await run(AGENT_BIN, ["run", "--once", "--state-dir", stateDir, "--encrypted", "false"]);
  await page.getByText("The device's storage is not encrypted.").waitFor();
  await page.getByText("How to fix: Turn on device encryption", { exact: false }).waitFor();
  assert.ok(await page.locator(".cp-page__title").getByText("Out of compliance").isVisible());
  assert.ok(await appsTab.evaluate((tab) => tab === document.activeElement), "the Apps tab keeps the focus");
  await page.screenshot({ path: "target/e2e-device-page.png", fullPage: true });

  await page.getByRole("link", { name: "My devices" }).first().click();
  await page.getByRole("listitem", { name: "Ada's Pixel" }).waitFor();
  assert.equal(await page.locator(".cp-device").count(), 5);
  await noSidewaysScrolling(page, "My devices on a phone");
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("another user's device is a not-found page, and back and forward work", async () => {
  const page = await signedIn(browser, server.url, "ada@example.com");
  await page.getByRole("link", { name: "Personal iPhone" }).click();
  await page.getByRole("heading", { name: "Personal iPhone" }).waitFor();
  await page.getByText("is older than the required 17", { exact: false }).waitFor();
  await page.getByText("Fix the problems below by", { exact: false }).waitFor();

  await page.goBack();
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  await page.goForward();
  await page.getByRole("heading", { name: "Personal iPhone" }).waitFor();

  const { devices } = await page.evaluate(() => fetch("/api/v1/devices").then((r) => r.json()));
  assert.ok(devices.length >= 4);
  await page.goto(`${server.url}/devices/00000000-0000-4000-8000-000000000000`);
  await page.getByRole("heading", { name: "Device not found" }).waitFor();
  await page.context().close();
});

test("a signed-out visit to a device page signs in and comes back to it", async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/devices/add`);
  await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
  assert.equal(new URL(page.url()).search, "?next=/devices/add");
  await signIn(page, "grace@example.com");
  await page.getByRole("heading", { name: "Add device" }).waitFor();
  await page.getByText("You can add 3 more devices.", { exact: false }).waitFor();
  await page.context().close();
});

test("Grace registers her own phone, which only Remove device reaches, then enrolls it at the device limit, keeping its certificate", async () => {
  const page = await signedIn(browser, server.url, "grace@example.com");
  await page.goto(`${server.url}/devices/add`);
  await page.getByRole("heading", { name: "Add device" }).waitFor();
  // A personal Windows Phone may not be enrolled here, but may be registered.
  await page.getByLabel("Platform").selectOption({ label: "Windows Phone" });
  assert.ok(await page.getByLabel("Personal").isDisabled());
  await page.getByLabel("Register").check();
  await page.getByText("Corporate and personal Windows Phone devices can be registered.").waitFor();
  assert.ok(await page.getByLabel("Personal").isEnabled());

  await page.getByLabel("Platform").selectOption({ label: "Android" });
  await page.screenshot({ path: "target/e2e-add-device-register.png", fullPage: true });
  await page.getByLabel("Device name").fill("Grace's own phone");
  await page.getByLabel("Personal").check();
  await page.getByRole("button", { name: "Get registration code" }).click();
  const codeText = page.getByLabel("Registration code", { exact: true });
  await codeText.waitFor();
  const code = (await codeText.textContent()).trim();
  assert.match(await page.locator(".cp-command").textContent(), /^portal-agent register /);
  await page.getByText("Waiting for the device to register…").waitFor();
  const dir = mkdtempSync(join(tmpdir(), "portal-agent-"));
  await run(AGENT_BIN, [
    "register", "--state-dir", dir, "--server", server.url, "--code", code,
    "--platform", "android", "--os-version", "15", "--model", "Pixel 9",
  ]);
  await page.getByRole("heading", { name: "Grace's own phone" }).waitFor();
  const facts = page.locator(".cp-facts").first();
  await facts.getByText("Registered", { exact: true }).first().waitFor();
  await page.getByRole("button", { name: "Remove device" }).waitFor();
  for (const name of ["Reset device", "Lock", "Check status"]) {
    assert.equal(await page.getByRole("button", { name, exact: true }).count(), 0, `${name} on a registered device`);
  }
  assert.equal(await page.getByRole("navigation", { name: "Device" }).count(), 0, "no Apps tab");
  const fingerprint = await page.locator("dt:has-text('SHA-256 fingerprint') + dd").textContent();
  await page.screenshot({ path: "target/e2e-registered-device.png", fullPage: true });

  // IT sees it in All devices marked Registered: the portal does not manage it.
  const it = await signedIn(browser, server.url, "it@example.com");
  const fleetRow = async (name = "Grace's own phone") => {
    await it.goto(`${server.url}/admin/devices?q=${encodeURIComponent(name)}`);
    const row = it.getByRole("row").filter({ has: it.getByRole("rowheader", { name }) });
    await row.waitFor();
    return row;
  };
  assert.match(await (await fleetRow()).innerText(), /Portal\s+Registered/);

  // IT lowers the device limit to what Grace has: Add device still lets her
  // enroll the phone she registered, and nothing else.
  const devices = await page.evaluate(() =>
    fetch("/api/v1/enrollment/options").then((r) => r.json()).then((o) => o.devices_enrolled),
  );
  const saved = await it.evaluate(async (limit) => {
    const policy = await fetch("/api/v1/admin/policy").then((r) => r.json());
    const response = await fetch("/api/v1/admin/policy", {
      method: "PUT",
      headers: { "content-type": "application/json", "x-requested-with": "company-portal" },
      body: JSON.stringify({ based_on: policy.version, settings: { ...policy.settings, device_limit: limit } }),
    });
    return response.status;
  }, devices);
  assert.equal(saved, 200);
  await page.goto(`${server.url}/devices/add`);
  await page.getByText(`You have reached the limit of ${devices} devices.`, { exact: false }).waitFor();
  await page.getByText("You can still enroll a device you registered").waitFor();
  assert.deepEqual(await page.getByLabel("Platform").locator("option").allTextContents(), ["Android"]);
  assert.equal(await page.getByLabel("Register").count(), 0, "no registering at the limit");
  await page.getByLabel("Device name").fill("Grace's phone");
  await page.getByRole("button", { name: "Get enrollment code" }).click();
  const enrollmentCode = page.getByLabel("Enrollment code", { exact: true });
  await enrollmentCode.waitFor();
  await run(AGENT_BIN, [
    "enroll", "--state-dir", dir, "--server", server.url, "--code", (await enrollmentCode.textContent()).trim(),
    "--platform", "android", "--os-version", "15", "--model", "Pixel 9",
  ]);
  // The code page moves on to the device, enrolled now: Managed.
  await page.getByRole("heading", { name: "Grace's phone" }).waitFor();
  await facts.getByText("Managed", { exact: true }).waitFor();
  await page.getByRole("button", { name: "Reset device" }).waitFor();
  await page.getByRole("navigation", { name: "Device" }).waitFor();
  assert.equal(await page.locator("dt:has-text('SHA-256 fingerprint') + dd").textContent(), fingerprint);
  assert.doesNotMatch(await (await fleetRow("Grace's phone")).innerText(), /Registered/);
  assert.deepEqual(it.problems, []);
  await it.context().close();
  assert.deepEqual(page.problems, []);
  rmSync(dir, { recursive: true, force: true });
  await page.context().close();
});
