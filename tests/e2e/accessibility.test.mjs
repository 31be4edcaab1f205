// Every page an employee or an administrator sees, checked by axe-core
// (WCAG 2.2 A and AA, and axe's best practices) at a phone's 360 px and at
// desktop width, in the light scheme and in the dark one the system may ask
// for: no violation anywhere.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { api, eventually, launchBrowser, newPage, signIn, startServer, tabTo, violations } from "./support.mjs";

const WIDTHS = { phone: { width: 360, height: 740 }, desktop: { width: 1280, height: 900 } };
const SCHEMES = ["light", "dark"];

let server;
let browser;

before(async () => {
  server = await startServer(["--provisioning-mode", "hybrid"]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/// Opens `path` and waits until its heading shows and nothing is still loading.
async function settled(page, path) {
  await page.goto(`${server.url}${path}`);
  await page.waitForFunction(
    () =>
      document.querySelector("main h1") &&
      !document.querySelector(".cp-loading") &&
      !document.querySelector("[aria-busy='true']"),
  );
}

/// Checks each of `paths` (a function of the signed-in page, for ids) for
/// `email` (none: signed out) at every width and in both schemes.
async function checkEvery(email, paths) {
  const found = [];
  for (const [widthName, viewport] of Object.entries(WIDTHS)) {
    for (const colorScheme of SCHEMES) {
      const page = await newPage(browser, { viewport, colorScheme });
      if (email) {
        await page.goto(`${server.url}/sign-in`);
        await signIn(page, email);
        await page.waitForURL((url) => url.pathname !== "/sign-in");
      }
      for (const path of await paths(page)) {
        await settled(page, path);
        for (const problem of await violations(page)) found.push(`${path} at ${widthName} width, ${colorScheme}: ${problem}`);
      }
      assert.deepEqual(page.problems, []);
      await page.context().close();
    }
  }
  assert.deepEqual(found, []);
}

test("the pages before signing in have no accessibility violations", async () => {
  await checkEvery(null, async () => ["/sign-in", "/help", "/privacy", "/privacy/personal", "/no-such-page"]);
});

test("an employee's pages have no accessibility violations", async () => {
  await checkEvery("ada@example.com", async (page) => {
    const { devices } = await api(page, "/api/v1/devices");
    const managed = devices.find((d) => d.managed_by !== "on_premises") ?? devices[0];
    const { apps } = await api(page, "/api/v1/apps");
    return [
      "/devices",
      "/devices/add",
      `/devices/${managed.id}`,
      `/devices/${managed.id}/apps`,
      "/activity",
      "/apps",
      `/apps/${apps[0].id}`,
      "/security",
    ];
  });
});

test("the admin console's pages have no accessibility violations", async () => {
  await checkEvery("it@example.com", async (page) => {
    const { devices } = await api(page, "/api/v1/admin/devices?managed_by=on_premises");
    return [
      "/admin",
      "/admin/devices",
      `/admin/devices/${devices[0].id}`,
      "/admin/apps",
      "/admin/policies",
      "/admin/branding",
      "/admin/terms",
      "/admin/published-apps",
      "/admin/audit",
    ];
  });
});

test("with the keyboard alone, on a phone, Ada signs in, locks her phone and crosses to Apps and back", async () => {
  const page = await newPage(browser, { viewport: WIDTHS.phone, colorScheme: "dark" });
  await page.goto(`${server.url}/sign-in`);
  await tabTo(page, page.getByLabel("Email"));
  await page.keyboard.type("ada@example.com");
  await tabTo(page, page.getByLabel("Password"));
  await page.keyboard.type("demo-password-1");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "My devices" }).waitFor();

  await tabTo(page, page.getByRole("link", { name: "Work phone", exact: true }).first());
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Work phone" }).waitFor();
  // The focus went on to the new page, not left behind on the link.
  await eventually(() => page.evaluate(() => document.activeElement?.id === "main"));
  await tabTo(page, page.getByRole("button", { name: "Lock", exact: true }).first());
  await page.keyboard.press("Enter");
  await tabTo(page, page.getByLabel("Message"));
  await page.keyboard.type("Found this phone? Please call");
  await tabTo(page, page.getByLabel("Phone number"));
  await page.keyboard.type("+44 20 7946 0000");
  await page.keyboard.press("Enter");
  await page.getByRole("list", { name: "Timeline" }).getByText("Lock · Requested").waitFor();

  await tabTo(page, page.getByRole("link", { name: "Apps", exact: true }).first());
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Apps", exact: true }).waitFor();
  await tabTo(page, page.getByRole("link", { name: "My devices", exact: true }).first());
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

/// Signs in with the keyboard alone, at a phone's width.
async function keyboardSignIn(email) {
  const page = await newPage(browser, { viewport: WIDTHS.phone });
  await page.goto(`${server.url}/sign-in`);
  await tabTo(page, page.getByLabel("Email"));
  await page.keyboard.type(email);
  await tabTo(page, page.getByLabel("Password"));
  await page.keyboard.type("demo-password-1");
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => url.pathname !== "/sign-in");
  return page;
}

test("with the keyboard alone, Grace asks for a code to register her own phone", async () => {
  const page = await keyboardSignIn("grace@example.com");
  await tabTo(page, page.getByRole("link", { name: "Add device" }));
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Add device" }).waitFor();
  // One radio group, one Tab stop: the arrow keys choose within it.
  await tabTo(page, page.getByLabel("Enroll"));
  await page.keyboard.press("ArrowDown");
  assert.ok(await page.getByLabel("Register").isChecked());
  await tabTo(page, page.getByLabel("Device name"));
  await page.keyboard.type("Grace's tablet");
  await tabTo(page, page.getByRole("button", { name: "Get registration code" }));
  await page.keyboard.press("Enter");
  await page.getByLabel("Registration code", { exact: true }).waitFor();
  assert.match(await page.locator(".cp-command").textContent(), /^portal-agent register /);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("with the keyboard alone, Ada finds an app in the catalog and opens its page", async () => {
  const page = await keyboardSignIn("ada@example.com");
  await tabTo(page, page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Apps", exact: true }));
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Apps", level: 1 }).waitFor();
  await tabTo(page, page.getByLabel("Search apps"));
  await page.keyboard.type("vpn");
  const result = page.getByRole("list", { name: "Apps", exact: true }).getByRole("link", { name: "Sentry VPN" });
  await tabTo(page, result);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Sentry VPN" }).waitFor();
  await tabTo(page, page.getByRole("button", { name: "Install" }));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("with the keyboard alone, IT opens the admin console, filters All devices and opens one", async () => {
  const page = await keyboardSignIn("it@example.com");
  await tabTo(page, page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }));
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  await tabTo(page, page.getByRole("link", { name: "All devices" }).first());
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "All devices" }).waitFor();
  await tabTo(page, page.getByLabel("Platform"));
  await page.keyboard.press("ArrowDown");
  await page.waitForURL((url) => url.searchParams.get("platform"));
  const table = page.getByRole("table", { name: "All devices" });
  const first = table.getByRole("rowheader").first().getByRole("link");
  await tabTo(page, first);
  const name = (await first.textContent()).trim();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name, level: 1 }).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
