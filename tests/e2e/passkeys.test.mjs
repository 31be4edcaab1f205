// Passkeys in Chromium with a virtual authenticator (DevTools' WebAuthn
// domain): Ada adds one, signs in with it without typing her email (with the
// button, and through the email field's autofill), resets a device
// confirming with it, removes it and can no longer sign in with it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, newPage, signIn, startServer } from "./support.mjs";

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

/// A platform authenticator that verifies its user, on `page`'s tab.
async function authenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
    add: (credential) => cdp.send("WebAuthn.addCredential", { authenticatorId, credential }),
  };
}

test("Ada adds a passkey, signs in and resets a device with it, then removes it", async () => {
  // A browser without passkey autofill: the button is the way.
  const page = await newPage(browser);
  await page.addInitScript(() =>
    Object.defineProperty(PublicKeyCredential, "isConditionalMediationAvailable", { value: async () => false }),
  );
  const laptop = await authenticator(page);
  // Passkeys belong to a domain name: the loopback server's is localhost.
  const portal = server.url.replace("127.0.0.1", "localhost");
  await page.goto(`${portal}/sign-in`);
  await signIn(page, "ada@example.com");
  await page.getByRole("heading", { name: "My devices" }).waitFor();

  await page.getByRole("link", { name: "Security" }).click();
  await page.getByRole("heading", { name: "Passkeys" }).waitFor();
  await page.getByLabel("Passkey name").fill("Work laptop");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  const passkeys = page.getByRole("list", { name: "Passkeys" });
  await passkeys.getByText("Work laptop").waitFor();
  await passkeys.getByText("never used", { exact: false }).waitFor();
  const [credential] = await laptop.credentials();
  assert.equal(credential.isResidentCredential, true, "discoverable: no email needed to sign in");
  assert.equal(credential.rpId, "localhost");

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  // Signed in without typing her email.
  await page.getByRole("heading", { name: "My devices" }).waitFor();

  // Reset device, confirmed with the passkey in place of password and code.
  await page.getByRole("link", { name: "Work phone" }).click();
  await page.getByRole("button", { name: "Reset device" }).click();
  const form = page.locator("form.cp-action-form");
  await form.getByLabel("Type the device's name to confirm").fill("Work phone");
  await form.getByRole("button", { name: "Confirm with a passkey" }).click();
  await page.getByRole("list", { name: "Timeline" }).getByText("Reset device · Requested").waitFor();
  await page.getByRole("link", { name: "Activity" }).click();
  const activity = page.getByRole("list", { name: "Activity" });
  for (const line of ["Asked to reset a device", "Confirmed with a passkey", "Signed in with a passkey", "Added a passkey"]) {
    await activity.getByText(line, { exact: true }).first().waitFor();
  }
  await page.getByRole("link", { name: "Security" }).click();
  await passkeys.getByText("last used", { exact: false }).waitFor();
  assert.deepEqual(page.problems, []);

  // Another browser whose autofill offers the same passkey (synced to its
  // authenticator): Chromium's virtual authenticator answers the autofill
  // request at once, as Ada picking it from the email field would.
  const phone = await newPage(browser);
  // Its counter moves on from the laptop's: a counter going back is refused as a copy.
  const [used] = await laptop.credentials();
  await (await authenticator(phone)).add({ ...credential, signCount: used.signCount + 1 });
  await phone.goto(`${portal}/sign-in`);
  await phone.getByRole("heading", { name: "My devices" }).waitFor();

  // Removed: it signs nobody in, though the authenticator keeps it.
  await phone.getByRole("link", { name: "Security" }).click();
  await phone.getByRole("button", { name: "Remove Work laptop" }).click();
  await phone.getByRole("list", { name: "Passkeys" }).getByText("Work laptop").waitFor({ state: "detached" });
  await phone.getByRole("button", { name: "Sign out", exact: true }).click();
  await phone.getByRole("button", { name: "Sign in with a passkey" }).click();
  await phone.getByText("That passkey was not accepted.", { exact: false }).waitFor();
  assert.equal(await phone.getByRole("heading", { name: "Sign in" }).count(), 1);
  // The refused passkey's 401s (autofill's and the button's) are logged by the browser; nothing else.
  assert.deepEqual(phone.problems.filter((p) => !/status of 401/.test(p)), []);
  await phone.context().close();
  await page.context().close();
});
