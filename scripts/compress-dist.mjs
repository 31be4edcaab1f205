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

const dist = process.argv[2] ?? "dist";
const enforce = process.argv.includes("--enforce-budget");
// 150 KB brotli for HTML, CSS, JS and wasm together.
const budget = 150_000;
const compressible = /\.(html|js|wasm|css|svg|json)$/;

let total = { raw: 0, br: 0, gz: 0 };
const rows = [];
const snippets = join(dist, "snippets");
const files = readdirSync(dist).sort();
try {
  files.push(...readdirSync(snippets, { recursive: true }).sort().map((name) => join("snippets", name)));
} catch {}
for (const name of files) {
  if (statSync(join(dist, name)).isDirectory()) continue;
  if (/\.(br|gz)$/.test(name)) {
    unlinkSync(join(dist, name));
    continue;
  }
  if (!compressible.test(name)) continue;
  const raw = readFileSync(join(dist, name));
  const br = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(join(dist, `${name}.br`), br);
  writeFileSync(join(dist, `${name}.gz`), gz);
  rows.push([name, raw.length, br.length, gz.length]);
  total.raw += raw.length;
  total.br += br.length;
  total.gz += gz.length;
}

const pad = (v, n) => String(v).padStart(n);
console.log(`${dist}:`);
console.log(`${"asset".padEnd(40)} ${pad("raw", 9)} ${pad("brotli", 9)} ${pad("gzip", 9)}`);
for (const [name, raw, br, gz] of rows) console.log(`${name.padEnd(40)} ${pad(raw, 9)} ${pad(br, 9)} ${pad(gz, 9)}`);
console.log(`${"first load (all of the above)".padEnd(40)} ${pad(total.raw, 9)} ${pad(total.br, 9)} ${pad(total.gz, 9)}`);
console.log(`budget: ${total.br} of ${budget} bytes brotli (${((100 * total.br) / budget).toFixed(0)}%)`);
if (enforce && total.br > budget) {
  console.error(`the first load is over its budget by ${total.br - budget} bytes brotli`);
  process.exit(1);
}
