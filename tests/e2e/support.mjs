// Starts the real enrollment API (demo data, fresh SQLite file, the built
// portal) and headless Chromium for the end-to-end journeys.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

export const PASSWORD = "demo-password-1";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

/// The violations axe-core (WCAG 2.2 A and AA, and its best practices) finds
/// on the page as it stands, one line each.
export async function violations(page) {
  // Evaluated through the DevTools protocol, which the CSP does not govern:
  // the portal itself still runs no inline script.
  await page.evaluate(AXE);
  const result = await page.evaluate((tags) => axe.run(document, { runOnly: { type: "tag", values: tags } }), AXE_RULES);
  return result.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`),
  );
}

/// Fails when the page scrolls sideways (on a phone's 360 px, say), naming `where`.
export async function noSidewaysScrolling(page, where) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${where}: no sideways scrolling (overflow ${overflow}px)`);
}

/// Presses Tab until `target` (a locator) has the focus: it must be
/// reachable in the page's focus order (at most 80 presses).
export async function tabTo(page, target) {
  await target.waitFor();
  for (let press = 0; press < 80; press++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((element) => element === document.activeElement)) return;
  }
  throw new Error(`${target} is not reachable with Tab`);
}

/// `args`: more flags for the server, e.g. the help desk's.
export async function startServer(args = []) {
  const dir = mkdtempSync(join(tmpdir(), "portal-e2e-"));
  const server = await startNode(["--demo", "--data-dir", dir, "--database-url", `sqlite://${join(dir, "portal.db")}`, ...args]);
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/// One portal-server process on a free port with the built portal (`dist`
/// unless `args` name another); `args` say where its data is. Gives back its
/// `url`, its `gateway`'s when it runs one, `process`, and `stop()`.
export async function startNode(args) {
  const bin = process.env.PORTAL_SERVER_BIN ?? "target/debug/portal-server";
  const dist = args.includes("--dist-dir") ? [] : ["--dist-dir", "dist"];
  const child = spawn(bin, ["--bind", "127.0.0.1:0", ...dist, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  let gateway;
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      gateway ??= line.match(/gateway listening on (https:\/\/\S+)/)?.[1];
      const match = line.match(/listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`portal-server exited with ${code} before listening`)));
  });
  return {
    url,
    gateway,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/// A fresh database on the PostgreSQL server the test command runs
/// (`PORTAL_TEST_DATABASE`, an admin URL): its URL, and `drop()`.
export async function createPostgresDatabase() {
  const admin = process.env.PORTAL_TEST_DATABASE;
  if (!admin?.startsWith("postgres")) throw new Error("set PORTAL_TEST_DATABASE=postgres://... (the test command does)");
  const name = `portal_e2e_${process.pid}_${Date.now()}`;
  const psql = (sql) => promisify(execFile)("psql", [admin, "-v", "ON_ERROR_STOP=1", "-qc", sql]);
  await psql(`CREATE DATABASE ${name}`);
  return {
    url: `${admin.slice(0, admin.lastIndexOf("/"))}/${name}`,
    drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

const CHROMIUM = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

export async function launchBrowser() {
  return chromium.launch(CHROMIUM);
}

/// Chromium with a profile on disk rather than an incognito-like context,
/// as an employee's browser is: it alone offers to install a web app.
/// Gives back its `context`, and `close()`, which removes the profile too.
export async function launchProfile(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), "portal-profile-"));
  const context = await chromium.launchPersistentContext(dir, { ...CHROMIUM, ...options });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/// A page that records every console error and uncaught exception.
export async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (message) => {
    if (message.type() === "error") page.problems.push(`console: ${message.text()} ${message.location().url}`.trimEnd());
  });
  page.on("pageerror", (error) => page.problems.push(`page error: ${error.message}`));
  // A Content-Security-Policy violation becomes a console error, and so a problem.
  await page.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    ),
  );
  return page;
}

/// Resolves with `check()`'s first truthy answer (it may be async), asking
/// again every 50 ms; fails after `ms`.
export async function eventually(check, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const answer = await check();
    if (answer) return answer;
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${check}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/// The JSON answer to a GET of `path`, with `page`'s session.
export const api = (page, path) => page.evaluate((path) => fetch(path).then((r) => r.json()), path);

/// POSTs `body` to the API with `page`'s session, as the portal does: the status.
export const post = (page, path, body = {}) =>
  page.evaluate(
    ([path, body]) =>
      fetch(path, {
        method: "POST",
        headers: { "content-type": "application/json", "x-requested-with": "company-portal" },
        body: JSON.stringify(body),
      }).then((r) => r.status),
    [path, body],
  );

/// A new page (`options` for its context) signed in as `email`, on My devices.
export async function signedIn(browser, serverUrl, email, options = {}) {
  const page = await newPage(browser, options);
  await page.goto(`${serverUrl}/sign-in`);
  await signIn(page, email);
  await page.getByRole("heading", { name: "My devices" }).waitFor();
  return page;
}

/// Signs in on the portal's own Sign in, once it has taken over the plain one
/// (whose presses sign_in_and_devices.test.mjs tests on their own).
export async function signIn(page, email, password = PASSWORD) {
  await page.locator("#cp-first-paint").waitFor({ state: "detached" });
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

export const AGENT_BIN = process.env.PORTAL_AGENT_BIN ?? "target/debug/portal-agent";

/// The RFC 6238 code (SHA-1, 30 s, 6 digits) of a base32 secret, `stepsAhead` steps from now.
export function totp(base32Secret, stepsAhead = 0) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of base32Secret.replace(/=+$/, "")) bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const step = Math.floor(Date.now() / 1000 / 30) + stepsAhead;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac("sha1", key).update(counter).digest();
  const offset = digest[19] & 0x0f;
  const value = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, "0");
}

/// Enrolls a device of the signed-in user's (through `page`'s session: a
/// playwright page, or anything with its `evaluate(fn, arg)`) with
/// the agent, and keeps the agent running. `device`: platform, name, model,
/// os_version; `runArgs`: more flags for `portal-agent run`. Gives back the agent: its output so far, `says(pattern)`
/// resolving when a line matches, its `stateDir` (key and certificate), and `stop()`.
export async function enrollRunningAgent(page, serverUrl, device, runArgs = []) {
  const issued = await page.evaluate(
    (device) =>
      fetch("/api/v1/enrollment-codes", {
        method: "POST",
        headers: { "content-type": "application/json", "x-requested-with": "company-portal" },
        body: JSON.stringify({ platform: device.platform, device_name: device.name, ownership: "corporate", category: "Phone" }),
      }).then((r) => r.json()),
    device,
  );
  const stateDir = mkdtempSync(join(tmpdir(), "portal-agent-"));
  await promisify(execFile)(AGENT_BIN, ["enroll", "--state-dir", stateDir, "--server", serverUrl, "--code", issued.code,
    "--platform", device.platform, "--os-version", device.os_version, "--model", device.model]);
  const child = spawn(AGENT_BIN, ["run", "--state-dir", stateDir, "--interval", "3600", ...runArgs]);
  const agent = {
    process: child,
    stateDir,
    output: "",
    says(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => pattern.test(agent.output) && resolve();
        child.stdout.on("data", check);
        child.once("exit", (code) => reject(new Error(`agent exited (${code}) before ${pattern}: ${agent.output}`)));
        check();
      });
    },
    stop() {
      child.kill("SIGINT");
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  child.stdout.on("data", (chunk) => (agent.output += chunk));
  await agent.says(/connected: waiting for commands/);
  return agent;
}

/// A TCP load balancer on a free port, as one would stand in front of the
/// nodes: each connection goes to the first of `backends` (host:port URLs)
/// that accepts it. `connections` counts what each backend took.
export async function startBalancer(backends) {
  const { createServer, connect } = await import("node:net");
  const connections = new Map(backends.map((b) => [b, 0]));
  const forward = (client, index = 0) => {
    if (index >= backends.length) return client.destroy();
    const { hostname, port } = new URL(backends[index]);
    const upstream = connect({ host: hostname, port: Number(port) });
    upstream.once("error", () => forward(client, index + 1));
    upstream.once("connect", () => {
      connections.set(backends[index], connections.get(backends[index]) + 1);
      upstream.removeAllListeners("error");
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
      upstream.once("close", () => client.destroy());
      client.once("close", () => upstream.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    });
  };
  const server = createServer({ pauseOnConnect: true }, (client) => forward(client));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    connections,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
