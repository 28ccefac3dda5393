// One tap, one entry: disable submit buttons once a form is sent (the server
// also ignores a repeated form token, for retries the browser makes itself).
document.addEventListener("submit", function (event) {
  var form = event.target;
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
