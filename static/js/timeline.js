// The case page's timeline: the next page loads as the reader scrolls near its end.
// Without this script (or without IntersectionObserver) the "Older entries" link is a
// plain link to the next page. After a few pages loaded by scrolling it waits for a tap,
// so what follows the timeline (the evidence bundle, the trash) stays within reach.
(function () {
  "use strict";
  var box = document.getElementById("timeline");
  if (!box || !window.fetch || !window.URL) return;
  var AUTO_PAGES = 3;
  var auto = 0;
  var busy = false;
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (seen) {
    if (seen.some(function (e) { return e.isIntersecting; }) && auto < AUTO_PAGES) {
      auto += 1;
      load();
    }
  }, {rootMargin: "0px 0px 400px 0px"}) : null;

  function link() { return box.querySelector("a.timeline-more"); }

  function watch() {
    if (!observer) return;
    observer.disconnect();
    var next = link();
    if (next && auto < AUTO_PAGES) observer.observe(next);
  }

  function load() {
    var next = link();
    if (!next || busy) return;
    busy = true;
    var url = new URL(next.href, window.location.href);
    url.searchParams.set("fragment", "1");
    var label = next.textContent;
    next.textContent = next.getAttribute("data-loading-text") || label;
    next.classList.add("disabled");
    fetch(url.toString(), {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html;
        next.closest(".timeline-more-row").replaceWith(holder.content);
        busy = false;
        watch();
      })
      .catch(function () {
        // Offline or the server refused: the link still works as a plain link.
        next.textContent = label;
        next.classList.remove("disabled");
        busy = false;
        if (observer) observer.disconnect();
      });
  }

  box.addEventListener("click", function (event) {
    var next = event.target.closest("a.timeline-more");
    if (!next || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    auto = 0;  // a tap: scrolling loads a few more again
    load();
  });
  watch();
})();
