// Writes into the built service worker (dist/web-app/sw.js) the files of
// the main page's shell (its content-hashed script, wasm, stylesheet and
// wasm-bindgen snippets, the web app's scripts, the offline page and the
// icons) and a release name digested from each bundle's page and the web
// app's files, so that every release is a new worker that replaces the old
// shell at the next visit.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deferredScripts } from "./lib/page.mjs";

const dist = process.argv[2] ?? "dist";
const workerPath = join(dist, "web-app", "sw.js");
// Sign in is written once per language (sign-in.html, sign-in.de.html, ...).
const signIns = readdirSync(dist).filter((name) => /^sign-in(\.[a-z]{2,3})?\.html$/.test(name)).sort();
const pages = ["index.html", ...signIns, "catalog/index.html", "account/index.html", "admin/index.html", "admin-settings/index.html", "admin-organisation/index.html"];

const main = readFileSync(join(dist, "index.html"), "utf8");
const hashed = [
  ...new Set(main.match(/\/[\w./-]*-[0-9a-f]{8,16}(?:_bg)?\.(?:js|wasm|css)|\/snippets\/[\w-]+-[0-9a-f]{8,16}\/[\w.-]+\.js/g) ?? []),
].sort();
if (!hashed.some((f) => f.endsWith(".wasm"))) throw new Error(`${dist}/index.html names no wasm: is the portal built?`);
const shell = [
  "/",
  "/devices",
  "/sign-in",
  ...hashed,
  // Sign in's module script imports them: offline, it cannot start without.
  ...deferredScripts(main).map(([, src]) => src),
  "/web-app/offline.css",
  "/web-app/icon.svg",
  "/web-app/manifest.webmanifest",
];

// Every page and every file of the web app's folder: a release that changes
// only the offline page or an icon is a new worker too.
const digest = createHash("sha256");
for (const page of pages) digest.update(readFileSync(join(dist, page)));
for (const file of readdirSync(join(dist, "web-app")).sort()) digest.update(readFileSync(join(dist, "web-app", file)));
const source = readFileSync(workerPath, "utf8");
const release = digest.digest("hex").slice(0, 16);

const sealed = source
  .replace(/^const RELEASE = .*;$/m, `const RELEASE = ${JSON.stringify(release)};`)
  .replace(/^const SHELL = .*;$/m, `const SHELL = ${JSON.stringify(shell)};`);
if (!sealed.includes(release) || !sealed.includes(hashed[0])) throw new Error(`${workerPath}: RELEASE or SHELL not found`);
writeFileSync(workerPath, sealed);
console.log(`service worker: release ${release}, shell of ${shell.length} files`);
