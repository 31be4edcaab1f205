// Passkeys in the browser: the WebAuthn ceremonies behind Sign in with a
// passkey, Add a passkey and confirming it is you. Loaded on first use, so
// the first load carries none of it. Each export resolves to the answer's
// JSON text, or rejects with the API's error shape as JSON text.

const failure = (code, message) => JSON.stringify({ code, message, fields: [] });
const offline = failure("network", "The portal cannot reach the server. Check your connection and try again.");

async function post(path, body) {
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-requested-with": "company-portal" },
      body: JSON.stringify(body ?? {}),
    });
  } catch {
    throw offline;
  }
  const text = await response.text();
  if (!response.ok) throw text || offline;
  return text;
}

const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const text = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

// A passkey belongs to the relying party's domain: elsewhere (the demo at
// 127.0.0.1 rather than localhost) the browser would refuse it without a word.
function here(rpId) {
  const host = location.hostname;
  if (rpId && host !== rpId && !host.endsWith(`.${rpId}`)) {
    throw failure("passkey_elsewhere", `Passkeys work only where the portal is reached at ${rpId}. Open it there to use one.`);
  }
}

// One ceremony at a time: one the user started ends the waiting one (the
// autofill's), and the autofill's gives way to any other.
let waiting;

async function ceremony(run, autofill = false) {
  if (autofill && waiting && !waiting.autofill) throw failure("passkey_cancelled", "");
  waiting?.controller.abort();
  const current = (waiting = { controller: new AbortController(), autofill });
  try {
    return await run(current.controller.signal);
  } catch (error) {
    if (typeof error === "string") throw error;
    if (error?.name === "NotAllowedError" || error?.name === "AbortError") {
      throw failure("passkey_cancelled", "No passkey was used. Try again, or use your password.");
    }
    if (error?.name === "InvalidStateError") throw failure("passkey_exists", "This authenticator has a passkey for you already.");
    throw failure("passkey_unsupported", "This browser could not use a passkey here.");
  } finally {
    if (waiting === current) waiting = undefined;
  }
}

/// Ends the autofill's wait (the Sign in page is gone).
export function cancel() {
  if (waiting?.autofill) waiting.controller.abort();
  return "";
}

// Asks the browser for an assertion to the server's sign-in challenge.
async function assertion(signal, mediation) {
  const { ceremony, options } = JSON.parse(await post("/auth/passkey/challenge"));
  here(options.publicKey.rpId);
  const publicKey = { ...options.publicKey, challenge: bytes(options.publicKey.challenge) };
  publicKey.allowCredentials = (publicKey.allowCredentials ?? []).map((c) => ({ ...c, id: bytes(c.id) }));
  const credential = await navigator.credentials.get({ publicKey, signal, mediation });
  const r = credential.response;
  return {
    ceremony,
    credential: {
      id: credential.id,
      rawId: text(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: text(r.authenticatorData),
        clientDataJSON: text(r.clientDataJSON),
        signature: text(r.signature),
        userHandle: r.userHandle ? text(r.userHandle) : null,
      },
      extensions: credential.getClientExtensionResults(),
    },
  };
}

/// Signs in; `how` is "autofill" to wait for a passkey picked in the email
/// field's suggestions, where the browser offers them.
export async function signIn(how) {
  if (how === "autofill" && !(await globalThis.PublicKeyCredential?.isConditionalMediationAvailable?.())) {
    throw failure("passkey_cancelled", "");
  }
  const autofill = how === "autofill";
  return ceremony(
    async (signal) => post("/auth/passkey/sign-in", await assertion(signal, autofill ? "conditional" : undefined)),
    autofill,
  );
}

/// Confirms it is the signed-in user, in place of password and code.
export async function confirm() {
  return ceremony(async (signal) => post("/auth/reauthenticate/passkey", await assertion(signal)));
}

/// Adds a passkey named `name` (the session must be fresh).
export async function add(name) {
  return ceremony(async (signal) => {
    const { ceremony, options } = JSON.parse(await post("/security/passkeys/challenge"));
    const o = options.publicKey;
    here(o.rp.id);
    const publicKey = {
      ...o,
      challenge: bytes(o.challenge),
      user: { ...o.user, id: bytes(o.user.id) },
      excludeCredentials: (o.excludeCredentials ?? []).map((c) => ({ ...c, id: bytes(c.id) })),
    };
    const credential = await navigator.credentials.create({ publicKey, signal });
    const r = credential.response;
    return post("/security/passkeys", {
      ceremony,
      name,
      credential: {
        id: credential.id,
        rawId: text(credential.rawId),
        type: credential.type,
        response: {
          attestationObject: text(r.attestationObject),
          clientDataJSON: text(r.clientDataJSON),
          transports: r.getTransports?.() ?? [],
        },
        extensions: credential.getClientExtensionResults(),
      },
    });
  });
}
