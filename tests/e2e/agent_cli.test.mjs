// The device agent's command line against the real server: enroll with a
// code the user got, check in, and report status.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { AGENT_BIN, PASSWORD, startServer } from "./support.mjs";

const run = promisify(execFile);
const agent = AGENT_BIN;
let server;
let stateDir;

before(async () => {
  server = await startServer();
  stateDir = mkdtempSync(join(tmpdir(), "portal-agent-"));
});

after(async () => {
  await server?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

async function signIn(email) {
  const response = await fetch(`${server.url}/api/v1/auth/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-requested-with": "company-portal" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(response.status, 200);
  const cookie = response.headers.get("set-cookie").split(";")[0];
  return (path, init = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { ...init.headers, cookie, "x-requested-with": "company-portal" } });
}

test("a device enrolls with the agent, checks in out of compliance, and the user sees it", async () => {
  const grace = await signIn("grace@example.com");
  const issued = await grace("/api/v1/enrollment-codes", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ platform: "ios", device_name: "Grace's iPad", ownership: "personal", category: "Tablet" }),
  });
  assert.equal(issued.status, 201);
  const { code, command } = await issued.json();
  assert.match(command, /^portal-agent enroll --server http:\/\/127\.0\.0\.1:\d+ --code [A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4} --platform ios/);

  const enrolled = await run(agent, [
    "enroll", "--state-dir", stateDir, "--server", server.url, "--code", code,
    "--platform", "ios", "--os-version", "18.1", "--model", "iPad Air",
  ]);
  assert.match(enrolled.stdout, /^enrolled: device [0-9a-f-]{36} \(iOS\/iPadOS\)/);
  assert.equal(statSync(join(stateDir, "device.key.pem")).mode & 0o777, 0o600);

  const checkedIn = await run(agent, ["run", "--once", "--state-dir", stateDir, "--passcode", "false"]);
  assert.match(checkedIn.stdout, /^checked in: Out of compliance\n  The device has no passcode\./);

  const status = await run(agent, ["status", "--state-dir", stateDir]);
  assert.match(status.stdout, /platform:\s+iOS\/iPadOS/);
  assert.match(status.stdout, /passcode:\s+false/);

  const { devices } = await (await grace("/api/v1/devices")).json();
  const ipad = devices.find((d) => d.name === "Grace's iPad");
  assert.equal(ipad.compliance, "out_of_compliance");
  assert.equal(ipad.os_version, "18.1");

  const reused = await run(agent, [
    "enroll", "--state-dir", mkdtempSync(join(tmpdir(), "portal-agent-")), "--server", server.url, "--code", code,
    "--platform", "ios", "--os-version", "18.1", "--model", "iPad Air",
  ]).catch((error) => error);
  assert.equal(reused.code, 1);
  assert.match(reused.stderr, /already been used/);
});

test("a running agent receives Lock at once, carries it out and reports back", async () => {
  const grace = await signIn("grace@example.com");
  const { devices } = await (await grace("/api/v1/devices")).json();
  const ipad = devices.find((d) => d.name === "Grace's iPad");
  assert.ok(ipad, "enrolled by the previous test");

  const agentProcess = spawn(agent, ["run", "--state-dir", stateDir, "--interval", "3600"]);
  const lines = [];
  const seen = (pattern) =>
    new Promise((resolve, reject) => {
      const check = () => lines.some((line) => pattern.test(line)) && resolve();
      agentProcess.stdout.on("data", () => check());
      agentProcess.once("exit", (code) => reject(new Error(`agent exited with ${code}: ${lines.join("\n")}`)));
      check();
    });
  createInterface({ input: agentProcess.stdout }).on("line", (line) => lines.push(line));
  try {
    await seen(/^connected: waiting for commands$/);
    const queued = await grace(`/api/v1/devices/${ipad.id}/lock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "Found this iPad? Call IT", phone: "+1 555 0100" }),
    });
    assert.equal(queued.status, 202);
    const command = await queued.json();
    const started = Date.now();
    await seen(new RegExp(`^received: lock ${command.id}$`));
    console.log(`# the running agent received Lock ${Date.now() - started} ms after it was queued`);
    await seen(/^locked: Found this iPad\? Call IT \/ \+1 555 0100$/);
    await seen(new RegExp(`^completed: lock ${command.id}$`));

    const { commands } = await (await grace(`/api/v1/devices/${ipad.id}/commands`)).json();
    assert.equal(commands[0].state, "completed");
    assert.ok(commands[0].delivered_at && commands[0].acknowledged_at && commands[0].finished_at);
  } finally {
    agentProcess.kill("SIGINT");
  }
});

test("Reset device reaches the running agent, which erases itself, and its certificate is revoked", async () => {
  const grace = await signIn("grace@example.com");
  const { devices } = await (await grace("/api/v1/devices")).json();
  const ipad = devices.find((d) => d.name === "Grace's iPad");

  const agentProcess = spawn(agent, ["run", "--state-dir", stateDir, "--interval", "3600"]);
  let output = "";
  const connected = new Promise((resolve) =>
    agentProcess.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.includes("connected: waiting for commands")) resolve();
    }),
  );
  const exited = new Promise((resolve) => agentProcess.once("exit", resolve));
  await connected;

  const queued = await grace(`/api/v1/devices/${ipad.id}/wipe`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ device_name: "Grace's iPad" }),
  });
  assert.equal(queued.status, 202, await queued.clone().text());
  const command = await queued.json();
  assert.equal(await exited, 0, output);
  assert.match(output, new RegExp(`received: wipe ${command.id}\\nwiping: erasing everything on the device\\ncompleted: wipe ${command.id}\\nreset: `));
  assert.equal(existsSync(stateDir), false, "the device forgot its enrollment");

  const detail = await (await grace(`/api/v1/devices/${ipad.id}`)).json();
  assert.ok(detail.device.wiped_at, "shown as wiped");
  assert.ok(detail.certificate.revoked_at, "certificate revoked");
  const { commands } = await (await grace(`/api/v1/devices/${ipad.id}/commands`)).json();
  assert.deepEqual(
    commands.filter((c) => c.kind === "wipe").map((c) => [c.state, !!c.delivered_at, !!c.acknowledged_at, !!c.finished_at]),
    [["completed", true, true, true]],
  );
});
