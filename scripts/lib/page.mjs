// What the build's scripts read in a built page (trunk minifies it:
// attributes may come unquoted).

/// The page's deferred scripts, in order: `[element, src]` each.
export const deferredScripts = (html) => [...html.matchAll(/<script defer src="?([\w./-]+\.js)"?><\/script>/g)];
