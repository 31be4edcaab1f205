// The figures the benchmarks measure, gathered into one table. Each
// benchmark records its figures (one JSON object a line) in the file named
// by BENCH_FIGURES; scripts/bench.sh sets it, and at the end `report` prints
// them as one table, each beside its reference measured in the same run (or
// its goal) and beside the previous run's, and writes them as JSON and as an
// SVG chart in target/bench/. The Rust benchmarks write the same lines
// (crates/portal-server/tests/api/figures.rs).
//
// A figure: { key, name, value, unit, reference?, referenceName? }; the
// reference is measured in the same run (a bare handler, the upstream
// reached directly) or is the figure's goal.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Appends `figure` to BENCH_FIGURES's file, where one is named. */
export function record(figure) {
  if (process.env.BENCH_FIGURES) appendFileSync(process.env.BENCH_FIGURES, `${JSON.stringify(figure)}\n`);
}

/** The figures in a file of `record`'s lines. */
export function read(path) {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

const shown = (value, unit) => {
  if (!Number.isFinite(value)) return "";
  const digits = Math.abs(value) >= 100 || unit === "bytes" ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
};

const escaped = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/->/g, "→");

/**
 * Prints `figures` as one table beside the previous run's (target/bench/
 * NAME.json, kept as NAME.previous.json) and writes them as NAME.json and
 * NAME.svg there.
 */
export function report(figures, name) {
  const out = "target/bench";
  mkdirSync(out, { recursive: true });
  const current = join(out, `${name}.json`);
  const previousPath = join(out, `${name}.previous.json`);
  if (existsSync(current)) renameSync(current, previousPath);
  // A previous run's file of another shape compares with nothing.
  const kept = existsSync(previousPath) ? JSON.parse(readFileSync(previousPath, "utf8")).figures : [];
  const before = new Map(Array.isArray(kept) ? kept.map((f) => [f.key, f.value]) : []);
  writeFileSync(current, JSON.stringify({ at: new Date().toISOString(), figures }, null, 2));

  const rows = figures.map((f) => [f.name, shown(f.value, f.unit), shown(f.reference, f.unit), f.referenceName ?? "", shown(before.get(f.key), f.unit)]);
  const header = ["figure", "now", "reference", "", "previous"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 || i === 3 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));

  // One bar a figure, each scaled to the largest of its own three values
  // (its units differ): this run's, the previous run's, and the reference as a tick.
  // Names at about 6.5 px a character in 12 px type.
  const barStart = Math.ceil(Math.max(...figures.map((f) => f.name.length)) * 6.5) + 12;
  const span = 320;
  const width = barStart + span + 90;
  // A figure that was not measured (none of its runs finished) has a row and no bar.
  const finite = (value) => (Number.isFinite(value) ? value : undefined);
  const bars = figures
    .map((f, i) => {
      const y = 24 + i * 30;
      const [value, reference, previous] = [f.value, f.reference, before.get(f.key)].map(finite);
      const scale = span / Math.max(value ?? 0, reference ?? 0, previous ?? 0, Number.EPSILON);
      const at = (value) => (value * scale).toFixed(1);
      const tick = reference === undefined ? "" : (barStart + reference * scale).toFixed(1);
      return [
        `<text x="0" y="${y + 12}" font-size="12">${escaped(f.name)}</text>`,
        previous === undefined ? "" : `<rect x="${barStart}" y="${y + 14}" width="${at(previous)}" height="7" fill="#9da7b3"><title>previous ${shown(previous, f.unit)}</title></rect>`,
        value === undefined ? "" : `<rect x="${barStart}" y="${y + 2}" width="${at(value)}" height="12" fill="#0b5cad"><title>${shown(value, f.unit)}</title></rect>`,
        tick === "" ? "" : `<line x1="${tick}" x2="${tick}" y1="${y}" y2="${y + 23}" stroke="#b42318" stroke-width="2"><title>${escaped(f.referenceName ?? "reference")} ${shown(reference, f.unit)}</title></line>`,
        `<text x="${(barStart + 6 + (value ?? 0) * scale).toFixed(1)}" y="${y + 12}" font-size="11">${value === undefined ? "not measured" : shown(value, f.unit)}</text>`,
      ].join("");
    })
    .join("\n");
  const chart = join(out, `${name}.svg`);
  writeFileSync(
    chart,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${34 + figures.length * 30}" font-family="system-ui, sans-serif">\n` +
      `<text x="0" y="12" font-size="12">blue: this run; grey: the previous run; red: the reference or goal</text>\n${bars}\n</svg>\n`,
  );
  console.log(`figures in ${current}, drawn in ${chart}`);
}
