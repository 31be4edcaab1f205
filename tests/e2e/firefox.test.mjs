// The main journeys in Firefox (Debian's firefox-esr, driven through
// WebDriver by geckodriver: playwright-core has no Firefox of its own that
// runs here): Ada signs in on a phone-sized window, locks and then resets her
// lost phone with its agent connected, and crosses to Apps and back; Grace
// adds a phone through Add device, which the real agent enrolls.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { Builder, By, until } from "selenium-webdriver";
import firefox from "selenium-webdriver/firefox.js";
import { AGENT_BIN, PASSWORD, enrollRunningAgent, startServer } from "./support.mjs";

const WAIT = 15_000;

let server;
let driver;
let agent;

before(async () => {
  if (!process.env.GECKODRIVER) throw new Error("set GECKODRIVER to geckodriver's path (the test command does)");
  server = await startServer();
  const options = new firefox.Options()
    .setBinary(process.env.FIREFOX ?? "/usr/bin/firefox-esr")
    .addArguments("-headless")
    .windowSize({ width: 360, height: 740 });
  driver = await new Builder()
    .forBrowser("firefox")
    .setFirefoxOptions(options)
    .setFirefoxService(new firefox.ServiceBuilder(process.env.GECKODRIVER))
    .build();
});

after(async () => {
  agent?.stop();
  await driver?.quit();
  await server?.stop();
});

const quoted = (text) => (text.includes("'") ? `"${text}"` : `'${text}'`);
/// The first element of `tag` whose text is exactly `text`, once it shows.
const named = async (tag, text) => {
  const element = await driver.wait(until.elementLocated(By.xpath(`//${tag}[normalize-space()=${quoted(text)}]`)), WAIT);
  return driver.wait(until.elementIsVisible(element), WAIT);
};
const heading = (text) => named("h1", text);
/// The input a `<label>` names.
const field = async (label) => {
  const element = await named("label", label);
  return driver.findElement(By.id(await element.getAttribute("for")));
};
const textShows = (text) =>
  driver.wait(until.elementLocated(By.xpath(`//*[contains(normalize-space(), ${quoted(text)}) and not(*[contains(normalize-space(), ${quoted(text)})])]`)), WAIT);

/// Signs `email` in from Sign in's page, a new session.
const signIn = async (email) => {
  await driver.manage().deleteAllCookies();
  await driver.get(`${server.url}/sign-in`);
  // Sign in's plain page goes once the portal has started and shows its own
  // (WebDriver's references to the plain page's fields would go with it).
  await driver.wait(() => driver.executeScript("return document.getElementById('cp-first-paint') === null"), WAIT);
  await (await field("Email")).sendKeys(email);
  await (await field("Password")).sendKeys(PASSWORD);
  await (await named("button", "Sign in")).click();
  await heading("My devices");
};

test("in Firefox, Ada signs in, locks and resets her lost phone, and crosses to Apps and back", async () => {
  await signIn("ada@example.com");
  // No horizontal scrolling at 360 px.
  assert.equal(await driver.executeScript("return document.documentElement.scrollWidth <= window.innerWidth"), true);

  // Her phone's agent enrolls with a code issued to this session, and stays connected.
  const session = { evaluate: (fn, arg) => driver.executeAsyncScript(`(${fn})(arguments[0]).then(arguments[1])`, arg) };
  agent = await enrollRunningAgent(session, server.url, { platform: "android", name: "Lost phone", model: "Pixel 8a", os_version: "15" });

  // The list updates live: the phone shows up without a reload.
  await (await named("a", "Lost phone")).click();
  await heading("Lost phone");

  await (await named("button", "Lock")).click();
  await (await field("Message")).sendKeys("Found this phone? Please call");
  await (await field("Phone number")).sendKeys("+44 20 7946 0000");
  await (await named("button", "Lock device")).click();
  await textShows("Lock · Completed");
  await agent.says(/locked: Found this phone\? Please call/);

  await (await named("button", "Reset device")).click();
  await textShows("Reset device erases everything on Lost phone.");
  await (await field("Password")).sendKeys(PASSWORD);
  const typed = await field("Type the device's name to confirm");
  await typed.sendKeys("lost phone");
  const confirm = await driver.findElement(By.xpath("//form[contains(@class,'cp-action-form')]//button[normalize-space()='Reset device']"));
  assert.equal(await confirm.isEnabled(), false, "disabled until the name matches");
  await typed.clear();
  await typed.sendKeys("Lost phone");
  await driver.wait(until.elementIsEnabled(confirm), WAIT);
  await confirm.click();
  await agent.says(/received: wipe /);
  await textShows("Reset device · Completed");
  await textShows("Revoked on");

  // Apps is another bundle: the crossing loads it, and My devices comes back.
  await (await named("a", "Apps")).click();
  await heading("Apps");
  await driver.wait(until.elementLocated(By.css(".cp-app-card")), WAIT);
  await (await named("a", "My devices")).click();
  await heading("My devices");
  await named("a", "Lost phone");
});

test("in Firefox, Grace adds a phone: a code from Add device, the agent enrolls, the page follows it", async () => {
  await signIn("grace@example.com");
  // Add device is the account's bundle: the crossing loads it.
  await (await named("a", "Add device")).click();
  await heading("Add device");
  await (await field("Platform")).findElement(By.xpath("./option[normalize-space()='Android']")).click();
  await textShows("Requires Android 10 or later.");
  await (await field("Device name")).sendKeys("Grace's Pixel");
  await (await named("button", "Get enrollment code")).click();
  const code = (await (await driver.wait(until.elementLocated(By.css("[aria-label='Enrollment code']")), WAIT)).getText()).trim();
  assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  await textShows("Waiting for the device to enroll…");

  const stateDir = mkdtempSync(join(tmpdir(), "portal-agent-"));
  try {
    await promisify(execFile)(AGENT_BIN, [
      "enroll", "--state-dir", stateDir, "--server", server.url, "--code", code,
      "--platform", "android", "--os-version", "15", "--model", "Pixel 9",
    ]);
    // The page moves on to the new device by itself.
    await heading("Grace's Pixel");
    await textShows("This device meets your organisation's policies.");
    assert.match(await driver.getCurrentUrl(), /\/devices\/[0-9a-f-]{36}$/);
    assert.equal(await driver.executeScript("return document.documentElement.scrollWidth <= window.innerWidth"), true);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
