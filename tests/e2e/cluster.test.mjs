// Two nodes over one PostgreSQL database behave as one portal: Ada works on
// node A in Chromium while her phone's agent holds its command stream on node
// B (through a load balancer); Lock pressed on A reaches it and a second
// browser on B follows live; failed sign-ins on both nodes count together;
// node B killed with SIGKILL loses nothing: the agent reconnects to A and
// gets the Reset device queued meanwhile.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  PASSWORD,
  createPostgresDatabase,
  enrollRunningAgent,
  launchBrowser,
  newPage,
  signIn,
  startBalancer,
  startNode,
} from "./support.mjs";

let database;
let dataDir;
let a;
let b;
let balancer;
let browser;
let agent;

before(async () => {
  database = await createPostgresDatabase();
  // Both nodes read the same device CA and secret key.
  dataDir = mkdtempSync(join(tmpdir(), "portal-cluster-"));
  const shared = ["--data-dir", dataDir, "--database-url", database.url];
  a = await startNode(["--demo", ...shared]);
  b = await startNode(shared);
  // The agent's stream lands on B while B is up.
  balancer = await startBalancer([b.url, a.url]);
  browser = await launchBrowser();
});

after(async () => {
  agent?.stop();
  await browser?.close();
  await balancer?.close();
  await a?.stop();
  await b?.stop();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function signInFetch(url, email, password) {
  const response = await fetch(`${url}/api/v1/auth/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-requested-with": "company-portal", origin: url },
    body: JSON.stringify({ email, password }),
  });
  return response.status;
}

test("two nodes on one PostgreSQL database are one portal, and losing one loses nothing", async () => {
  // Failed sign-ins counted on A and B together trip the limit (20 a minute).
  for (let attempt = 0; attempt < 20; attempt++) {
    assert.equal(await signInFetch(attempt % 2 ? b.url : a.url, "grace@example.com", "wrong"), 401);
  }
  assert.equal(await signInFetch(a.url, "grace@example.com", PASSWORD), 429);
  assert.equal(await signInFetch(b.url, "grace@example.com", PASSWORD), 429);

  const page = await newPage(browser);
  await page.goto(`${a.url}/sign-in`);
  await signIn(page, "ada@example.com");
  await page.getByRole("heading", { name: "My devices" }).waitFor();

  // The session created on A works on B: same cookie (cookies do not care
  // about ports), another node.
  const onB = await page.context().newPage();
  await onB.goto(`${b.url}/`);
  await onB.getByRole("heading", { name: "My devices" }).waitFor();
  await onB.close();

  agent = await enrollRunningAgent(page, balancer.url, { platform: "android", name: "Field phone", model: "Pixel 8a", os_version: "15" });
  assert.ok(balancer.connections.get(b.url) > 0, "the agent is on node B");
  assert.equal(balancer.connections.get(a.url), 0);

  // A second browser, signed in on node B, watches the phone.
  const watcher = await newPage(browser);
  await watcher.goto(`${b.url}/sign-in`);
  await signIn(watcher, "ada@example.com");
  await watcher.getByRole("link", { name: "Field phone" }).click();
  await watcher.getByRole("heading", { name: "Field phone" }).waitFor();

  await page.getByRole("link", { name: "Field phone" }).click();
  await page.getByRole("heading", { name: "Field phone" }).waitFor();
  await page.getByRole("button", { name: "Lock" }).click();
  await page.getByLabel("Message").fill("Found this phone? Please call");
  await page.getByLabel("Phone number").fill("+44 20 7946 0000");
  await page.getByRole("button", { name: "Lock device" }).click();
  await agent.says(/locked: Found this phone\? Please call/);
  const lockOn = (p) => p.getByRole("list", { name: "Timeline" }).getByRole("listitem", { name: "Lock" });
  await lockOn(page).getByText("Lock · Completed").waitFor();
  await lockOn(watcher).getByText("Lock · Completed").waitFor();

  // Node B dies with the agent's stream; Reset device is pressed on A meanwhile.
  const killed = new Promise((resolve) => b.process.once("exit", resolve));
  b.process.kill("SIGKILL");
  await killed;
  await page.getByRole("button", { name: "Reset device" }).click();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Type the device's name to confirm").fill("Field phone");
  await page.locator("form.cp-action-form").getByRole("button", { name: "Reset device" }).click();
  await agent.says(/received: wipe /);
  assert.ok(balancer.connections.get(a.url) > 0, "the agent came back through node A");
  const reset = page.getByRole("list", { name: "Timeline" }).getByRole("listitem", { name: "Reset device" });
  await reset.getByText("Reset device · Completed").waitFor();
  await page.locator(".cp-page__title").getByText("Wiped").waitFor();

  assert.deepEqual(page.problems, []);
  await page.context().close();
  await watcher.context().close();
});
