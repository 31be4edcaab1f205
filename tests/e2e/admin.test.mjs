// The admin console in a real browser: an employee finds no Admin link and
// Page not found at its address; the IT administrator filters All devices to
// noncompliant Android phones, sorts, pages on and exports them as CSV;
// raises the minimum Android version and an owner's portal shows the change live;
// adds a required app and retires it; a hybrid sync brings an employee's
// desktop and co-manages her phone.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { api, launchBrowser, newPage, PASSWORD, signedIn, signIn, startServer } from "./support.mjs";

let server;
let browser;

before(async () => {
  // A fleet of a few hundred besides the demo's own devices: more than a page.
  server = await startServer(["--demo-fleet", "1500"]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("an employee has no Admin link, and the admin console's address is Page not found", async () => {
  const page = await signedIn(browser, server.url, "ada@example.com");
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Help" }).waitFor();
  assert.equal(await nav.getByRole("link", { name: "Admin" }).count(), 0);
  await page.goto(`${server.url}/admin/devices`);
  await page.getByRole("heading", { name: "Page not found" }).waitFor();
  assert.equal(await page.getByRole("table").count(), 0);
  await page.close();
});

test("the administrator filters All devices to noncompliant Android phones, sorts, pages and exports them", async () => {
  const page = await newPage(browser, { acceptDownloads: true });
  await page.goto(`${server.url}/sign-in`);
  await signIn(page, "it@example.com");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();

  // The Overview counts the fleet, and each count leads to its devices.
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  const everything = await api(page, "/api/v1/admin/devices");
  assert.ok(everything.total > 1500);
  await page.getByRole("link", { name: `${everything.total} devices` }).waitFor();
  await page.getByRole("heading", { name: "Provisioning mode: Standalone" }).waitFor();
  const platforms = page.getByRole("region", { name: "Platforms" });
  await platforms.getByRole("link", { name: "Android" }).click();
  await page.getByRole("heading", { name: "All devices" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/admin/devices");
  assert.equal(await page.getByLabel("Platform").inputValue(), "android");
  const android = await api(page, "/api/v1/admin/devices?platform=android");
  await page.getByText(`${android.total} devices`, { exact: true }).waitFor();
  const table = page.getByRole("table", { name: "All devices" });
  const rows = table.locator("tbody tr");
  assert.equal(await rows.count(), 50, "a page of 50");

  // Noncompliant Android phones.
  await page.getByLabel("Compliance").selectOption({ label: "Noncompliant" });
  const expected = await api(page, "/api/v1/admin/devices?platform=android&compliance=out_of_compliance,cannot_access");
  assert.ok(expected.total > 50, `more than a page: ${expected.total}`);
  await page.getByText(`${expected.total} devices`, { exact: true }).waitFor();
  assert.equal(new URL(page.url()).search, "?platform=android&compliance=out_of_compliance%2Ccannot_access");
  await table.getByRole("row", { name: new RegExp(expected.devices[0].name) }).waitFor();
  for (const row of await rows.all()) {
    const cells = await row.getByRole("cell").allInnerTexts();
    assert.equal(cells[1], "Android");
    assert.match(cells[4], /Out of compliance|Cannot access/);
  }

  // Sorted on Last seen, up then down.
  const lastSeen = table.getByRole("columnheader", { name: "Last seen" });
  await lastSeen.getByRole("button").click();
  await page.waitForFunction(() => document.querySelector("th[aria-sort='ascending']")?.textContent.includes("Last seen"));
  const oldest = await api(page, "/api/v1/admin/devices?platform=android&compliance=out_of_compliance,cannot_access&sort=last_seen");
  await rows.first().getByRole("rowheader", { name: new RegExp(oldest.devices[0].name) }).waitFor();
  await lastSeen.getByRole("button").click();
  await page.waitForFunction(() => document.querySelector("th[aria-sort='descending']")?.textContent.includes("Last seen"));
  const newest = await api(page, "/api/v1/admin/devices?platform=android&compliance=out_of_compliance,cannot_access&sort=last_seen&order=desc");
  await rows.first().getByRole("rowheader", { name: new RegExp(newest.devices[0].name) }).waitFor();

  // Show more adds the next page under the first.
  await page.getByRole("button", { name: "Show more" }).click();
  await page.waitForFunction((n) => document.querySelectorAll("tbody tr").length === n, Math.min(100, expected.total));

  // The export holds every device of the filter, in the same order.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "all-devices.csv");
  const lines = (await readFile(await download.path(), "utf8")).trim().split("\r\n");
  assert.match(lines[0], /^Name,User,User name,Platform,OS version,Model,Ownership,Compliance,Managed by,Last seen/);
  assert.equal(lines.length - 1, expected.total);
  for (const line of lines.slice(1)) assert.match(line, /,Android,.*,(Out of compliance|Cannot access),/);
  assert.ok(lines[1].startsWith(`${newest.devices[0].name},`));

  // A search narrows the same filter further, by a user's email.
  const owner = newest.devices[0].user_email;
  await page.getByLabel("Search devices").fill(owner);
  const theirs = await api(page, `/api/v1/admin/devices?q=${encodeURIComponent(owner)}&platform=android&compliance=out_of_compliance,cannot_access`);
  await page.getByText(theirs.total === 1 ? "1 device" : `${theirs.total} devices`, { exact: true }).waitFor();
  assert.equal(await rows.count(), theirs.total);
  await page.close();
});

test("the administrator reads the audit log filtered to one person's actions and exports it", async () => {
  const page = await signedIn(browser, server.url, "it@example.com", { acceptDownloads: true });
  await page.goto(`${server.url}/admin`);
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Audit log" }).click();
  await page.getByRole("heading", { name: "Audit log" }).waitFor();
  const log = page.getByRole("table", { name: "Audit log" });
  await log.getByRole("rowheader", { name: /Signed in/ }).first().waitFor();

  // Ada signed in in the first test: her entries, and nobody else's.
  await page.getByLabel("Actor").fill("ada@example.com");
  await page.getByLabel("Actor").press("Enter");
  await page.waitForFunction(() => new URL(location.href).search === "?actor=ada%40example.com");
  const expected = await api(page, "/api/v1/admin/audit?actor=ada@example.com&per_page=200");
  assert.ok(expected.entries.length >= 1);
  await page.waitForFunction((n) => document.querySelectorAll("tbody tr").length === n, expected.entries.length);
  for (const actor of await log.locator("tbody tr td:nth-child(2)").allInnerTexts()) assert.equal(actor, "ada@example.com");

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "audit-log.csv");
  const lines = (await readFile(await download.path(), "utf8")).trim().split("\r\n");
  assert.equal(lines[0], "Entry,Time,Actor,Action,Subject,Source,Outcome,Reason");
  assert.equal(lines.length - 1, expected.entries.length);
  assert.ok(lines.slice(1).every((line) => line.split(",")[2] === "ada@example.com"));
  await page.close();
});

test("the administrator resets an employee's lost phone with a reason the owner reads live on its timeline", async () => {
  // Ada watches her phone's page.
  const ada = await newPage(browser);
  await ada.goto(`${server.url}/sign-in`);
  await signIn(ada, "ada@example.com");
  await ada.getByRole("link", { name: "Work phone" }).click();
  await ada.getByRole("heading", { name: "Work phone" }).waitFor();
  await ada.getByRole("heading", { name: "Timeline" }).waitFor();

  const it = await signedIn(browser, server.url, "it@example.com");
  await it.goto(`${server.url}/admin/devices?q=${encodeURIComponent("ada@example.com")}`);
  await it.getByRole("table", { name: "All devices" }).getByRole("link", { name: "Work phone" }).click();
  await it.getByRole("heading", { name: "Work phone", level: 1 }).waitFor();
  await it.getByText("Ada Lovelace (ada@example.com)").waitFor();
  await it.getByRole("heading", { name: "Certificate" }).waitFor();

  await it.getByRole("button", { name: "Reset device" }).click();
  const reset = it.locator("form");
  await reset.getByLabel("Reason (the owner reads it)").fill("Reported stolen at the airport");
  await reset.getByLabel("Type the device's name to confirm").fill("Work phone");
  await reset.getByLabel("Your password").fill(PASSWORD);
  await reset.getByRole("button", { name: "Reset device" }).click();
  await it.getByRole("status").filter({ hasText: "Reset requested" }).waitFor();
  const commands = it.getByRole("table", { name: "Commands" });
  await commands.getByRole("row", { name: /Reset device.*IT Admin.*Reported stolen at the airport/ }).waitFor();
  await it.getByRole("table", { name: "Audit trail" }).getByRole("row", { name: /Asked to reset a device.*wipe_requested.*Reported stolen at the airport/ }).waitFor();

  // Ada's page follows live: who asked and why, and no Cancel for her.
  const entry = ada.getByRole("list", { name: "Timeline" }).getByRole("listitem", { name: "Reset device" });
  await entry.getByText("Requested by IT Admin, your IT department: Reported stolen at the airport").waitFor();
  assert.equal(await entry.getByRole("button", { name: "Cancel reset" }).count(), 0);
  await ada.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Activity" }).click();
  await ada.getByRole("list", { name: "Activity" }).getByText("Asked to reset a device (by IT Admin, IT): Reported stolen at the airport").waitFor();
  await ada.close();

  // The phone has not taken it yet: the administrator can take it back.
  await commands.getByRole("button", { name: "Cancel reset" }).click();
  await commands.getByRole("row", { name: /Reset device.*Cancelled.*IT Admin/ }).waitFor();
  assert.equal(await commands.getByRole("button", { name: "Cancel reset" }).count(), 0);

  // Her personal iPhone is hers to reset: the console offers Retire alone, and says why.
  await it.goto(`${server.url}/admin/devices?q=${encodeURIComponent("ada@example.com")}`);
  await it.getByRole("table", { name: "All devices" }).getByRole("link", { name: "Personal iPhone" }).click();
  await it.getByRole("heading", { name: "Personal iPhone", level: 1 }).waitFor();
  await it.getByText("A personal device is its owner's to reset").waitFor();
  assert.equal(await it.getByRole("button", { name: "Reset device" }).count(), 0);
  assert.equal(await it.getByRole("button", { name: "Retire", exact: true }).count(), 1);
  await it.close();
});

test("the administrator raises the minimum Android version and an employee's phone turns Out of compliance live", async () => {
  // Grace keeps My devices open: her Galaxy runs Android 14.
  const grace = await newPage(browser);
  await grace.goto(`${server.url}/sign-in`);
  await signIn(grace, "grace@example.com");
  const galaxy = grace.getByRole("listitem", { name: "Grace's Galaxy" });
  await galaxy.getByText("Can access").waitFor();

  const it = await signedIn(browser, server.url, "it@example.com");
  await it.goto(`${server.url}/admin`);
  await it.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Policies" }).click();
  await it.getByRole("heading", { name: "Policies" }).waitFor();
  await it.getByText("Version 1: the server's configuration.").waitFor();
  const minimum = it.getByLabel("Minimum Android version to be compliant");
  assert.equal(await minimum.inputValue(), "13");
  await minimum.fill("15");
  await it.getByRole("button", { name: "Save policies" }).click();
  await it.getByText(/^Version 2, saved by IT Admin \(it@example.com\)/).waitFor();
  // Every device, the fleet's too, is checked against version 2, with the progress shown.
  const { total } = await api(it, "/api/v1/admin/devices");
  await it.getByText(new RegExp(`^Every device checked against version 2: \\d+ of ${total} devices changed`)).waitFor();

  // Grace's portal shows the new state without a reload, and why.
  await galaxy.getByText("Out of compliance").waitFor();
  await galaxy.getByRole("link", { name: "Grace's Galaxy" }).click();
  await grace.getByText("Android 14 is older than the required 15.").waitFor();

  // The audit log has the change, by whom.
  const log = await api(it, "/api/v1/admin/audit?action=policy_changed");
  assert.equal(log.entries.length, 1);
  assert.equal(log.entries[0].actor, "it@example.com");
  await grace.close();
  await it.close();
});

test("the administrator adds a required app, seeing first how many devices it reaches, then retires it", async () => {
  const it = await signedIn(browser, server.url, "it@example.com");
  await it.goto(`${server.url}/admin`);
  await it.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Apps", exact: true }).click();
  await it.getByRole("heading", { name: "Apps", level: 1 }).waitFor();
  await it.getByRole("table", { name: "Catalog" }).getByRole("row").nth(5).waitFor();

  await it.getByRole("button", { name: "Add app" }).click();
  const form = it.getByRole("form", { name: "Add app" });
  await form.getByLabel("Name").fill("Field Notes");
  await form.getByLabel("Publisher").fill("Example IT");
  await form.getByLabel("Description").fill("Notes and photos for site visits.");
  await form.getByLabel("Category").selectOption("Productivity");
  await form.getByLabel("Android").check();
  await form.getByLabel("Icon colour").fill("#1a7f37");
  // The icon preview follows the name and colour.
  assert.equal(await form.getByLabel("Icon preview").innerText(), "FN\nField Notes");
  await form.getByLabel(/^Required/).check();
  const { devices } = await api(it, "/api/v1/admin/required-reach?platforms=android");
  assert.ok(devices > 100, `the fleet's Android devices: ${devices}`);
  await form.getByText(`Required: saving installs it on ${devices} devices that do not have it.`).waitFor();
  await form.getByRole("button", { name: "Save app" }).click();
  await it.getByRole("status").filter({ hasText: "Field Notes is saved." }).waitFor();
  const row = it.getByRole("table", { name: "Catalog" }).getByRole("row", { name: /Field Notes.*Productivity.*Android.*Required/ });
  await row.waitFor();
  // Installs are on their way: marked required again, it reaches nobody more.
  assert.equal((await api(it, "/api/v1/admin/required-reach?app=field-notes&platforms=android")).devices, 0);

  await row.getByRole("button", { name: "Field Notes" }).click();
  const edit = it.getByRole("form", { name: "Edit Field Notes" });
  await edit.getByText("Required: no device is waiting for it.").waitFor();
  await edit.getByRole("button", { name: "Retire app" }).click();
  await edit.getByRole("button", { name: "Retire it" }).click();
  await it.getByRole("status").filter({ hasText: "Field Notes is retired" }).waitFor();
  // The catalog is read again after the notice: the row goes then.
  await it.getByRole("table", { name: "Catalog" }).getByRole("row", { name: /Field Notes/ }).waitFor({ state: "detached" });
  await it.close();
});

test("a hybrid sync puts an employee's desktop on My devices, Managed on premises, and makes her phone Co-managed", async () => {
  const hybrid = await startServer(["--provisioning-mode", "hybrid"]);
  try {
    const ada = await newPage(browser);
    await ada.goto(`${hybrid.url}/sign-in`);
    await signIn(ada, "ada@example.com");
    const phone = ada.getByRole("listitem", { name: "Work phone" });
    await phone.waitFor();
    assert.equal(await phone.getByText("Co-managed with your on-premises tools").count(), 0);

    // The administrator makes a sync token; the on-premises manager sends its CSV with it.
    const it = await newPage(browser);
    await it.goto(`${hybrid.url}/sign-in`);
    await signIn(it, "it@example.com");
    await it.getByRole("heading", { name: "My devices" }).waitFor();
    const { token } = await it.evaluate(() =>
      fetch("/api/v1/admin/sync-tokens", { method: "POST", headers: { "x-requested-with": "company-portal" } }).then((r) => r.json()),
    );
    const csv = [
      "onprem_id,name,os,os_build,primary_user,model,manufacturer,serial_number,domain",
      "16777300,ADA-WORKSTATION,Microsoft Windows 11 Enterprise,10.0.22631,ada@example.com,Precision 3680,Dell Inc.,8ZK4QW1,corp.example.com",
      "16777301,ADA-PIXEL,Android 15,15,ada@example.com,Pixel 8,Google,R5CW21XK4PM,corp.example.com",
    ].join("\n");
    const sent = await fetch(`${hybrid.url}/api/v1/admin/inventory-sync?snapshot=partial`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
      body: csv,
    });
    assert.equal(sent.status, 200);
    const report = await sent.json();
    assert.deepEqual([report.created, report.co_managed, report.rejected.length], [1, 1, 0]);

    // Ada's open portal shows both without a reload: one row for the phone.
    const desktop = ada.getByRole("listitem", { name: "ADA-WORKSTATION" });
    await desktop.getByText("Managed on premises").waitFor();
    await phone.getByText("Co-managed with your on-premises tools").waitFor();
    assert.equal(await ada.getByRole("listitem", { name: "ADA-PIXEL" }).count(), 0);
    await desktop.getByRole("link", { name: "ADA-WORKSTATION" }).click();
    await ada.getByText("the portal shows it but cannot act on it").waitFor();
    assert.equal(await ada.getByRole("button", { name: "Reset device" }).count(), 0);

    // The unified view, filtered to what the on-premises manager alone knows.
    await it.goto(`${hybrid.url}/admin/devices`);
    await it.getByLabel("Managed by").selectOption({ label: "On premises" });
    const table = it.getByRole("table", { name: "All devices" });
    await table.getByRole("row", { name: /ADA-WORKSTATION.*On premises/ }).waitFor();
    await table.getByRole("row", { name: /FILESRV-01.*Windows Server/ }).waitFor();
    await ada.close();
    await it.close();
  } finally {
    await hybrid.stop();
  }
});

test("an Office 365 portal offers no Lock nor installs and says why, and its Overview names the mode", async () => {
  const office = await startServer(["--provisioning-mode", "office365"]);
  try {
    const ada = await newPage(browser);
    await ada.goto(`${office.url}/sign-in`);
    await signIn(ada, "ada@example.com");
    await ada.getByRole("link", { name: "Work phone" }).click();
    await ada.getByRole("heading", { name: "Actions" }).waitFor();
    const lock = ada.getByRole("button", { name: "Lock", exact: true });
    assert.ok(await lock.isDisabled());
    assert.match(await ada.locator("#lock-not-offered").innerText(), /plan \(Office 365: basic mobility management\) does not include Lock/);
    assert.ok(await ada.getByRole("button", { name: "Reset device" }).isEnabled());
    assert.ok(await ada.getByRole("button", { name: "Remove device" }).isEnabled());
    // The catalog says plainly that the plan installs no apps, and holds the web apps.
    await ada.goto(`${office.url}/apps`);
    await ada.getByText("includes web apps only: open them in the browser").waitFor();
    await ada.getByRole("heading", { name: "All apps" }).waitFor();
    await ada.close();

    const it = await newPage(browser);
    await it.goto(`${office.url}/sign-in`);
    await signIn(it, "it@example.com");
    await it.getByRole("heading", { name: "My devices" }).waitFor();
    await it.goto(`${office.url}/admin`);
    await it.getByRole("heading", { name: "Provisioning mode: Office 365" }).waitFor();
    await it.getByText("Reset device and Remove device.").waitFor();
    await it.close();
  } finally {
    await office.stop();
  }
});
