// Passkey ceremonies (WebAuthn) for the login, second-factor and account pages. A button
// with data-begin and data-finish runs one: the server's options (base64url JSON) go to
// navigator.credentials, and the authenticator's answer goes back as base64url JSON, each a
// fetch POST with the page's CSRF token and the other fields of the button's form. The server
// answers where to go next. Without this script (or WebAuthn) the buttons stay hidden and
// everything else on the pages works as before.
"use strict";

(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function fromBase64url(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  }

  function toBase64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (const byte of bytes) {
      binary += String.fromCharCode(byte);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map((c) => Object.assign({}, c, { id: fromBase64url(c.id) }));
  }

  function creationOptions(options) {
    const o = Object.assign({}, options.publicKey);
    o.challenge = fromBase64url(o.challenge);
    o.user = Object.assign({}, o.user, { id: fromBase64url(o.user.id) });
    o.excludeCredentials = withIds(o.excludeCredentials);
    return o;
  }

  function requestOptions(options) {
    const o = Object.assign({}, options.publicKey);
    o.challenge = fromBase64url(o.challenge);
    o.allowCredentials = withIds(o.allowCredentials);
    return o;
  }

  function credentialJson(credential) {
    const r = credential.response;
    const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      if (r.getTransports) {
        response.transports = r.getTransports();
      }
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      response.userHandle = r.userHandle ? toBase64url(r.userHandle) : null;
    }
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: response,
      extensions: credential.getClientExtensionResults(),
    };
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    let answer = {};
    let unreadable = false;
    try {
      answer = await response.json();
    } catch (e) {
      unreadable = true;
    }
    if (unreadable || !response.ok) {
      const failure = new Error(answer.error_description || "");
      failure.redirect = answer.redirect;
      if (!answer.error_description) {
        failure.words = unreadable ? "unreachable" : "failed";
      }
      throw failure;
    }
    return answer;
  }

  function fields(form) {
    const values = {};
    new FormData(form).forEach((value, name) => {
      values[name] = value;
    });
    return values;
  }

  // The page's words for what the script says itself, in the page's language: data attributes
  // of the button's error element (data-unreachable, data-failed, data-none-chosen,
  // data-cancelled).
  function words(button, key) {
    const error = document.getElementById(button.id + "-error");
    return (error && error.dataset[key]) || "";
  }

  function show(button, message) {
    const error = document.getElementById(button.id + "-error");
    if (error) {
      error.textContent = message;
      error.hidden = !message;
    }
  }

  // One ceremony; `mediation` is "conditional" for the username field's autofill.
  async function ceremony(button, mediation, signal) {
    const values = fields(button.form);
    const begun = await post(button.dataset.begin, values);
    let credential;
    if (button.dataset.create !== undefined) {
      credential = await navigator.credentials.create({ publicKey: creationOptions(begun.options) });
    } else {
      const request = { publicKey: requestOptions(begun.options) };
      if (mediation) {
        request.mediation = mediation;
        request.signal = signal;
      }
      credential = await navigator.credentials.get(request);
    }
    if (!credential) {
      const none = new Error("");
      none.words = "noneChosen";
      throw none;
    }
    values.ceremony = begun.ceremony;
    values.credential = credentialJson(credential);
    const finished = await post(button.dataset.finish, values);
    window.location.assign(finished.redirect);
  }

  function failed(button, error) {
    if (error && error.redirect) {
      window.location.assign(error.redirect);
      return;
    }
    const cancelled = error && (error.name === "NotAllowedError" || error.name === "AbortError");
    let message = error && error.message;
    if (cancelled) {
      message = words(button, "cancelled");
    } else if (error && error.words) {
      message = words(button, error.words);
    }
    show(button, message);
    button.disabled = false;
  }

  let autofill = null;

  function run(button) {
    if (autofill) {
      autofill.abort();
      autofill = null;
    }
    button.disabled = true;
    show(button, "");
    ceremony(button).catch((error) => failed(button, error));
  }

  // Each passkey form is hidden until this script can run its ceremony.
  for (const button of document.querySelectorAll("form.passkey button[data-begin][data-finish]")) {
    button.form.hidden = false;
    button.form.addEventListener("submit", (event) => {
      event.preventDefault();
      run(button);
    });
  }

  // Conditional mediation: the passkeys of this site appear in the username field's autofill.
  const signIn = document.getElementById("passkey-signin");
  if (signIn && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
      if (!available) {
        return;
      }
      autofill = new AbortController();
      ceremony(signIn, "conditional", autofill.signal).catch((error) => {
        if (error && error.name !== "AbortError") {
          failed(signIn, error);
        }
      });
    });
  }
})();
