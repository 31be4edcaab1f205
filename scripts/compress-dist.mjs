// Writes brotli (quality 11) and gzip (level 9) copies beside each asset of
// one built bundle of the portal (the files directly in the folder given,
// and wasm-bindgen's snippets, which the bundle's script imports), for the
// server to send as they are, and prints the sizes of the bundle's first
// load against its budget; with --enforce-budget, exceeding it is an error.
// Other folders (another bundle, modules loaded on first use) are not part
// of this first load.
import { readdirSync, readFileSync, statSync, writeFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";
import { record } from "./lib/figures.mjs";

const dist = process.argv[2] ?? "dist";
const enforce = process.argv.includes("--enforce-budget");
// 150 KB brotli for HTML, CSS, JS and wasm together: what an employee
// downloads. The admin console's bundles, which employees never download,
// are given theirs (--budget=160000).
const budget = Number(process.argv.find((arg) => arg.startsWith("--budget="))?.slice(9) ?? 150_000);
const compressible = /\.(html|js|wasm|css|svg|json)$/;

let total = { raw: 0, br: 0, gz: 0 };
const rows = [];
const snippets = join(dist, "snippets");
const files = readdirSync(dist).sort();
try {
  files.push(...readdirSync(snippets, { recursive: true }).sort().map((name) => join("snippets", name)));
} catch {}
// A previous run's copies go first (they sort after the file they copy).
for (const name of files.filter((name) => /\.(br|gz)$/.test(name))) unlinkSync(join(dist, name));
for (const name of files) {
  if (/\.(br|gz)$/.test(name) || statSync(join(dist, name)).isDirectory()) continue;
  if (!compressible.test(name)) continue;
  const raw = readFileSync(join(dist, name));
  const br = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(join(dist, `${name}.br`), br);
  writeFileSync(join(dist, `${name}.gz`), gz);
  rows.push([name, raw.length, br.length, gz.length]);
}
// A visit loads one page and what it names (the main bundle has two pages:
// index.html, and sign-in.html with Sign in painted in it and its style
// sheet inline), and every file no page names: the largest such load counts.
const pages = rows.filter(([name]) => name.endsWith(".html"));
const assets = rows.filter(([name]) => !name.endsWith(".html"));
const texts = new Map(pages.map(([name]) => [name, readFileSync(join(dist, name), "utf8")]));
// wasm-bindgen's snippets are imported by the bundle's script, whichever
// page starts it (sign-in.html names none of them).
const named = (page, [name]) => name.startsWith("snippets") || texts.get(page).includes(name.split("/").pop());
const loads = pages.map((page) => [page, ...assets.filter((asset) => named(page[0], asset) || !pages.some(([other]) => named(other, asset)))]);
const brotli = (load) => load.reduce((sum, row) => sum + row[2], 0);
const largest = loads.sort((a, b) => brotli(b) - brotli(a))[0];
for (const [, raw, br, gz] of largest) {
  total.raw += raw;
  total.br += br;
  total.gz += gz;
}
const pad = (v, n) => String(v).padStart(n);
console.log(`${dist}:`);
console.log(`${"asset".padEnd(40)} ${pad("raw", 9)} ${pad("brotli", 9)} ${pad("gzip", 9)}`);
for (const [name, raw, br, gz] of rows) console.log(`${name.padEnd(40)} ${pad(raw, 9)} ${pad(br, 9)} ${pad(gz, 9)}`);
console.log(`${`first load (${largest[0][0]} and its files)`.padEnd(40)} ${pad(total.raw, 9)} ${pad(total.br, 9)} ${pad(total.gz, 9)}`);
console.log(`budget: ${total.br} of ${budget} bytes brotli (${((100 * total.br) / budget).toFixed(0)}%)`);
const bundle = dist === "dist" ? "main" : dist.replace(/^dist\//, "");
record({ key: `bundle.${bundle}`, name: `first load, ${bundle} bundle, brotli`, value: total.br, unit: "bytes", reference: budget, referenceName: "budget" });
if (enforce && total.br > budget) {
  console.error(`the first load is over its budget by ${total.br - budget} bytes brotli`);
  process.exit(1);
}
