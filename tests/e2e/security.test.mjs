// Two-step verification in a real browser: set up an authenticator app,
// sign out, sign in again with a code the test computes from the secret.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, newPage, signedIn, signIn, startServer, totp } from "./support.mjs";

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

test("Grace turns on an authenticator app, then signs in with its code and with a recovery code", async () => {
  const page = await signedIn(browser, server.url, "grace@example.com");
  await page.getByRole("link", { name: "Security" }).click();
  await page.getByRole("heading", { name: "Security" }).waitFor();
  await page.getByText("Off.", { exact: false }).waitFor();

  await page.getByRole("button", { name: "Set up authenticator app" }).click();
  await page.getByRole("img", { name: "QR code for your authenticator app" }).locator("svg").waitFor();
  const secret = (await page.locator(".cp-secret").textContent()).trim();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await page.getByLabel("Code", { exact: true }).fill("000000");
  await page.getByRole("button", { name: "Turn on" }).click();
  await page.getByText("That code does not match.", { exact: false }).waitFor();
  await page.getByLabel("Code", { exact: true }).fill(totp(secret));
  await page.getByRole("button", { name: "Turn on" }).click();

  const codes = page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
  await codes.first().waitFor();
  assert.equal(await codes.count(), 10);
  const recovery = (await codes.first().textContent()).trim();
  await page.getByRole("button", { name: "I have saved these codes" }).click();
  await page.getByText("10 recovery codes left.", { exact: false }).waitFor();

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
  await signIn(page, "grace@example.com");
  await page.getByText("Enter the 6-digit code from your authenticator app", { exact: false }).waitFor();
  // The confirming code was spent; the next step's is inside the window.
  await page.getByLabel("Code", { exact: true }).fill(totp(secret, 1));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  // The wrong first code (422) and the sign-in that asked for a code (401) are logged by the browser; nothing else.
  assert.deepEqual(page.problems.filter((p) => !/status of (401|422)/.test(p)), []);
  await page.context().close();

  const other = await newPage(browser);
  await other.goto(`${server.url}/sign-in`);
  await signIn(other, "grace@example.com");
  await other.getByLabel("Code", { exact: true }).fill(recovery);
  await other.getByRole("button", { name: "Sign in", exact: true }).click();
  await other.getByRole("heading", { name: "My devices" }).waitFor();
  await other.getByRole("link", { name: "Security" }).click();
  await other.getByText("9 recovery codes left.", { exact: false }).waitFor();

  await other.getByRole("button", { name: "Sign out everywhere" }).click();
  await other.getByText("You have signed out on every device.").waitFor();
  await other.context().close();
});
