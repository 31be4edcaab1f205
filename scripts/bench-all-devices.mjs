// All devices in Chromium at an organisation's size: for each fleet size
// (default 10,000 and 100,000 devices, on SQLite), the time from a filter
// changed to its rows on screen, 30 times, as p50 and p95.
// Run by scripts/bench.sh, after the release build and the portal's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser, newPage, signIn, startNode } from "../tests/e2e/support.mjs";
import { record } from "./lib/figures.mjs";

const sizes = (process.env.PORTAL_FLEET_SIZES ?? "10000,100000").split(",").map(Number);
const RUNS = 30;
// Each change shows another platform's rows; Android to iOS and back, and so on.
const PLATFORMS = [["android", "Android"], ["ios", "iOS/iPadOS"], ["windows", "Windows 10/11"], ["macos", "macOS"]];

const browser = await launchBrowser();
try {
  for (const size of sizes) {
    const dir = mkdtempSync(join(tmpdir(), "portal-bench-"));
    const server = await startNode(["--demo", "--demo-fleet", String(size), "--data-dir", dir, "--database-url", `sqlite://${join(dir, "portal.db")}`]);
    try {
      const page = await newPage(browser);
      await page.goto(`${server.url}/sign-in`);
      await signIn(page, "it@example.com");
      await page.getByRole("heading", { name: "My devices" }).waitFor();
      await page.goto(`${server.url}/admin/devices`);
      await page.getByRole("table", { name: "All devices" }).waitFor();
      const times = [];
      for (let run = 0; run < RUNS; run++) {
        const [value, label] = PLATFORMS[run % PLATFORMS.length];
        // In the page: change the filter, then wait for the first row to be
        // the platform's and the frame after it to be painted.
        times.push(await page.evaluate(([value, label]) => new Promise((resolve, reject) => {
          const select = document.getElementById("fleet-platform");
          const started = performance.now();
          // The row's cells: User, then Platform.
          const shown = () => document.querySelector("tbody tr td:nth-of-type(2)")?.textContent === label;
          setTimeout(() => reject(new Error(`no ${label} rows after 10 s`)), 10_000);
          const observer = new MutationObserver(() => {
            if (!shown()) return;
            observer.disconnect();
            requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
          });
          observer.observe(document.querySelector("main"), { childList: true, subtree: true, characterData: true });
          select.value = value;
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }), [value, label]));
      }
      times.sort((a, b) => a - b);
      const at = (q) => times[Math.min(times.length - 1, Math.floor(times.length * q))];
      console.log(`All devices in Chromium, ${size} devices, SQLite: filter changed to rows shown p50 ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms`);
      for (const [q, label] of [[0.5, "p50"], [0.95, "p95"]]) {
        record({ key: `fleet.chromium.${size}.${label}`, name: `All devices in Chromium, ${size} devices: filter to rows, ${label}`, value: at(q), unit: "ms" });
      }
      if (page.problems.length) throw new Error(page.problems.join("\n"));
      await page.context().close();
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await browser.close();
}
