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
document.querySelectorAll(".bundle-row").forEach(function (row) {
  if (row.dataset.status !== "queued" && row.dataset.status !== "running") { return; }
  var bar = row.querySelector(".progress-bar");
  var timer = setInterval(function () {
    fetch(row.dataset.statusUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
      if (bar) { bar.style.width = s.progress + "%"; bar.parentNode.setAttribute("aria-valuenow", s.progress); }
      if (s.status === "done" || s.status === "failed") { clearInterval(timer); window.location.reload(); }
    }).catch(function () { clearInterval(timer); });
  }, 2000);
});
// Refuse a file larger than the server limit before uploading it for minutes.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (input.type !== "file" || !input.dataset.maxBytes) { return; }
  var max = parseInt(input.dataset.maxBytes, 10), msg = input.dataset.tooLarge || "";
  for (var i = 0; i < input.files.length; i++) {
    if (input.files[i].size > max) { alert(msg.replace("%s", input.files[i].name)); input.value = ""; return; }
  }
});
