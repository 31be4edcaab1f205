// Terms and conditions in a real browser: the IT administrator publishes
// them on the Terms page; Ada, on her phone and with the keyboard alone,
// must accept them before Add device gives her a code, and accepts again
// once a new version is published.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, newPage, signedIn, signIn, startServer, tabTo, violations } from "./support.mjs";

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

/// Publishes `text` as the next version on the admin console's Terms page.
async function publish(it, text) {
  const editor = it.getByLabel("New version");
  await editor.fill(text);
  await it.getByRole("button", { name: "Publish new version" }).click();
}

/// Ada's Add device, with the terms of `version` to accept and no form yet.
async function termsAsked(ada, version) {
  await ada.goto(`${server.url}/devices/add`);
  await ada.getByRole("heading", { name: "Terms and conditions" }).waitFor();
  await ada.getByText(new RegExp(`^Read and accept your organisation's terms to enroll a device\\. Version ${version},`)).waitFor();
  assert.equal(await ada.getByRole("button", { name: "Get enrollment code" }).count(), 0);
}

/// Accepts with the keyboard; the form takes the panel's place, its first field focused.
async function acceptWithKeyboard(ada) {
  await tabTo(ada, ada.getByRole("button", { name: "Accept", exact: true }));
  await ada.keyboard.press("Enter");
  await ada.getByRole("button", { name: "Get enrollment code" }).waitFor();
  await ada.waitForFunction(() => document.activeElement?.id === "management-managed");
  assert.equal(await ada.getByRole("heading", { name: "Terms and conditions" }).count(), 0);
}

test("Ada must accept the terms before Add device gives a code, and again after a new version", async () => {
  const it = await signedIn(browser, server.url, "it@example.com");
  await it.goto(`${server.url}/admin`);
  await it.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Terms" }).click();
  await it.getByRole("heading", { name: "Terms and conditions" }).waitFor();
  await it.getByText("No terms yet: employees enroll without accepting any.").waitFor();
  await publish(
    it,
    "# Use of your device\n\nKeep it **locked** when you are away.\n\n- Report a lost device the same day\n- [Read the policy](https://example.com/policy)\n\n<script>alert('no')</script>",
  );
  await it.getByText(/^Version 1, published by IT Admin \(it@example\.com\) on .*\. Accepted by 0 people\.$/).waitFor();
  const inForce = it.getByRole("region", { name: "In force" });
  await inForce.getByRole("heading", { name: "Use of your device" }).waitFor();
  // Markup is shown as the text it is, never run.
  await inForce.getByText("<script>alert('no')</script>").waitFor();
  assert.equal(await inForce.locator("script").count(), 0);

  const ada = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await ada.goto(`${server.url}/sign-in`);
  await signIn(ada, "ada@example.com");
  await ada.getByRole("heading", { name: "My devices" }).waitFor();
  await termsAsked(ada, 1);
  const terms = ada.getByRole("region", { name: "Terms and conditions" });
  await terms.getByRole("heading", { name: "Use of your device" }).waitFor();
  await terms.getByRole("link", { name: "Read the policy" }).waitFor();
  assert.equal(await terms.locator("script").count(), 0);
  assert.ok(await ada.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scrolling at 360 px");
  assert.deepEqual(await violations(ada), []);
  await acceptWithKeyboard(ada);
  await ada.getByLabel("Device name").fill("Ada's tablet");
  await ada.getByRole("button", { name: "Get enrollment code" }).click();
  await ada.getByLabel("Enrollment code", { exact: true }).waitFor();

  await ada.getByRole("link", { name: "Activity" }).click();
  await ada.getByRole("list", { name: "Activity" }).getByText("Accepted the terms and conditions").waitFor();

  // A new version: Ada is asked again at her next Add device.
  await it.reload();
  await it.getByText(/^Version 1, .*Accepted by 1 person\.$/).waitFor();
  assert.match(await it.getByLabel("New version").inputValue(), /^# Use of your device/);
  await publish(it, "Version two: keep your device up to date.");
  await it.getByText(/^Version 2, published by IT Admin .*Accepted by 0 people\.$/).waitFor();
  await termsAsked(ada, 2);
  await ada.getByRole("region", { name: "Terms and conditions" }).getByText("Version two: keep your device up to date.").waitFor();
  await acceptWithKeyboard(ada);

  // The administrator's audit log has both acceptances and both versions.
  await it.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Audit log" }).click();
  const log = it.getByRole("table");
  await log.getByText("Published terms and conditions").first().waitFor();
  assert.equal(await log.getByText("Accepted the terms and conditions").count(), 2);
  assert.deepEqual(ada.problems, []);
  assert.deepEqual(it.problems, []);
  await ada.context().close();
  await it.context().close();
});
