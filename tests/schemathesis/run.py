#!/usr/bin/env python3
"""Schemathesis against the release server's OpenAPI document.

Starts the release server on a free loopback port over a fresh data folder
with the demo data, enrolls a device for Ada with the real agent, and runs
`st run --checks all` twice: as Ada, with her device as every `{id}` (the
positive paths reach her device), and as Grace on every operation with an
`{id}`, Ada's device (each must refuse it: a 2xx fails the run). Exits non-zero on any
failure Schemathesis reports; prints how many cases it generated.

Usage: run.py MAX_EXAMPLES_PER_OPERATION (environment: PORTAL_SERVER_BIN,
PORTAL_AGENT_BIN, SCHEMATHESIS, the `st` command).
"""

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

PASSWORD = "demo-password-1"
LOGS = Path("target/schemathesis").absolute()
CSRF = ("X-Requested-With", "company-portal")
# What ends the session under test, streams that never end, and the device
# API (signed by the device's key, which Schemathesis cannot do: its refusals
# are checked by the API suite).
EXCLUDED = r"^/api/v1/(auth/sign-out(-everywhere)?|events|device/.*)$"


def start_server(binary, data):
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1:0", "--demo", "--data-dir", data, "--dist-dir", f"{data}/no-dist",
         "--database-url", f"sqlite://{data}/portal.db"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "RUST_LOG": "error"},
    )
    for line in server.stdout:
        if line.startswith("Company Portal listening on "):
            return server, line.split()[-1]
    raise SystemExit("the server ended before it listened")


def sign_in(address, email):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    request = urllib.request.Request(
        f"{address}/api/v1/auth/sign-in",
        data=json.dumps({"email": email, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json", CSRF[0]: CSRF[1], "Origin": address},
    )
    opener.open(request).read()
    (cookie,) = list(jar)
    return opener, f"{cookie.name}={cookie.value}"


def enroll(address, opener, agent, state_dir):
    request = urllib.request.Request(
        f"{address}/api/v1/enrollment-codes",
        data=json.dumps(
            {"platform": "android", "device_name": "Fuzzed phone", "ownership": "corporate", "category": "Phone"}
        ).encode(),
        headers={"Content-Type": "application/json", CSRF[0]: CSRF[1], "Origin": address},
    )
    code = json.load(opener.open(request))["code"]
    out = subprocess.run(
        [agent, "enroll", "--state-dir", state_dir, "--server", address, "--code", code,
         "--platform", "android", "--os-version", "15", "--model", "Pixel 9"],
        check=True, capture_output=True, text=True,
    ).stdout
    return re.search(r"enrolled: device (\S+)", out).group(1)


# As the owner: refusals by rules the schema cannot say (a category the
# policy lists, the name typed again), by state (already installed, a reset on
# its way) or by a limit. As another user: nothing but a refusal.
OWNER = ["2xx", "401", "403", "404", "409", "422", "429"]
STRANGER = ["401", "403", "404"]


def schemathesis(st, address, cookie, device, examples, config_dir, name, accepted, only=None):
    config = Path(config_dir) / f"{name}.toml"
    config.write_text(
        f"""
headers = {{ "{CSRF[0]}" = "{CSRF[1]}", "Origin" = "{address}", "Cookie" = "{cookie}" }}

[parameters]
"path.id" = "{device}"

[checks.positive_data_acceptance]
expected-statuses = {json.dumps(accepted)}
"""
    )
    report = Path(config_dir) / f"{name}.json"
    run = subprocess.run(
        [st, "--config-file", str(config), "--no-color", "run", f"{address}/api/v1/openapi.json",
         "--checks", "all", "--max-examples", str(examples), "--seed", "20261203", "--workers", "1",
         # Remove device answers 202 and the device stays (Removing) until its
         # agent has taken corporate data off: not a deleted resource still served.
         "--exclude-checks", "use_after_free",
         "--exclude-path-regex", EXCLUDED, *(["--include-path-regex", only] if only else []),
         "--report", "json", "--report-json-path", str(report)],
        # Its cache goes beside the config, not into the checkout.
        text=True, capture_output=True, cwd=config_dir,
    )
    log = LOGS / f"{name}.log"
    log.write_text(run.stdout + run.stderr)
    # The summary; the failures in full, when there are some, are in the log.
    print(f"Schemathesis as {name}: {log}")
    print(run.stdout[run.stdout.rfind("=== SUMMARY"):] if run.returncode == 0 else run.stdout[-20000:])
    return run.returncode


def main():
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    server_bin = os.environ.get("PORTAL_SERVER_BIN", "target/release/portal-server")
    agent_bin = os.environ.get("PORTAL_AGENT_BIN", "target/release/portal-agent")
    st = os.environ.get("SCHEMATHESIS", "st")
    LOGS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data:
        server, address = start_server(server_bin, data)
        try:
            ada, ada_cookie = sign_in(address, "ada@example.com")
            _, grace_cookie = sign_in(address, "grace@example.com")
            device = enroll(address, ada, agent_bin, f"{data}/agent")
            failed = schemathesis(st, address, ada_cookie, device, examples, data, "owner", OWNER)
            # Every operation on Ada's device, as Grace.
            failed |= schemathesis(
                st, address, grace_cookie, device, examples, data, "another-user", STRANGER, only=r"\{id\}"
            )
        finally:
            server.terminate()
            server.wait(timeout=15)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
