// Writes dist/sign-in.html: the main bundle's page with Sign in already in
// its body (src/pages/sign_in.html) and its style sheet inline, so that Sign
// in is on screen as soon as the HTML is, not once the wasm has been
// fetched, compiled and started.
// The server sends it for /sign-in; the portal takes it over when it starts.
// One page per language of locales/ (dist/sign-in.de.html, ...), each
// {{section.name}} of the source its catalog's text, so that a reader of
// German sees German from the first paint; English is sign-in.html.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deferredScripts } from "./lib/page.mjs";

const dist = process.argv[2] ?? "dist";
const page = readFileSync(join(dist, "index.html"), "utf8");
// Its comments are for the source, not for every visitor's download.
const signIn = readFileSync("src/pages/sign_in.html", "utf8")
  .replace(/<!--[\s\S]*?-->/g, "")
  .replace(/^\s*\/\/.*\n/gm, "")
  .replace(/\n\s*/g, "\n")
  .trim();
if (!/<body>\s*<\/body>/.test(page)) throw new Error(`${dist}/index.html: expected an empty <body>`);
// The style sheet inline: the page paints without waiting for another file,
// and its inline script, which a pending style sheet would hold back, runs
// as it is parsed. The server allows both by their hashes.
// (trunk minifies the page: attributes may come unquoted and in any order)
const sheet = page.match(/<link [^>]*\brel="?stylesheet\b[^>]*>/);
const sheetFile = sheet?.[0].match(/\bhref="?\/([\w.-]+\.css)/)?.[1];
if (!sheetFile) throw new Error(`${dist}/index.html links no style sheet`);
const css = readFileSync(join(dist, sheetFile), "utf8");
// Without trunk's preload hints: fetched and compiled while the page is
// parsed, on two cores they held Sign in back by a third (measured); the
// module script fetches the same files once the page is parsed (from the
// same origin; the hints' integrity attributes go with them).
// No file is asked for before the form is parsed: the head's scripts
// (deferred, and trunk's module script, which runs after the page is parsed
// anyway) move to the end of the body as one module script that imports
// them in the same order. Seen by the parser's preload scanner in the head,
// their first request from the page's new renderer process held the form's
// parsing back (18 ms of a traced load; 23–31 ms of time to usable on two
// cores, the page before and after served side by side: see the README).
// The imports are fetched side by side when the parser reaches them.
const deferred = deferredScripts(page);
const bootstrap = page.match(/<script type="?module"?>([\s\S]*?)<\/script>/);
if (!bootstrap) throw new Error(`${dist}/index.html has no module script`);
const imports = deferred.map(([, src]) => `import ${JSON.stringify(src)};`).join("");
const written = [...deferred.map(([element]) => element), bootstrap[0]]
  .reduce((html, element) => html.replace(element, ""), page)
  .replace(/<!--[\s\S]*?-->/g, "")
  .replace(sheet[0], () => `<style>${css}</style>`)
  .replace(/<link [^>]*\brel="?(?:module)?preload\b[^>]*>/g, "")
  .replace(/<body>\s*<\/body>/, () => `<body>\n${signIn}\n<script type=module>${imports}${bootstrap[1]}</script>\n</body>`);
if (/<script[^>]*\ssrc=/.test(written)) throw new Error(`${dist}/index.html: a script with a src was left in place`);
const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
for (const file of readdirSync("locales").filter((name) => name.endsWith(".json")).sort()) {
  const tag = file.slice(0, -".json".length);
  const texts = { ...JSON.parse(readFileSync(join("locales", file), "utf8")), "language.tag": tag };
  const localised = written
    .replace(/<html lang="?en"?/, `<html lang="${tag}"`)
    .replace(/\{\{([a-z_.]+)\}\}/g, (_, key) => {
      if (texts[key] === undefined) throw new Error(`src/pages/sign_in.html: locales/${file} has no ${key}`);
      return escape(texts[key]);
    });
  if (!localised.includes(`<html lang="${tag}"`)) throw new Error(`${dist}/index.html: expected <html lang="en">`);
  const name = tag === "en" ? "sign-in.html" : `sign-in.${tag}.html`;
  writeFileSync(join(dist, name), localised);
  console.log(`first paint: ${dist}/${name} (${localised.length} bytes)`);
}
