// PIN lock (issue 14), optional, per phone: after some minutes without use the app asks for a
// PIN before it shows anything (a collector or a relative who picks up the phone sees a lock,
// not the evidence). Kept in this browser only: a PBKDF2-SHA-256 hash of the PIN with a random
// salt (never the PIN) and the minutes. Five wrong PINs, or "Forgot the PIN", log out (the
// password is then needed) and remove the PIN. Loaded in <head>: a page that must be locked is
// hidden (html.pin-locked) before it draws.
(function () {
  "use strict";
  var KEY = "liuzheng-pin", ACTIVE = "liuzheng-last-active", TRIES = "liuzheng-pin-tries";
  var store = window.localStorage, root = document.documentElement;

  function conf() { try { return JSON.parse(store.getItem(KEY) || "null"); } catch (e) { return null; } }
  function lastActive() { return parseInt(store.getItem(ACTIVE) || "0", 10) || 0; }
  function due() {
    var c = conf();
    return !!c && Date.now() - lastActive() > c.minutes * 60000;
  }
  if (due()) { root.classList.add("pin-locked"); }

  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function derive(pin, saltHex) {
    var salt = new Uint8Array(saltHex.match(/../g).map(function (h) { return parseInt(h, 16); }));
    return crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"])
      .then(function (k) {
        return crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: 200000 }, k, 256);
      }).then(hex);
  }

  function touch() { if (!root.classList.contains("pin-locked")) { store.setItem(ACTIVE, String(Date.now())); } }

  document.addEventListener("DOMContentLoaded", function () {
    var lock = document.getElementById("pin-lock"), setup = document.getElementById("pin-setup");
    if (!lock || !setup || !window.crypto || !crypto.subtle) { root.classList.remove("pin-locked"); return; }
    var lockForm = document.getElementById("pin-lock-form"), lockInput = document.getElementById("pin-lock-input");
    var lockError = document.getElementById("pin-lock-error");

    function logOut() {
      store.removeItem(KEY); store.removeItem(TRIES);
      var out = document.getElementById("logout-form");
      if (out) { out.submit(); } else { root.classList.remove("pin-locked"); }
    }

    function showLock() {
      root.classList.add("pin-locked");
      lock.hidden = false;
      lockInput.value = "";
      lockInput.focus();
    }
    function unlock() {
      root.classList.remove("pin-locked");
      lock.hidden = true;
      store.removeItem(TRIES);
      touch();
    }
    if (root.classList.contains("pin-locked")) { showLock(); } else { touch(); }

    lockForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var c = conf();
      if (!c) { unlock(); return; }
      derive(lockInput.value, c.salt).then(function (h) {
        if (h === c.hash) { unlock(); return; }
        var tries = (parseInt(store.getItem(TRIES) || "0", 10) || 0) + 1;
        store.setItem(TRIES, String(tries));
        lockInput.value = "";
        if (tries >= 5) { logOut(); return; }
        lockError.textContent = lockError.dataset.wrong.replace("{left}", 5 - tries);
        lockError.hidden = false;
      });
    });
    document.getElementById("pin-forgot").addEventListener("click", logOut);

    // Activity keeps it open; coming back to the page after the minutes locks it.
    ["pointerdown", "keydown", "scroll"].forEach(function (t) {
      document.addEventListener(t, function () { touch(); }, { passive: true, capture: true });
    });
    document.addEventListener("visibilitychange", function () { if (!document.hidden && due()) { showLock(); } });
    window.setInterval(function () { if (due() && lock.hidden) { showLock(); } }, 15000);

    // Setting it up (user menu → "PIN lock on this phone").
    var open = document.getElementById("pin-setup-open");
    var setupForm = document.getElementById("pin-setup-form"), setupError = document.getElementById("pin-setup-error");
    function closeSetup() { setup.hidden = true; setupForm.reset(); setupError.hidden = true; }
    if (open) {
      open.addEventListener("click", function () {
        setup.hidden = false;
        document.getElementById("pin-remove").hidden = !conf();
        document.getElementById("pin-new").focus();
      });
    }
    document.getElementById("pin-cancel").addEventListener("click", closeSetup);
    document.getElementById("pin-remove").addEventListener("click", function () {
      store.removeItem(KEY);
      closeSetup();
    });
    setupForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var pin = document.getElementById("pin-new").value, again = document.getElementById("pin-again").value;
      if (!/^[0-9]{4,8}$/.test(pin)) { setupError.textContent = setupError.dataset.format; setupError.hidden = false; return; }
      if (pin !== again) { setupError.textContent = setupError.dataset.mismatch; setupError.hidden = false; return; }
      var salt = hex(crypto.getRandomValues(new Uint8Array(16)));
      var minutes = parseInt(document.getElementById("pin-minutes").value, 10) || 5;
      derive(pin, salt).then(function (h) {
        store.setItem(KEY, JSON.stringify({ salt: salt, hash: h, minutes: minutes }));
        touch();
        closeSetup();
      });
    });
  });
})();
