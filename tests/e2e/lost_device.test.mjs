// Lost device in a real browser, with the real agent connected: Lock, then
// Reset device with its guards, watched on the timeline until Completed;
// Cancel reset on another device; Remove device on a third, and on a
// connected one that takes corporate apps off itself and leaves the list.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { enrollRunningAgent, launchBrowser, PASSWORD, signedIn, startServer } from "./support.mjs";

let server;
let browser;
let agent;
let tablet;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  agent?.stop();
  tablet?.stop();
  await browser?.close();
  await server?.stop();
});

/// The removal's live event can reach a device's page before the answer that
/// leads away from it: the page's refetch then finds the device gone, and the
/// browser logs the 404. Nothing else about a removed device may go wrong.
const notAbout = (device) => (problem) => !(problem.includes("status of 404") && problem.includes(`/api/v1/devices/${device}`));

test("Ada locks and then resets her lost phone, cancels a mistaken reset, and removes an old laptop", async () => {
  const page = await signedIn(browser, server.url, "ada@example.com");

  // Ada's phone enrolls and its agent stays connected.
  agent = await enrollRunningAgent(page, server.url, { platform: "android", name: "Lost phone", model: "Pixel 8a", os_version: "15" });

  await page.getByRole("link", { name: "Lost phone" }).click();
  await page.getByRole("heading", { name: "Lost phone" }).waitFor();
  const lostPhone = new URL(page.url()).pathname.split("/").pop();

  await page.getByRole("button", { name: "Lock" }).click();
  await page.getByLabel("Message").fill("Found this phone? Please call");
  await page.getByLabel("Phone number").fill("+44 20 7946 0000");
  await page.getByRole("button", { name: "Lock device" }).click();
  const lock = page.getByRole("list", { name: "Timeline" }).getByRole("listitem", { name: "Lock" });
  await lock.getByText("Lock · Completed").waitFor();
  assert.match(agent.output, /locked: Found this phone\? Please call \/ \+44 20 7946 0000/);

  // A form half filled in, and what the page said, outlive the events of
  // the device's next check-in: the page follows them in place.
  await page.getByRole("button", { name: "Rename" }).click();
  await page.getByLabel("Device name").fill("Half-typed name");
  await page.getByRole("button", { name: "Check status" }).click();
  const checked = page.getByRole("list", { name: "Timeline" }).getByRole("listitem", { name: "Check status" });
  await checked.getByText("Check status · Completed").waitFor();
  assert.equal(await page.getByLabel("Device name").inputValue(), "Half-typed name");
  assert.ok(await page.getByRole("status").filter({ hasText: "Check status requested" }).isVisible());
  await page.getByRole("button", { name: "Rename" }).click();

  // Reset device: explained, password again, the name typed.
  await page.getByRole("button", { name: "Reset device" }).click();
  await page.getByText("Reset device erases everything on Lost phone.").waitFor();
  const form = page.locator("form.cp-action-form");
  const confirm = form.getByRole("button", { name: "Reset device" });
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Type the device's name to confirm").fill("lost phone");
  assert.ok(await confirm.isDisabled(), "disabled until the name matches");
  await page.getByLabel("Type the device's name to confirm").fill("Lost phone");
  const pressed = Date.now();
  await confirm.click();
  await agent.says(/received: wipe /);
  console.log(`# Reset device pressed -> agent received it: ${Date.now() - pressed} ms (password check included)`);

  const reset = page.getByRole("list", { name: "Timeline" }).getByRole("listitem", { name: "Reset device" });
  await reset.getByText("Reset device · Completed").waitFor();
  for (const step of ["Requested", "Delivered", "Acknowledged", "Completed"]) {
    assert.ok(await reset.getByText(step, { exact: false }).first().isVisible(), step);
  }
  await page.locator(".cp-page__title").getByText("Wiped").waitFor();
  await page.getByText("Revoked on", { exact: false }).waitFor();
  assert.equal(await agent.process.exitCode ?? (await new Promise((r) => agent.process.once("exit", r))), 0);

  // A mistaken reset of a device that is offline: cancelled before it is taken.
  await page.getByRole("link", { name: "My devices" }).first().click();
  await page.getByRole("link", { name: "Work laptop" }).click();
  await page.getByRole("heading", { name: "Work laptop" }).waitFor();
  await page.getByRole("button", { name: "Reset device" }).click();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Type the device's name to confirm").fill("Work laptop");
  await page.locator("form.cp-action-form").getByRole("button", { name: "Reset device" }).click();
  const pending = page.getByRole("list", { name: "Timeline" }).getByRole("listitem", { name: "Reset device" });
  await pending.getByText("Reset device · Requested").waitFor();
  await pending.getByRole("button", { name: "Cancel reset" }).click();
  await pending.getByText("Reset device · Cancelled").waitFor();

  // Remove device: reads and looks different from Reset. The old laptop is
  // offline: it shows Removing until it connects and takes corporate data off.
  await page.getByRole("link", { name: "My devices" }).first().click();
  await page.getByRole("link", { name: "Old Surface" }).click();
  await page.getByRole("heading", { name: "Old Surface" }).waitFor();
  await page.getByRole("button", { name: "Remove device" }).click();
  await page.getByText("Your personal data stays on the device", { exact: false }).waitFor();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.locator("form.cp-action-form").getByRole("button", { name: "Remove device" }).click();
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  await page.getByRole("listitem", { name: "Old Surface" }).getByText("Removing").waitFor();
  await page.getByRole("link", { name: "Old Surface" }).click();
  await page.getByText("Removal pending", { exact: false }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Lock" }).count(), 0, "a device being removed takes no Lock");
  await page.screenshot({ path: "target/e2e-removing.png", fullPage: true });

  // The reset phone has nothing left to take off: it leaves the list at once.
  await page.getByRole("link", { name: "My devices" }).first().click();
  await page.getByRole("link", { name: "Lost phone" }).click();
  await page.getByRole("heading", { name: "Lost phone" }).waitFor();
  await page.getByRole("button", { name: "Remove device" }).click();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.locator("form.cp-action-form").getByRole("button", { name: "Remove device" }).click();
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  await page.locator(".cp-device").first().waitFor();
  assert.equal(await page.getByRole("link", { name: "Lost phone" }).count(), 0);
  page.problems = page.problems.filter(notAbout(lostPhone));

  // Activity: every action, and what became of it.
  await page.getByRole("link", { name: "Activity" }).click();
  const activity = page.getByRole("list", { name: "Activity" });
  await activity.getByText("Removed a device").waitFor();
  for (const line of ["Asked to remove a device", "Reset device: cancelled", "Reset device: completed", "Reset device: taken by the device", "Reset device: delivered", "Asked to reset a device", "Lock: completed", "Lock: delivered", "Asked to lock a device", "Signed in"]) {
    assert.ok(await activity.getByText(line, { exact: true }).first().isVisible(), line);
  }

  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("Grace removes a tablet she no longer uses: its agent takes corporate apps off and it leaves her list", async () => {
  const page = await signedIn(browser, server.url, "grace@example.com");
  tablet = await enrollRunningAgent(page, server.url, { platform: "android", name: "Old tablet", model: "Galaxy Tab S6", os_version: "13" });

  await page.getByRole("link", { name: "Old tablet" }).click();
  await page.getByRole("heading", { name: "Old tablet" }).waitFor();
  const oldTablet = new URL(page.url()).pathname.split("/").pop();
  await page.getByRole("button", { name: "Remove device" }).click();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.locator("form.cp-action-form").getByRole("button", { name: "Remove device" }).click();
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  await tablet.says(/retiring: removing \d+ corporate apps/);
  await tablet.says(/removed: the device no longer holds any enrollment/);
  await page.getByRole("link", { name: "Old tablet" }).waitFor({ state: "detached" });
  assert.equal(tablet.process.exitCode ?? (await new Promise((r) => tablet.process.once("exit", r))), 0);

  await page.getByRole("link", { name: "Activity" }).click();
  const activity = page.getByRole("list", { name: "Activity" });
  await activity.getByText("Remove device: completed", { exact: true }).waitFor();
  assert.ok(await activity.getByText("Asked to remove a device", { exact: true }).isVisible());
  assert.deepEqual(page.problems.filter(notAbout(oldTablet)), []);
  await page.context().close();
});
