// The portal's service worker. It keeps the shell (each page's HTML, the
// content-hashed files and the web app's scripts it loads, and the reader's
// language's messages) so that a second visit starts without the
// network, and the last session and device list the user saw so that My
// devices still shows them offline, marked as such. No other API answer is
// kept, and those two go at sign-out, at sign-in, when the server says the
// session ended, and after 12 hours, which no session outlives.
//
// The build writes RELEASE (a digest of the shell) and SHELL (the main
// page's files); a new release is a new worker, which drops the old shell.
const RELEASE = "development";
const SHELL = ["/devices"];

const SHELL_CACHE = `shell-${RELEASE}`;
const LAST_SEEN = "last-seen";
const SESSION = "/api/v1/auth/session";
const KEPT = [SESSION, "/api/v1/devices"];
const ENDS_SESSION = [
  "/api/v1/auth/sign-in",
  "/api/v1/auth/passkey/sign-in",
  "/api/v1/auth/sign-out",
  "/api/v1/auth/sign-out-everywhere",
];
// No session outlives this (the server's absolute timeout): nor does what it showed.
const KEPT_FOR_MS = 12 * 60 * 60 * 1000;
const KEPT_AT = "x-portal-kept-at";
// Counts sign-ins and sign-outs: an answer fetched before one is not kept after it.
let generation = 0;
const OFFLINE_PAGE = "/web-app/offline.html";
// Pages kept by address, the oldest dropped beyond this.
const MAX_PAGES = 40;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll([...SHELL, OFFLINE_PAGE]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (ENDS_SESSION.includes(url.pathname)) event.respondWith(endingSession(request));
    return;
  }
  if (KEPT.includes(url.pathname)) {
    event.respondWith(lastSeen(event, url.pathname));
  } else if (url.pathname.startsWith("/api/")) {
    return;
  } else if (url.pathname.startsWith("/locales/")) {
    event.respondWith(messages(event, url.pathname));
  } else if (request.mode === "navigate") {
    event.respondWith(page(event, url.pathname));
  } else if (isFingerprinted(url.pathname) || url.pathname.startsWith("/web-app/")) {
    event.respondWith(asset(request));
  }
});

// Signing in or out forgets what the last session showed, before and after
// the request (a list fetched meanwhile is not written back: `generation`).
async function endingSession(request) {
  generation++;
  await caches.delete(LAST_SEEN);
  try {
    return await fetch(request);
  } finally {
    generation++;
    await caches.delete(LAST_SEEN);
  }
}

// The network's answer, kept while someone is signed in (and forgotten when
// nobody is); offline, the kept one, unless older than any session lives.
// The page has the answer at once; keeping it happens after.
async function lastSeen(event, path) {
  const started = generation;
  let response;
  try {
    response = await fetch(event.request);
  } catch (error) {
    // Only offline, as the portal's notice says: a server that is down while
    // the browser is online is said to be down, not papered over.
    const kept = self.navigator.onLine ? undefined : await keptAnswer(path);
    if (kept) return kept;
    throw error;
  }
  event.waitUntil(keep(response.clone(), path, started));
  return response;
}

async function keep(response, path, started) {
  const signedOut =
    response.status === 401 || (path === SESSION && response.ok && !(await response.clone().json().catch(() => null))?.user);
  if (signedOut) {
    await caches.delete(LAST_SEEN);
  } else if (response.ok) {
    const headers = new Headers(response.headers);
    headers.set(KEPT_AT, String(Date.now()));
    const copy = new Response(await response.blob(), { status: response.status, headers });
    // Not if a sign-in or sign-out came meanwhile.
    if (started === generation) await caches.open(LAST_SEEN).then((cache) => cache.put(path, copy));
  }
}

async function keptAnswer(path) {
  const cache = await caches.open(LAST_SEEN);
  const kept = await cache.match(path);
  if (kept && Date.now() - Number(kept.headers.get(KEPT_AT)) > KEPT_FOR_MS) {
    await caches.delete(LAST_SEEN);
    return undefined;
  }
  return kept;
}

// Pages from the network first, so a new release shows at the next visit
// (kept once the page has them); offline, the page kept for that address,
// My devices' for the portal's start, or a page that says the portal is
// offline.
async function page(event, path) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetch(event.request);
    if (response.ok) event.waitUntil(cache.put(path, response.clone()).then(() => trimPages(cache)));
    return response;
  } catch (error) {
    const kept = (await cache.match(path)) ?? (path === "/" ? await cache.match("/devices") : undefined);
    return kept ?? (await cache.match(OFFLINE_PAGE)) ?? Promise.reject(error);
  }
}

// A language's messages: the network's, kept; offline, the kept ones, else
// a failure (the portal then speaks English).
async function messages(event, path) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetch(event.request);
    if (response.ok) event.waitUntil(cache.put(path, response.clone()));
    return response;
  } catch {
    return (await cache.match(path)) ?? Response.error();
  }
}

async function trimPages(cache) {
  const pages = (await cache.keys()).filter((r) => {
    const path = new URL(r.url).pathname;
    return !isFingerprinted(path) && !/^\/(web-app|locales)\//.test(path) && !SHELL.includes(path);
  });
  await Promise.all(pages.slice(0, Math.max(0, pages.length - MAX_PAGES)).map((r) => cache.delete(r)));
}

// Content-hashed files never change, and the web app's change only with a
// release (a new worker, a new shell): the kept copy, else the network's, kept.
async function asset(request) {
  const cache = await caches.open(SHELL_CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

// `portal-1a2b3c4d5e6f7a8b_bg.wasm`: trunk's names carry the content's hash,
// and wasm-bindgen's snippets sit in a folder named by one. (A page's
// address, `/devices/<uuid>`, has no extension.)
function isFingerprinted(path) {
  if (!/\.(js|wasm|css)$/.test(path)) return false;
  if (/\/snippets\/[\w-]+-[0-9a-f]{8,16}\//.test(path)) return true;
  const stem = path.split("/").pop().split(".")[0].replace(/_bg$/, "");
  const hash = stem.slice(stem.lastIndexOf("-") + 1);
  return stem.includes("-") && /^[0-9a-f]{8,16}$/.test(hash);
}
