// Registers the service worker that lets the portal start without the
// network (a plain file: the Content-Security-Policy allows no inline script).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/web-app/sw.js", { scope: "/" }).catch(() => {});
}
