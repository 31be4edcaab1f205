// The gateway in Chromium with the device's certificate given to the
// browser: Ada opens Expenses from her registered laptop (signing in on the
// way); from a browser without it she sees the rule that failed and its fix;
// once she resets the laptop, its next request is refused.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { api, enrollRunningAgent, eventually, launchBrowser, newPage, signedIn, signIn, startServer, violations } from "./support.mjs";

let server;
let browser;
let agent;
let certificates;

before(async () => {
  server = await startServer(["--gateway-bind", "127.0.0.1:0"]);
  browser = await launchBrowser();
  certificates = mkdtempSync(join(tmpdir(), "portal-laptop-"));
});

after(async () => {
  agent?.stop();
  await browser?.close();
  await server?.stop();
  rmSync(certificates, { recursive: true, force: true });
});

test("Ada opens Expenses from her registered laptop, is told what to do elsewhere, and is refused once it is reset", async () => {
  assert.match(server.gateway, /^https:\/\/127\.0\.0\.1:\d+$/);
  const portal = await signedIn(browser, server.url, "ada@example.com");
  agent = await enrollRunningAgent(portal, server.url, { platform: "android", name: "New phone", model: "Pixel 8a", os_version: "15" });
  // A reset erases the agent's folder: the browser keeps its own copy.
  for (const file of ["device.pem", "device.key.pem"]) copyFileSync(join(agent.stateDir, file), join(certificates, file));
  const laptop = await newPage(browser, {
    ignoreHTTPSErrors: true,
    clientCertificates: [{ origin: server.gateway, certPath: join(certificates, "device.pem"), keyPath: join(certificates, "device.key.pem") }],
  });

  // Not yet signed in at the gateway: the portal's Sign in, then back to the page asked for.
  await laptop.goto(`${server.gateway}/expenses/`);
  await signIn(laptop, "ada@example.com");
  await laptop.getByRole("heading", { name: "Expenses" }).waitFor();
  assert.equal(await laptop.locator("#user").textContent(), "ada@example.com");
  const { devices } = await api(portal, "/api/v1/devices");
  const phone = devices.find((device) => device.name === "New phone");
  assert.equal(await laptop.locator("#device").textContent(), phone.id);
  assert.deepEqual(laptop.problems, []);

  // Another browser, no certificate: the rule that failed and the one step, at a phone's width.
  const elsewhere = await newPage(browser, { ignoreHTTPSErrors: true, viewport: { width: 360, height: 740 } });
  await elsewhere.goto(`${server.gateway}/expenses/`);
  await signIn(elsewhere, "ada@example.com");
  await elsewhere.getByRole("heading", { name: "You can't open Expenses yet" }).waitFor();
  await elsewhere.getByText("This device isn't registered.", { exact: false }).waitFor();
  const fix = elsewhere.getByRole("link", { name: "Add device" });
  assert.equal(await fix.getAttribute("href"), `${server.url}/devices/add`);
  assert.ok(await elsewhere.evaluate(() => document.documentElement.scrollWidth <= 360), "no sideways scrolling");
  await elsewhere.screenshot({ path: "target/e2e-gateway-refusal.png", fullPage: true });
  assert.deepEqual(await violations(elsewhere), []);

  // Reset the phone: once the agent has carried it out, its certificate opens nothing.
  const reset = await portal.evaluate(
    (id) =>
      fetch(`/api/v1/devices/${id}/wipe`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-requested-with": "company-portal" },
        body: JSON.stringify({ device_name: "New phone" }),
      }).then((r) => r.status),
    phone.id,
  );
  assert.equal(reset, 202);
  await eventually(async () => (await api(portal, `/api/v1/devices/${phone.id}`)).device.wiped_at);
  await laptop.reload();
  await laptop.getByRole("heading", { name: "You can't open Expenses yet" }).waitFor();
  await laptop.getByText("New phone was reset or removed", { exact: false }).waitFor();
});

test("IT sees the published apps, lets Expenses through in audit mode, then stops publishing it", async () => {
  const page = await signedIn(browser, server.url, "it@example.com");
  await page.goto(`${server.url}/admin/published-apps`);
  await page.getByRole("heading", { name: "Published apps", level: 1 }).waitFor();
  const row = page.getByRole("row", { name: /Expenses/ });
  await row.getByText("Signed in, Registered device, Compliant device").waitFor();
  await row.getByText("Required").waitFor();
  assert.equal(await row.getByRole("link", { name: "Expenses" }).getAttribute("href"), `${server.gateway}/expenses/`);
  assert.deepEqual(await violations(page), []);

  await row.getByRole("button", { name: "Edit Expenses" }).click();
  const form = page.getByRole("form", { name: "Edit Expenses" });
  await form.getByLabel("Enforcement").selectOption("audit");
  await form.getByRole("button", { name: "Publish" }).click();
  await page.getByRole("status").getByText("Expenses is published.").waitFor();
  await page.getByRole("row", { name: /Expenses/ }).getByText("Audit only").waitFor();

  // Audit only: a browser without a registered device gets in, and the log says it would not have.
  const elsewhere = await newPage(browser, { ignoreHTTPSErrors: true });
  await elsewhere.goto(`${server.gateway}/expenses/`);
  await signIn(elsewhere, "ada@example.com");
  await elsewhere.getByRole("heading", { name: "Expenses" }).waitFor();
  const audit = await api(page, "/api/v1/admin/audit?action=gateway_access_refused");
  assert.ok(audit.entries.some((entry) => entry.outcome === "allowed_in_audit_mode" && entry.subject === "Expenses: registered_device"));

  await page.getByRole("button", { name: "Stop publishing Expenses" }).click();
  await page.getByRole("status").getByText("Expenses is no longer published.").waitFor();
  await page.getByText("No app is published yet.").waitFor();
  await elsewhere.reload();
  await elsewhere.getByRole("heading", { name: "Nothing is published here" }).waitFor();
});
