// The portal in the reader's language: German from a German browser, the
// whole lost-device journey (and Add device and Security) and the admin
// console at a phone's 360 px, Sign in German from its first paint, a
// Language choice that is remembered, and messages that are only taken when
// they were made for this build's keys.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { enrollRunningAgent, launchBrowser, newPage, noSidewaysScrolling, PASSWORD, startServer, violations } from "./support.mjs";

let server;
let browser;
let agent;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  agent?.stop();
  await browser?.close();
  await server?.stop();
});

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

test("with a German browser, Ada locks, resets and removes her lost phone in German at 360 px", async () => {
  const page = await newPage(browser, { ...PHONE, locale: "de-DE" });
  await page.goto(`${server.url}/sign-in`);
  await page.getByRole("heading", { name: "Anmelden" }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "de");
  // The portal's own checks, made with the server's rules, speak German too.
  await page.getByRole("button", { name: "Anmelden", exact: true }).click();
  await page.getByText("Geben Sie Ihre E-Mail-Adresse ein.").waitFor();
  await page.getByText("Geben Sie Ihr Passwort ein.").waitFor();
  await page.getByLabel("E-Mail").fill("ada@example.com");
  await page.getByLabel("Passwort").fill(PASSWORD);
  await page.getByRole("button", { name: "Anmelden", exact: true }).click();
  await page.getByRole("heading", { name: "Meine Geräte" }).waitFor();
  await noSidewaysScrolling(page, "Meine Geräte");

  // Add device and Security, whose German is the longest, fit a phone too.
  await page.getByRole("link", { name: "Gerät hinzufügen" }).click();
  await page.getByRole("group", { name: "Wie es hinzugefügt wird" }).waitFor();
  await page.getByRole("radio", { name: "Registrieren" }).check();
  await page.getByRole("button", { name: "Registrierungscode anfordern" }).waitFor();
  await noSidewaysScrolling(page, "Gerät hinzufügen");
  await page.getByRole("link", { name: "Sicherheit" }).click();
  await page.getByRole("heading", { name: "Bestätigung in zwei Schritten" }).waitFor();
  await page.getByRole("button", { name: "Überall abmelden" }).waitFor();
  await noSidewaysScrolling(page, "Sicherheit");
  await page.getByRole("link", { name: "Apps" }).click();
  await page.getByRole("heading", { name: "Empfohlen" }).waitFor();
  // The catalog's categories too, which the address keeps in English.
  await page.getByRole("group", { name: "Kategorien" }).getByRole("button", { name: "Entwicklertools" }).click();
  await page.getByRole("heading", { name: "Entwicklertools" }).waitFor();
  assert.match(page.url(), /category=Developer%20tools/);
  await page.getByRole("group", { name: "Kategorien" }).getByRole("button", { name: "Alle" }).click();
  await page.getByRole("list", { name: "Empfohlene Apps" }).getByRole("link").first().click();
  // Sizes as German readers write them: 12,3 MB.
  const size = page.locator("dt", { hasText: "Größe" }).locator("xpath=following-sibling::dd");
  assert.match(await size.textContent(), /^\d+,\d MB$/);
  await noSidewaysScrolling(page, "an app's page");
  await page.getByRole("link", { name: "Meine Geräte" }).click();
  await page.getByRole("heading", { name: "Meine Geräte" }).waitFor();

  // Unencrypted and behind on updates: rules it fails, which the server
  // words with the device's figures, in German too.
  agent = await enrollRunningAgent(page, server.url, { platform: "android", name: "Verlorenes Handy", model: "Pixel 8a", os_version: "15" }, [
    "--encrypted",
    "false",
    "--os-version",
    "12",
  ]);
  const card = page.getByRole("listitem", { name: "Verlorenes Handy" });
  await card.getByText("Firmeneigen").waitFor();
  await card.getByText("Verwaltet").waitFor();

  await page.getByRole("link", { name: "Verlorenes Handy" }).click();
  await page.getByRole("heading", { name: "Verlorenes Handy" }).waitFor();
  await page.getByRole("heading", { name: "Aktionen" }).waitFor();
  const problems = page.getByRole("list", { name: "Konformitätsprobleme" });
  await problems.getByText("Android 12 ist älter als die geforderte Version 13.").waitFor();
  await problems.getByText("Installieren Sie das neueste Update für Android in den Einstellungen des Geräts.", { exact: false }).waitFor();
  await problems.getByText("Der Speicher des Geräts ist nicht verschlüsselt.").waitFor();
  await problems.getByText("Schalten Sie die Geräteverschlüsselung in den Sicherheitseinstellungen des Geräts ein.", { exact: false }).waitFor();
  await noSidewaysScrolling(page, "the device's page");
  assert.deepEqual(await violations(page), []);

  await page.getByRole("button", { name: "Sperren" }).click();
  await page.getByLabel("Nachricht").fill("Gefunden? Bitte anrufen");
  // A field the server refuses: its code, in German.
  await page.getByLabel("Telefonnummer").fill("Ruf an");
  await page.getByRole("button", { name: "Gerät sperren" }).click();
  await page.getByText("Geben Sie eine Telefonnummer ein: nur Ziffern, Leerzeichen und + - ( ).").waitFor();
  await page.getByLabel("Telefonnummer").fill("+49 30 1234567");
  await page.getByRole("button", { name: "Gerät sperren" }).click();
  const timeline = page.getByRole("list", { name: "Verlauf" });
  await timeline.getByRole("listitem", { name: "Sperren" }).getByText("Sperren · Abgeschlossen").waitFor();
  await agent.says(/locked: Gefunden\? Bitte anrufen/);
  // Dates as German readers write them: 6.12.2026, 07:12:03.
  const requested = await timeline.getByRole("listitem", { name: "Sperren" }).locator("time").first().textContent();
  assert.match(requested, /^\d{1,2}\.\d{1,2}\.\d{4}, \d{2}:\d{2}:\d{2}$/);

  await page.getByRole("button", { name: "Gerät zurücksetzen" }).click();
  await page.getByText("„Gerät zurücksetzen“ löscht alles auf Verlorenes Handy.").waitFor();
  await page.getByLabel("Passwort").fill(PASSWORD);
  await page.getByLabel("Geben Sie zur Bestätigung den Gerätenamen ein").fill("Verlorenes Handy");
  await page.locator("form.cp-action-form").getByRole("button", { name: "Gerät zurücksetzen" }).click();
  await timeline.getByRole("listitem", { name: "Gerät zurücksetzen" }).getByText("Gerät zurücksetzen · Abgeschlossen").waitFor();
  await page.locator(".cp-page__title").getByText("Zurückgesetzt").waitFor();
  await page.getByText("Widerrufen am", { exact: false }).waitFor();
  await noSidewaysScrolling(page, "the reset device's page");

  await page.getByRole("button", { name: "Gerät entfernen" }).click();
  await page.getByLabel("Passwort").fill(PASSWORD);
  await page.locator("form.cp-action-form").getByRole("button", { name: "Gerät entfernen" }).click();
  await page.getByRole("heading", { name: "Meine Geräte" }).waitFor();
  await page.getByRole("link", { name: "Verlorenes Handy" }).waitFor({ state: "detached" });

  await page.getByRole("link", { name: "Aktivität" }).click();
  const activity = page.getByRole("list", { name: "Aktivität" });
  await activity.getByText("Ein Gerät entfernt").waitFor();
  for (const line of ["Gerät zurücksetzen: abgeschlossen", "Gerät zurücksetzen: vom Gerät übernommen", "Gerät zurücksetzen: zugestellt", "Zurücksetzen eines Geräts angefordert", "Sperren: abgeschlossen", "Sperren eines Geräts angefordert", "Angemeldet"]) {
    assert.ok(await activity.getByText(line, { exact: true }).first().isVisible(), line);
  }
  await noSidewaysScrolling(page, "Aktivität");
  // Nothing of the pages walked through is left in English.
  const words = await page.locator("body").innerText();
  for (const english of ["Sign out", "My devices", "Activity", "Loading"]) assert.ok(!words.includes(english), english);
  // The refused phone number (422) and the removed device's last reload (404) alone.
  assert.deepEqual(page.problems.filter((p) => !/status of (404|422)/.test(p)), []);
  await page.context().close();
});

test("with a German browser, Sign in is German from the first paint, and so is the admin console at 360 px", async () => {
  const page = await newPage(browser, { ...PHONE, locale: "de-DE" });
  // The plain page painted before the portal starts, written in German by the server.
  const response = await page.goto(`${server.url}/sign-in`);
  assert.equal(response.headers()["content-language"], "de");
  const painted = await response.text();
  assert.match(painted, /<html lang="?de"?/);
  assert.ok(painted.includes("<h1>Anmelden</h1>"), "the plain Sign in is German");
  assert.ok(!painted.includes("{{"), "no message left unfilled");
  await page.locator("#cp-first-paint").waitFor({ state: "detached" });
  await page.getByLabel("E-Mail").fill("it@example.com");
  await page.getByLabel("Passwort").fill(PASSWORD);
  await page.getByRole("button", { name: "Anmelden", exact: true }).click();
  await page.getByRole("heading", { name: "Meine Geräte" }).waitFor();

  await page.getByRole("navigation", { name: "Hauptmenü" }).getByRole("link", { name: "Administration" }).click();
  const sections = page.getByRole("navigation", { name: "Administration" });
  // Each section: its link, its heading, and a word its page shows once loaded.
  for (const [link, heading, loaded] of [
    ["Übersicht", "Übersicht", "Bereitstellungsmodus"],
    ["Alle Geräte", "Alle Geräte", "CSV exportieren"],
    ["Apps", "Apps", "App hinzufügen"],
    ["Richtlinien", "Richtlinien", "Konformitätsrichtlinie"],
    ["Branding", "Branding", "Designfarbe"],
    ["Nutzungsbedingungen", "Nutzungsbedingungen", "Neue Version veröffentlichen"],
    ["Veröffentlichte Apps", "Veröffentlichte Apps", "App veröffentlichen"],
    ["Überwachungsprotokoll", "Überwachungsprotokoll", "Ergebnis"],
  ]) {
    await sections.getByRole("link", { name: link, exact: true }).click();
    await page.getByRole("heading", { name: heading, exact: true, level: 1 }).waitFor();
    await page.getByText(loaded, { exact: false }).first().waitFor();
    await noSidewaysScrolling(page, link);
    assert.deepEqual(await violations(page), [], link);
    const words = await page.locator("main").innerText();
    for (const english of ["Loading", "Export CSV", "Save", "Show more", "Search", "Any ", "Outcome", "Theme colour", "Publish", "In force"]) {
      assert.ok(!words.includes(english), `${link}: "${english}" is not translated`);
    }
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("Language is remembered in this browser, and the portal speaks it at once after", async () => {
  const page = await newPage(browser, { locale: "en-GB" });
  await page.goto(`${server.url}/sign-in`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  const language = page.getByRole("combobox", { name: "Language" });
  await page.waitForLoadState("load");
  await language.focus();
  await language.locator("option", { hasText: "Deutsch" }).waitFor({ state: "attached" });
  await language.selectOption({ label: "Deutsch" });
  await page.getByRole("heading", { name: "Anmelden" }).waitFor();
  // The server writes the plain Sign in in the chosen language too.
  const reloaded = await page.reload();
  assert.equal(reloaded.headers()["content-language"], "de");
  await page.getByRole("heading", { name: "Anmelden" }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "de");
  const sprache = page.getByRole("combobox", { name: "Sprache" });
  await page.waitForLoadState("load");
  await sprache.focus();
  await sprache.locator("option", { hasText: "English" }).waitFor({ state: "attached" });
  await sprache.selectOption({ label: "English" });
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");

  const languages = await page.evaluate(() => fetch("/locales/index.json").then((r) => r.json()));
  assert.deepEqual(languages, [["en", "English"], ["de", "Deutsch"]]);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("a language's messages name the keys they were made for: a portal of another build keeps to English", async () => {
  const page = await newPage(browser, { locale: "de-DE" });
  const german = await (await page.request.get(`${server.url}/locales/de.json`)).json();
  assert.equal(german.tag, "de");
  assert.match(german.digest, /^[0-9a-f]{16}$/);
  assert.ok(german.texts.includes("Gerät zurücksetzen"));
  assert.equal((await page.request.get(`${server.url}/locales/xx.json`)).status(), 404);

  // The same messages, made for other keys: their order cannot be trusted.
  await page.route("**/locales/de.json", (route) => route.fulfill({ json: { ...german, digest: "0000000000000000" } }));
  await page.goto(`${server.url}/sign-in`);
  await page.locator("#cp-first-paint").waitFor({ state: "detached" });
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
