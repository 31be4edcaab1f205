// Branding in a real browser: the IT administrator sets the organisation's
// name, theme colour and logo on the Branding page; Ada's portal, open on her
// phone, takes them on without a reload, and stays free of accessibility
// violations in the branded colours, light and dark.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newPage, launchBrowser, signedIn, signIn, startServer, violations } from "./support.mjs";

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

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" onload="alert(1)">
  <script>alert(2)</script><circle cx="32" cy="32" r="30" fill="#6b2fa0"/></svg>`;

test("the administrator brands the portal and Ada's open portal changes without a reload", async () => {
  const ada = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await ada.goto(`${server.url}/sign-in`);
  await signIn(ada, "ada@example.com");
  await ada.getByRole("heading", { name: "My devices" }).waitFor();
  await ada.getByRole("link", { name: "Company Portal" }).waitFor();
  const loads = [];
  ada.on("framenavigated", (frame) => frame === ada.mainFrame() && loads.push(frame.url()));

  const it = await signedIn(browser, server.url, "it@example.com");
  await it.goto(`${server.url}/admin`);
  await it.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Branding" }).click();
  await it.getByRole("heading", { name: "Branding" }).waitFor();
  await it.getByText("Version 0: the server's configuration.").waitFor();
  // A colour white text cannot be read on is refused, saying why.
  await it.getByLabel("Theme colour").fill("#e37400");
  await it.getByRole("button", { name: "Save branding" }).click();
  await it.getByText(/White text on #e37400 has a contrast of 3\.\d+:1, under the 4\.5:1/).waitFor();

  await it.getByLabel("Organisation name").fill("Contoso");
  await it.getByLabel("Theme colour").fill("#6b2fa0");
  await it.getByLabel("Privacy statement address (https://…)").fill("https://contoso.example/privacy");
  // Saved with Enter from the field being edited: the form stays, and so does the focus.
  await it.getByLabel("Privacy statement address (https://…)").press("Enter");
  await it.getByText(/^Version 1, saved by IT Admin \(it@example\.com\)/).waitFor();
  assert.equal(await it.evaluate(() => document.activeElement?.id), "privacy_url");
  assert.equal(await it.getByLabel("Organisation name").inputValue(), "Contoso");
  await it.getByLabel("Logo file (PNG or SVG, at most 512 KB)").setInputFiles({
    name: "contoso.svg",
    mimeType: "image/svg+xml",
    buffer: Buffer.from(LOGO),
  });
  await it.getByText(/^Version 2, saved by IT Admin/).waitFor();
  const preview = it.getByRole("img", { name: "The logo in force" });
  await preview.waitFor();
  assert.ok(await preview.evaluate((img) => img.complete && img.naturalHeight === 128), "the SVG drawn 128 pixels tall");

  // Ada's portal, never reloaded: the name, the title, the colours, the logo.
  await ada.getByRole("link", { name: "Contoso" }).waitFor();
  assert.equal(await ada.title(), "Contoso Company Portal");
  // The header is the theme colour 20% darker: #6b2fa0 → rgb(86, 38, 128).
  await ada.waitForFunction(() => getComputedStyle(document.querySelector(".cp-header")).backgroundColor === "rgb(86, 38, 128)");
  await ada.waitForFunction(() =>
    getComputedStyle(document.querySelector(".cp-header__brand"), "::before").backgroundImage.includes("/branding/logo?v=2"),
  );
  assert.deepEqual(loads, [], "no page load");
  assert.deepEqual(await violations(ada), []);
  await ada.emulateMedia({ colorScheme: "dark" });
  assert.deepEqual(await violations(ada), []);

  // A new visit is branded from its first paint, Sign in included: the
  // palette is written into the page, with nothing linked to wait for.
  const visitor = await newPage(browser);
  const signInPage = await visitor.goto(`${server.url}/sign-in`);
  const html = await signInPage.text();
  assert.match(html, /<style data-branding>[^<]*--cp-fill:#6b2fa0/);
  assert.doesNotMatch(html, /<link[^>]*branding\.css/);
  await visitor.getByRole("link", { name: "Contoso" }).waitFor();
  assert.equal(await visitor.title(), "Contoso Company Portal");
  assert.equal(await visitor.evaluate(() => getComputedStyle(document.querySelector(".cp-button--primary")).backgroundColor), "rgb(107, 47, 160)");
  // Privacy links to the organisation's own statement.
  await visitor.goto(`${server.url}/privacy/personal`);
  const statement = visitor.getByRole("link", { name: "Your organisation's privacy statement" });
  assert.equal(await statement.getAttribute("href"), "https://contoso.example/privacy");

  assert.deepEqual(ada.problems, []);
  assert.deepEqual(visitor.problems, [], "the policy allows the palette written in");
  // The browser logs the one refusal asked for, and nothing else.
  assert.deepEqual(
    it.problems.map((p) => p.replace(/127\.0\.0\.1:\d+/, "server")),
    ["console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity) http://server/api/v1/admin/branding"],
  );
  await visitor.context().close();
  await ada.context().close();
  await it.context().close();
});
