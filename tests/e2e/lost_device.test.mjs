// Lost device in a real browser, with the real agent connected: Lock, then
// Reset device with its guards, watched on the timeline until Completed;
// Cancel reset on another device; Remove device on a third.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { AGENT_BIN, PASSWORD, launchBrowser, newPage, signIn, startServer } from "./support.mjs";

const run = promisify(execFile);
let server;
let browser;
let stateDir;
let agentProcess;
let agentOutput = "";

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  stateDir = mkdtempSync(join(tmpdir(), "portal-agent-"));
});

after(async () => {
  agentProcess?.kill("SIGINT");
  await browser?.close();
  await server?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/// Resolves when the agent has printed a line matching `pattern`.
function agentSays(pattern) {
  return new Promise((resolve, reject) => {
    const check = () => pattern.test(agentOutput) && resolve();
    agentProcess.stdout.on("data", check);
    agentProcess.once("exit", (code) => reject(new Error(`agent exited (${code}) before ${pattern}: ${agentOutput}`)));
    check();
  });
}

test("Ada locks and then resets her lost phone, cancels a mistaken reset, and removes an old laptop", async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/sign-in`);
  await signIn(page, "ada@example.com");
  await page.getByRole("heading", { name: "My devices" }).waitFor();

  // Ada's phone enrolls and its agent stays connected.
  const issued = await page.evaluate(() =>
    fetch("/api/v1/enrollment-codes", {
      method: "POST",
      headers: { "content-type": "application/json", "x-requested-with": "company-portal" },
      body: JSON.stringify({ platform: "android", device_name: "Lost phone", ownership: "corporate", category: "Phone" }),
    }).then((r) => r.json()),
  );
  await run(AGENT_BIN, ["enroll", "--state-dir", stateDir, "--server", server.url, "--code", issued.code,
    "--platform", "android", "--os-version", "15", "--model", "Pixel 8a"]);
  agentProcess = spawn(AGENT_BIN, ["run", "--state-dir", stateDir, "--interval", "3600"]);
  agentProcess.stdout.on("data", (chunk) => (agentOutput += chunk));
  await agentSays(/connected: waiting for commands/);

  await page.getByRole("link", { name: "Lost phone" }).click();
  await page.getByRole("heading", { name: "Lost phone" }).waitFor();

  await page.getByRole("button", { name: "Lock" }).click();
  await page.getByLabel("Message").fill("Found this phone? Please call");
  await page.getByLabel("Phone number").fill("+44 20 7946 0000");
  await page.getByRole("button", { name: "Lock device" }).click();
  const lock = page.getByRole("list", { name: "Timeline" }).getByRole("listitem", { name: "Lock" });
  await lock.getByText("Lock · Completed").waitFor();
  assert.match(agentOutput, /locked: Found this phone\? Please call \/ \+44 20 7946 0000/);

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
  await agentSays(/received: wipe /);
  console.log(`# Reset device pressed -> agent received it: ${Date.now() - pressed} ms (password check included)`);

  const reset = page.getByRole("list", { name: "Timeline" }).getByRole("listitem", { name: "Reset device" });
  await reset.getByText("Reset device · Completed").waitFor();
  for (const step of ["Requested", "Delivered", "Acknowledged", "Completed"]) {
    assert.ok(await reset.getByText(step, { exact: false }).first().isVisible(), step);
  }
  await page.locator(".cp-page__title").getByText("Wiped").waitFor();
  await page.getByText("Revoked on", { exact: false }).waitFor();
  assert.equal(await agentProcess.exitCode ?? (await new Promise((r) => agentProcess.once("exit", r))), 0);

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

  // Remove device: reads and looks different from Reset; the device leaves the list.
  await page.getByRole("link", { name: "My devices" }).first().click();
  await page.getByRole("link", { name: "Old Surface" }).click();
  await page.getByRole("heading", { name: "Old Surface" }).waitFor();
  await page.getByRole("button", { name: "Remove device" }).click();
  await page.getByText("Your personal data stays on the device", { exact: false }).waitFor();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.locator("form.cp-action-form").getByRole("button", { name: "Remove device" }).click();
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  await page.locator(".cp-device").first().waitFor();
  assert.equal(await page.getByRole("link", { name: "Old Surface" }).count(), 0);
  await page.screenshot({ path: "target/e2e-after-remove.png", fullPage: true });

  // Activity: every action, and what became of it.
  await page.getByRole("link", { name: "Activity" }).click();
  const activity = page.getByRole("list", { name: "Activity" });
  await activity.getByText("Removed a device").waitFor();
  for (const line of ["Reset device: cancelled", "Reset device: completed", "Reset a device", "Lock: completed", "Locked a device", "Signed in"]) {
    assert.ok(await activity.getByText(line, { exact: true }).first().isVisible(), line);
  }

  assert.deepEqual(page.problems, []);
  await page.context().close();
});
