// Sharing into 留证 (the Web Share Target, issue 14). The service worker keeps what the share
// sheet sent (encrypted, offline-queue.js) and opens /share/?id=…; this script shows it there,
// carries the id to the entry form the user picks (case and kind), and on that form puts the
// shared files into the file input (and shared text into an empty text field). The form's
// normal, CSRF-protected upload sends them; once it is sent the share is dropped.
(function () {
  "use strict";
  var shares = window.LiuzhengQueue && window.LiuzhengQueue.shares;
  var params = new URLSearchParams(window.location.search);
  var landing = document.getElementById("share-landing");
  var form = document.getElementById("entry-form");

  function sharedText(fd) {
    return ["title", "text", "url"].map(function (k) { return (fd.get(k) || "").trim(); })
      .filter(function (v, i, all) { return v && all.indexOf(v) === i; }).join("\n");
  }

  function files(fd) {
    return fd.getAll("files").filter(function (f) { return typeof f !== "string" && (f.size || f.name); });
  }

  function withShare(href, id) {
    var url = new URL(href, window.location.href);
    url.searchParams.set("share", id);
    return url.pathname + url.search;
  }

  function showLanding(id) {
    var empty = function () {
      if (document.getElementById("share-lost")) { return; }
      var p = document.createElement("div");
      p.className = "alert alert-info";
      p.id = "share-empty";
      p.textContent = landing.dataset.empty;
      landing.insertBefore(p, landing.firstChild);
    };
    if (!id || !shares) { empty(); return; }
    shares.get(id).then(function (share) {
      if (!share) { empty(); return; }
      var list = document.getElementById("shared-files");
      files(share.form).forEach(function (file) {
        list.appendChild(window.LiuzhengFiles.item(file, ""));  // app.js, loaded before this script
      });
      var words = sharedText(share.form);
      if (words) {
        var p = document.getElementById("shared-text");
        p.textContent = words;
        p.hidden = false;
      }
      document.getElementById("share-kept").hidden = false;
      document.querySelectorAll("[data-share-link]").forEach(function (a) { a.href = withShare(a.href, id); });
    }).catch(empty);
  }

  function fillForm(id) {
    shares.get(id).then(function (share) {
      if (!share) { return; }
      var input = form.querySelector("input[type=file][multiple]");
      var got = files(share.form);
      if (input && got.length && window.DataTransfer) {
        var dt = new DataTransfer();
        got.forEach(function (f) {
          dt.items.add(new File([f], f.name || "shared", { type: f.type, lastModified: f.lastModified || Date.now() }));
        });
        input.files = dt.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
      var content = form.querySelector("textarea[name=content]");
      var words = sharedText(share.form);
      if (content && words && !content.value.trim()) { content.value = words; }
      // Another kind keeps the share; a sent form drops it (the files travel with the form).
      document.querySelectorAll(".kind-pills a").forEach(function (a) { a.href = withShare(a.href, id); });
      form.dataset.shareId = id;
      form.addEventListener("submit", function () { shares.drop(id).catch(function () {}); });
    }).catch(function () {});
  }

  if (landing) { showLanding(params.get("id")); }
  if (form && shares && params.get("share")) { fillForm(params.get("share")); }
})();
