// Registers the service worker that lets the portal start without the
// network (a plain file: the Content-Security-Policy allows no inline script),
// once the page has loaded: its install fetches the shell, which must not
// compete with the page's own first load.
if ("serviceWorker" in navigator) {
  addEventListener("load", () => {
    navigator.serviceWorker.register("/web-app/sw.js", { scope: "/" }).catch(() => {});
  });
}
