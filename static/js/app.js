// One tap, one entry: disable submit buttons once a form is sent (the server
// also ignores a repeated form token, for retries the browser makes itself).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented) { return; } // handled in the page (the PIN lock's forms): nothing sent
  if (form.dataset.submitted) { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
    b.disabled = true;
    if (b.dataset.busyText) { b.textContent = b.dataset.busyText; }
  });
});
// Bundles being built: poll their progress until they are ready, then reload.
// One request at a time, the next only after the answer, and none once the page is
// being left: when the page reloads itself (a bundle is ready) no poll is half-way.
(function () {
  var rows = Array.prototype.filter.call(document.querySelectorAll(".bundle-row"), function (row) {
    return row.dataset.status === "queued" || row.dataset.status === "running";
  });
  if (!rows.length) { return; }
  var leaving = false;
  window.addEventListener("pagehide", function () { leaving = true; });
  function check(i) {
    if (leaving) { return; }
    if (i === rows.length) { setTimeout(function () { check(0); }, 2000); return; }
    var row = rows[i], bar = row.querySelector(".progress-bar");
    fetch(row.dataset.statusUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
      if (bar) { bar.style.width = s.progress + "%"; bar.parentNode.setAttribute("aria-valuenow", s.progress); }
      if (s.status !== "queued" && s.status !== "running") { leaving = true; window.location.reload(); return; }
      check(i + 1);
    }).catch(function () { /* offline or signed out: stop; the next page load starts again */ });
  }
  setTimeout(function () { check(0); }, 2000);
})();
// Refuse a file larger than the server limit before uploading it for minutes.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (input.type !== "file" || !input.dataset.maxBytes) { return; }
  var max = parseInt(input.dataset.maxBytes, 10), msg = input.dataset.tooLarge || "";
  for (var i = 0; i < input.files.length; i++) {
    if (input.files[i].size > max) { alert(msg.replace("%s", input.files[i].name)); input.value = ""; return; }
  }
});
// Tag suggestions from the text being typed (phrase lists on the server): suggestions
// only, the borrower ticks the tags; the matched phrase is shown with each.
(function () {
  var box = document.getElementById("tag-suggestions");
  if (!box) { return; }
  var form = box.closest("form"), chips = box.querySelector(".chips"), timer = null, last = null;
  var fields = ["content", "claimed_identity", "notes"];
  function text() {
    return fields.map(function (n) { var el = form.elements[n]; return el ? el.value : ""; }).join("\n");
  }
  function box_for(tag) { return form.querySelector("input[name=tags][value='" + tag + "']"); }
  function show(list) {
    chips.textContent = "";
    list.forEach(function (s) {
      var input = box_for(s.tag);
      if (!input) { return; }
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-sm " + (input.checked ? "btn-secondary" : "btn-outline-danger");
      b.dataset.tag = s.tag;
      b.textContent = (input.checked ? "✓ " : "+ ") + s.label + " «" + s.phrases.join("», «") + "»";
      b.addEventListener("click", function () { input.checked = true; show(list); });
      chips.appendChild(b);
    });
    box.hidden = list.length === 0;
  }
  function ask() {
    var t = text();
    if (t === last) { return; }
    last = t;
    var body = new FormData();
    body.append("text", t);
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    fetch(box.dataset.url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.json(); }).then(function (d) { show(d.suggestions || []); })
      .catch(function () {});
  }
  form.addEventListener("input", function (e) {
    if (fields.indexOf(e.target.name) < 0) { return; }
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  });
  if (text().trim()) { ask(); }
})();
// Feedback on chosen files (issue 14): after choosing or taking a photo the form lists
// each file with its size, and a small preview of images, instead of "No file chosen".
(function () {
  function size(n) {
    if (n < 1024) { return n + " B"; }
    if (n < 1024 * 1024) { return (n / 1024).toFixed(0) + " KB"; }
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }
  // One chosen (or shared, share.js) file as a list item: a thumbnail for an image, its name
  // and size after `mark`.
  function fileItem(file, mark) {
    var li = document.createElement("li");
    li.className = "chosen-file d-flex align-items-center gap-2 mt-1";
    if (/^image\//.test(file.type) && window.URL && URL.createObjectURL) {
      var img = document.createElement("img");
      img.className = "chosen-thumb";
      img.alt = "";
      img.addEventListener("error", function () { img.remove(); });
      img.src = URL.createObjectURL(file);
      li.appendChild(img);
    }
    var text = document.createElement("span");
    text.className = "break-all";
    text.textContent = mark + file.name + " · " + size(file.size);
    li.appendChild(text);
    return li;
  }
  window.LiuzhengFiles = { item: fileItem };
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "file" || !input.form) { return; }
    var list = input.form.querySelector(".chosen-files");
    if (!list) { return; }
    list.textContent = "";
    input.form.querySelectorAll("input[type=file]").forEach(function (el) {
      Array.prototype.forEach.call(el.files || [], function (file) {
        list.appendChild(fileItem(file, "✓ "));
      });
    });
    list.hidden = !list.children.length;
  });
})();
// Safety (issue 14). Quick exit: leave for a neutral page and replace this page in the
// history, so Back does not return here; the link works without JS too. Three presses of
// Escape do the same. A neutral tab title, chosen per phone (kept in this browser only).
(function () {
  function leave(href) {
    try { sessionStorage.clear(); } catch (e) { /* private mode */ }
    window.location.replace(href);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-quick-exit]");
    if (!link) { return; }
    event.preventDefault();
    leave(link.href);
  });
  var escapes = 0, timer = null;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    escapes += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { escapes = 0; }, 1200);
    var link = document.getElementById("quick-exit");
    if (escapes >= 3 && link) { leave(link.href); }
  });
  var KEY = "liuzheng-neutral-title", neutral = document.body.dataset.neutralTitle;
  function on() { try { return localStorage.getItem(KEY) === "1"; } catch (e) { return false; } }
  function apply() {
    if (on() && neutral) { document.title = neutral; }
    var toggle = document.getElementById("neutral-title-toggle");
    if (toggle) { toggle.textContent = on() ? toggle.dataset.on : toggle.dataset.off; }
  }
  var toggle = document.getElementById("neutral-title-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      try { localStorage.setItem(KEY, on() ? "0" : "1"); } catch (e) { return; }
      if (!on()) { window.location.reload(); return; }
      apply();
    });
  }
  apply();
})();
// Links easy to send (issue 14): copy to the clipboard, or the phone's share sheet where the
// browser has one (the button stays hidden otherwise); a tap on a read-only link selects it.
(function () {
  document.querySelectorAll("[data-share-url]").forEach(function (b) {
    if (navigator.share) { b.hidden = false; }
    b.addEventListener("click", function () {
      navigator.share({ title: b.dataset.shareTitle, url: b.dataset.shareUrl }).catch(function () {});
    });
  });
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    var label = b.textContent;
    b.addEventListener("click", function () {
      var input = document.querySelector(b.dataset.copy);
      if (!input) { return; }
      function done() { b.textContent = b.dataset.copied; setTimeout(function () { b.textContent = label; }, 2000); }
      function fallback() {
        input.select();
        try { if (document.execCommand("copy")) { done(); return; } } catch (e) { /* old browsers */ }
        b.textContent = b.dataset.copyFailed;
      }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, fallback);
      } else { fallback(); }
    });
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-select-all")) { event.target.select(); }
  });
})();
