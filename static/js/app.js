// Ressursvenner: small enhancements on top of working HTML. No inline script anywhere;
// everything the pages need from JavaScript is here and wired up by data attributes.
"use strict";

// --- Idle timeout: warn a minute before the server ends the session, offer "stay logged in".
// The server decides (accounts/middleware.py); this only warns and keeps the page honest.
(function idleTimeout() {
  const body = document.body;
  const timeout = Number(body.dataset.idleTimeout || 0);
  if (!timeout) return;
  const warningSeconds = Number(body.dataset.idleWarning || 60);
  // The server rewrites its activity stamp at most this often, so this page's load may not have
  // moved it: count from the oldest moment it can hold (check() then asks the server).
  const stampInterval = Number(body.dataset.idleStampInterval || 0);
  const statusUrl = body.dataset.sessionStatusUrl;
  const keepaliveUrl = body.dataset.sessionKeepaliveUrl;
  const dialog = document.getElementById("idle-warning");
  const countdown = dialog && dialog.querySelector("[data-idle-countdown]");
  const stay = dialog && dialog.querySelector("[data-idle-stay]");
  let checkTimer = null;
  let tickTimer = null;
  let deadline = 0;
  let previousFocus = null;

  function schedule(remaining) {
    clearTimeout(checkTimer);
    deadline = Date.now() + remaining * 1000;
    checkTimer = setTimeout(check, Math.max(0, (remaining - warningSeconds) * 1000));
  }

  function hide() {
    clearInterval(tickTimer);
    if (dialog && !dialog.hidden) {
      dialog.hidden = true;
      if (previousFocus) previousFocus.focus();
    }
  }

  function show() {
    if (!dialog || !dialog.hidden) return;
    previousFocus = document.activeElement;
    dialog.hidden = false;
    stay.focus();
    tick();
    tickTimer = setInterval(tick, 1000);
  }

  function tick() {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (countdown) countdown.textContent = String(left);
    if (left <= 0) {
      clearInterval(tickTimer);
      // A moment past the deadline the server ends the session on this reload and shows the
      // login page with a message (a reload before it would count as activity).
      setTimeout(() => window.location.reload(), 2000);
    }
  }

  // Another tab may have kept the session alive: ask the server before warning.
  function check() {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : { remaining: 0 }))
      .then((data) => {
        const remaining = Number(data.remaining || 0);
        if (remaining > warningSeconds + 2) {
          hide();
          schedule(remaining);
        } else {
          deadline = Date.now() + remaining * 1000;
          show();
        }
      })
      .catch(() => show());
  }

  function keepAlive() {
    fetch(keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": body.dataset.csrfToken || "", Accept: "application/json" },
    })
      .then((response) => response.json())
      .then((data) => {
        hide();
        schedule(Number(data.remaining || timeout));
      })
      .catch(() => window.location.reload());
  }

  if (stay) stay.addEventListener("click", keepAlive);
  // Typing counts as activity: a volunteer writing a meeting note or a worry on her phone is
  // not logged out in the middle of it (at most one request a minute tells the server).
  let lastTyped = Date.now();
  document.addEventListener("input", () => {
    if (Date.now() - lastTyped > 60 * 1000) {
      lastTyped = Date.now();
      keepAlive();
    }
  });
  schedule(Math.max(warningSeconds, timeout - stampInterval));
})();

// --- A form sent back with errors: take her to the first field to fix. Its label and its
// message (linked with aria-describedby) are read out, and the field is scrolled into view,
// so a message at the bottom of a long form is not missed.
(function focusFirstError() {
  const field = document.querySelector("main .is-invalid:not([type=hidden]), main [aria-invalid='true']");
  if (field && typeof field.focus === "function") field.focus();
})();

// --- The asterisk after a required field's label is for the eye: the field itself says
// "required" to a screen reader, which would otherwise also read out "star".
(function quietAsterisks() {
  document.querySelectorAll(".asteriskField").forEach((star) => star.setAttribute("aria-hidden", "true"));
})();

// --- The languages she speaks (volunteers/widgets.py): a name picked from «Add a language»
// becomes a ticked chip at once; without this, the server adds it when she saves.
(function languageChips() {
  document.querySelectorAll("[data-language-chips]").forEach((box) => {
    const input = box.querySelector(".language-add input");
    const list = box.querySelector("datalist");
    const chips = box.querySelector("[data-chips]");
    if (!input || !list || !chips) return;

    function find(text) {
      const wanted = text.trim().toLocaleLowerCase();
      if (!wanted) return null;
      return Array.from(list.options).find(
        (option) => option.value.toLocaleLowerCase() === wanted || option.dataset.code === wanted,
      );
    }

    function add() {
      const option = find(input.value);
      if (!option) return false;
      const id = `${box.dataset.baseId}_${option.dataset.code}`;
      let checkbox = document.getElementById(id);
      if (!checkbox) {
        const chip = document.createElement("span");
        chip.className = "chip";
        checkbox = document.createElement("input");
        checkbox.type = "checkbox";
        checkbox.name = box.dataset.name;
        checkbox.value = option.dataset.code;
        checkbox.id = id;
        const label = document.createElement("label");
        label.htmlFor = id;
        label.textContent = option.value;
        chip.append(checkbox, label);
        chips.append(chip);
      }
      checkbox.checked = true;
      input.value = "";
      return true;
    }

    // Picked from the list (a replacement, not typing), or confirmed by leaving the field.
    input.addEventListener("input", (event) => {
      if (event.inputType === "insertReplacementText" || !event.inputType) add();
    });
    input.addEventListener("change", add);
    // Enter adds the language instead of sending the form (an unknown name is sent, and the
    // server says so beside the field).
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && add()) event.preventDefault();
    });
  });
})();
