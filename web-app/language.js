// The reader's language, outside the wasm (which carries English alone).
//
// Fetches the reader's language's messages while the portal's wasm
// downloads, so that a portal in German paints as soon as one in English
// does; English needs nothing. The language is the one chosen under Language
// in this browser, else the first of the browser's that the server has
// messages for (up to English, which it always has). And does the rest of
// Language: its other options, and what choosing one does. A plain file,
// deferred (Sign in's page imports it, in the same order): the
// Content-Security-Policy allows no inline script.
(() => {
  const CHOICE = "portal.language";
  // The choice again as a cookie, for the pages the server writes (Sign in,
  // painted before the portal starts): kept a year, renewed at each visit.
  const remember = (tag) => {
    if (!/^[a-z]{2,3}$/.test(tag ?? "")) return;
    document.cookie = `portal_language=${tag}; path=/; max-age=31536000; samesite=lax`;
  };
  let wanted = [...navigator.languages];
  try {
    const chosen = localStorage.getItem(CHOICE);
    // No choice (any more): nor a cookie, so the server follows the browser too.
    if (chosen) remember(chosen);
    else document.cookie = "portal_language=; path=/; max-age=0";
    wanted.unshift(chosen);
  } catch {
    // Storage refused: the browser's languages alone.
  }
  const tags = [...new Set(wanted.filter(Boolean).map((tag) => tag.split("-")[0].toLowerCase()))];
  // Null: English, painted at once (and the page offers Language).
  self.portalLanguage = null;
  if ((tags[0] ?? "en") !== "en") {
    // { tag, digest, texts }: the texts in the order of the English keys of
    // `digest`. The portal waits for it before it paints: a server that does
    // not answer within 3 s leaves it in English rather than blank.
    self.portalLanguage = (async () => {
      for (const tag of tags) {
        if (tag === "en") break;
        if (!/^[a-z]{2,3}$/.test(tag)) continue;
        const response = await fetch(`/locales/${tag}.json`, { signal: AbortSignal.timeout(3000) }).catch(() => null);
        if (response?.ok) return response.json();
      }
      return null;
    })().catch(() => null);
  }

  // Language's other options, fetched once the page has loaded, and added
  // as the select is reached (focus, or a press that opens it).
  let languages = [];
  addEventListener("load", () => {
    fetch("/locales/index.json")
      .then((response) => (response.ok ? response.json() : []))
      .then((list) => {
        languages = list;
        // Reached before the list came: filled now.
        fill({ target: document.activeElement });
      })
      .catch(() => {});
  });
  const fill = (event) => {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement && select.matches(".cp-language"))) return;
    for (const [tag, name] of languages) {
      if (![...select.options].some((option) => option.value === tag)) select.add(new Option(name, tag));
    }
  };
  document.addEventListener("focusin", fill);
  document.addEventListener("pointerdown", fill);
  document.addEventListener("change", (event) => {
    if (!event.target.matches?.("select.cp-language")) return;
    try {
      localStorage.setItem(CHOICE, event.target.value);
    } catch {
      return;
    }
    remember(event.target.value);
    location.reload();
  });
})();
