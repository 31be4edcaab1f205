import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually, launchBrowser, newPage, signedIn, signIn, startServer } from "./support.mjs";

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

test("Ada signs in, sees her devices, signs out and is refused the API", async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  const response = await page.goto(server.url);
  const policy = response.headers()["content-security-policy"];
  // One hash per bundle's bootstrap script (six bundles), and Sign in's two:
  // its first paint's, and its bootstrap, which imports the head's scripts.
  assert.match(policy, /script-src 'self'( 'sha256-[A-Za-z0-9+/=]+'){8} 'wasm-unsafe-eval'/);
  // Sign in's page carries its style sheet inline, allowed by its hash alone.
  assert.match(policy, /style-src 'self' 'sha256-[A-Za-z0-9+/=]+';/);
  assert.doesNotMatch(policy, /unsafe-inline/);
  await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/sign-in", "signed-out visitors are sent to Sign in");

  await signIn(page, "ada@example.com");
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/devices");

  const cards = page.getByRole("list", { name: "Devices" }).getByRole("listitem");
  await cards.first().waitFor();
  const names = await page.locator(".cp-device__name").allTextContents();
  assert.deepEqual(names.sort(), ["Old Surface", "Personal iPhone", "Work laptop", "Work phone"]);
  const phone = page.getByRole("listitem", { name: "Personal iPhone" });
  for (const text of ["iOS/iPadOS", "iPhone 13", "16.1", "Personal", "Out of compliance"]) {
    assert.ok(await phone.getByText(text, { exact: true }).isVisible(), `${text} shown for Personal iPhone`);
  }
  assert.ok(await page.getByText("Cannot access").isVisible());
  assert.equal(await page.getByText("Grace's Galaxy").count(), 0, "nobody else's devices");

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
  assert.ok(await page.getByText("You have signed out.").isVisible());
  assert.deepEqual(page.problems, [], "no console errors or exceptions along the journey");

  const status = await page.evaluate(() => fetch("/api/v1/devices").then((r) => r.status));
  assert.equal(status, 401, "the session ended on the server");
  await page.goto(`${server.url}/devices`);
  await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
  await page.context().close();
});

/// A page whose main bundle's wasm is held back until `release()`: until
/// then, Sign in is the plain page the server painted.
async function pageBeforeThePortal(options = {}) {
  const page = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, serviceWorkers: "block", ...options });
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route(/\/portal-[0-9a-f]+_bg\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${server.url}/sign-in`, { waitUntil: "commit" });
  await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
  assert.equal(await page.locator("#cp-first-paint").count(), 1, "the plain page, before the portal");
  const started = () => eventually(() => page.evaluate(() => !document.getElementById("cp-first-paint")));
  return { page, release, started };
}

test("Sign in is on screen before the portal starts, and the portal's page is the same, with what was typed and focused", async () => {
  const { page, release, started } = await pageBeforeThePortal();
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Email").focus();
  const plain = await page.locator("body").ariaSnapshot();
  assert.match(plain, /textbox "Email": ada@example.com/);
  assert.match(plain, /button "Sign in with a passkey"/);
  const layout = () =>
    Promise.all(
      [page.getByRole("heading", { name: "Sign in" }), page.getByLabel("Email"), page.getByLabel("Password"), page.getByRole("button", { name: "Sign in with a passkey" })].map((l) => l.boundingBox()),
    );
  const plainLayout = await layout();

  release();
  await started();
  assert.equal(await page.locator("body").ariaSnapshot(), plain, "the portal's Sign in reads as the plain one did");
  assert.deepEqual(await layout(), plainLayout, "and sits where the plain one did");
  assert.equal(await page.getByRole("button", { name: "Sign in", exact: true }).count(), 1);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "email", "focus stays in the field");
  // Typing goes on in the portal's field.
  await page.keyboard.press("Tab");
  await page.keyboard.type("demo-password-1");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  assert.deepEqual(page.problems, [], "no console errors, no CSP violation");
  await page.context().close();
});

test("a visitor certainly signed out is sent to Sign in by the server, painted at once, and comes back after", async () => {
  const page = await newPage(browser);
  const response = await page.goto(`${server.url}/activity`, { waitUntil: "commit" });
  assert.equal(response.request().redirectedFrom()?.url(), `${server.url}/activity`, "redirected before any portal started");
  assert.equal(new URL(response.url()).pathname, "/sign-in");
  await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
  await signIn(page, "ada@example.com");
  await page.getByRole("heading", { name: "Activity", exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/activity");
  // Signed in, the same address is the page itself.
  const again = await page.goto(`${server.url}/activity`);
  assert.equal(again.request().redirectedFrom(), null);
  await page.getByRole("heading", { name: "Activity", exact: true }).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("Sign in pressed before the portal has started signs in once it has", async () => {
  const { page, release, started } = await pageBeforeThePortal();
  const signIns = [];
  page.on("request", (request) => request.url().endsWith("/api/v1/auth/sign-in") && signIns.push(request.method()));
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("demo-password-1");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  const pressed = page.getByRole("button", { name: "Signing in…" });
  assert.ok(await pressed.isDisabled(), "the press is taken, once");
  assert.equal(new URL(page.url()).pathname, "/sign-in", "the form did not leave the page");

  release();
  await started();
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/devices");
  assert.deepEqual(signIns, ["POST"], "pressed twice, signed in once");
  assert.deepEqual(page.problems, [], "no console errors, no CSP violation");
  await page.context().close();
});

// Its wasm, or a script its module imports, does not arrive.
for (const [missing, file] of [
  ["its wasm", /\/portal-[0-9a-f]+_bg\.wasm$/],
  ["a script it imports", /\/web-app\/language\.js$/],
]) {
  test(`when the portal cannot start (${missing}), Sign in's plain page says so instead of signing in forever`, async () => {
    const page = await newPage(browser, { serviceWorkers: "block" });
    await page.route(file, (route) => route.abort());
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill("demo-password-1");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("alert").filter({ hasText: "The portal could not start. Reload the page to try again." }).waitFor();
    assert.ok(await page.getByRole("button", { name: "Sign in", exact: true }).isEnabled());
    assert.equal(new URL(page.url()).pathname, "/sign-in");
    await page.context().close();
  });
}

test("a page asks for what it shows beside the session, not after it", async () => {
  const page = await signedIn(browser, server.url, "ada@example.com", { serviceWorkers: "block" });
  // The session's answer is held until the device list has been asked for:
  // a page that waited for the session first would never show its list.
  let listAsked;
  const asked = new Promise((resolve) => (listAsked = resolve));
  await page.route("**/api/v1/devices", (route) => {
    listAsked();
    return route.continue();
  });
  await page.route("**/api/v1/auth/session", async (route) => {
    await asked;
    await route.continue();
  });
  await page.reload();
  await page.getByRole("listitem", { name: "Work phone" }).waitFor();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("a live stream answered with a proxy's error page is opened again, ever later while it fails, and the list follows changes", async () => {
  const page = await signedIn(browser, server.url, "grace@example.com", { serviceWorkers: "block" });
  // The streams after the reload meet a 502, which the browser does not
  // retry, though the session answers: the portal tries again, waiting
  // longer each time, until a stream opens.
  const asked = [];
  await page.route("**/api/v1/events", (route) => {
    asked.push(Date.now());
    return asked.length <= 3
      ? route.fulfill({ status: 502, contentType: "text/html", body: "<h1>Bad gateway</h1>" })
      : route.continue();
  });
  await page.reload();
  const galaxy = page.getByRole("listitem", { name: "Grace's Galaxy" });
  await galaxy.waitFor();
  await eventually(() => asked.length >= 4, 30_000);
  const waits = asked.slice(1).map((at, n) => at - asked[n]);
  console.log(`# the stream was asked for again after ${waits.join(", ")} ms`);
  assert.ok(waits[1] > waits[0] * 1.5 && waits[2] > waits[1] * 1.5, `each wait longer: ${waits}`);
  // The stream works again: a rename made elsewhere reaches the open list.
  const rename = (name) =>
    page.evaluate(async (name) => {
      const list = await fetch("/api/v1/devices").then((r) => r.json());
      const id = list.devices.find((d) => d.name.startsWith("Grace's Galaxy")).id;
      const answer = await fetch(`/api/v1/devices/${id}/rename`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-requested-with": "company-portal" },
        body: JSON.stringify({ name }),
      });
      return answer.status;
    }, name);
  assert.equal(await rename("Grace's Galaxy S24"), 204);
  await page.getByRole("listitem", { name: "Grace's Galaxy S24" }).waitFor();
  assert.equal(await rename("Grace's Galaxy"), 204);
  await page.getByRole("listitem", { name: "Grace's Galaxy", exact: true }).waitFor();
  // Nothing went wrong but the refused stream itself.
  assert.deepEqual(page.problems.filter((p) => !p.includes("/api/v1/events") && !p.includes("EventSource")), []);
  await page.context().close();
});

test("on a 360 px phone, with the keyboard only, Grace signs in and sees only her devices", async () => {
  const page = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await page.goto(`${server.url}/sign-in`);
  await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();

  // Tab from the top of the page to the email field.
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(() => document.activeElement?.id === "email")) break;
  }
  assert.equal(await page.evaluate(() => document.activeElement?.id), "email");
  await page.keyboard.type("grace@example.com");
  await page.keyboard.press("Tab");
  await page.keyboard.type("demo-password-1");
  await page.keyboard.press("Enter");

  await page.getByRole("heading", { name: "My devices" }).waitFor();
  await page.locator(".cp-device").first().waitFor();
  const names = await page.locator(".cp-device__name").allTextContents();
  assert.deepEqual(names.sort(), ["Grace's Galaxy", "Grace's ThinkPad"]);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 360 px (overflow ${overflow}px)`);
  await page.screenshot({ path: "target/e2e-devices-360.png", fullPage: true });

  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("a wrong password is refused with a message and no session", async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/sign-in`);
  await signIn(page, "ada@example.com", "not-the-password");
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.textContent(), /email address or password is incorrect/);
  const status = await page.evaluate(() => fetch("/api/v1/me").then((r) => r.status));
  assert.equal(status, 401);

  await page.getByLabel("Email").fill("");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByText("Enter your email address.").waitFor();
  assert.equal(await page.getByLabel("Email").getAttribute("aria-invalid"), "true");

  // The failed sign-in answers 401, which the browser logs; nothing else may.
  assert.deepEqual(page.problems.filter((p) => !p.includes("401")), []);
  await page.context().close();
});

test("when the session ends elsewhere, the next load of My devices returns to Sign in", async () => {
  const page = await signedIn(browser, server.url, "ada@example.com");
  const [cookie] = await page.context().cookies();

  // End the session on the server behind the portal's back, as an expiry
  // would, and keep its cookie: the server cannot tell it is over from the
  // page's request, the portal finds out.
  const status = await page.evaluate(() => fetch("/api/v1/auth/sign-out", { method: "POST", headers: { "x-requested-with": "company-portal" } }).then((r) => r.status));
  assert.equal(status, 204);
  await page.context().addCookies([cookie]);
  const response = await page.reload();
  assert.equal(response.request().redirectedFrom(), null, "the page itself, with the dead cookie");

  await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/sign-in");
  assert.equal(new URL(page.url()).search, "?next=/devices");
  assert.equal(await page.getByRole("button", { name: "Sign out" }).count(), 0);
  await page.context().close();
});

test("when the server cannot be reached, the page says so and Try again recovers", async () => {
  // The page's own handling: playwright's routes do not see the service
  // worker's requests (offline.test.mjs has the worker's journeys).
  const page = await signedIn(browser, server.url, "grace@example.com", { serviceWorkers: "block" });
  await page.locator(".cp-device").first().waitFor();

  await page.route("**/api/v1/devices", (route) => route.abort("connectionrefused"));
  await page.reload();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.textContent(), /cannot reach the server/);

  await page.unroute("**/api/v1/devices");
  await page.getByRole("button", { name: "Try again" }).click();
  await page.locator(".cp-device").first().waitFor();
  assert.equal(await page.locator(".cp-device").count(), 2);
  await page.context().close();
});

test("an unknown address shows Page not found with a way back", async () => {
  const page = await newPage(browser);
  await page.goto(`${server.url}/no/such/page`);
  await page.getByRole("heading", { name: "Page not found" }).waitFor();
  assert.ok(await page.getByRole("link", { name: "Go to My devices" }).isVisible());
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
