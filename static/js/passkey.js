// Ressursvenner: passkeys and security keys around allauth's WebAuthn script (mfa/js/webauthn.js).
// Loaded only on the pages that use them (templates/mfa/webauthn/scripts.html).
"use strict";

(function passkeys() {
  // The passkey button appears only where the browser can use a passkey.
  function showWhereSupported() {
    if (!window.PublicKeyCredential) return;
    document.querySelectorAll("[data-webauthn-only]").forEach((element) => {
      element.hidden = false;
    });
  }

  // A ceremony cancelled or failed (allauth's script sends "allauth.error"): say so on the page,
  // in her language, with the way on (the code from the app), instead of a silent console error.
  document.addEventListener("allauth.error", (event) => {
    const message = document.querySelector("[data-webauthn-error]");
    if (!message) return;
    event.preventDefault();
    message.hidden = false;
    message.focus();
  });

  // The login page's passkey button: allauth's login form (fetch a challenge, ask the browser,
  // post its answer). Wired here rather than by an inline data block, as the public pages have
  // no inline script at all.
  function wireLogin() {
    const button = document.querySelector("[data-passkey-login]");
    if (!button || !window.allauth || !window.allauth.webauthn) return;
    const credential = button.form.querySelector("input[name=credential]");
    window.allauth.webauthn.forms.loginForm({ ids: { login: button.id, credential: credential.id } });
  }

  function ready() {
    showWhereSupported();
    wireLogin();
  }

  // Run once every script is loaded (allauth's come after this one).
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
