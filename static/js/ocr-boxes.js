// Machine-read lines on the entry page (templates/evidence/_machine_read.html): tap a line and
// its box lights up on the screenshot above the list (tap again to clear); tap a box and its
// line lights up. One line lit at a time per screenshot.
(function () {
  "use strict";
  function light(group, i) {
    group.querySelectorAll(".ocr-box").forEach(function (r) { r.classList.toggle("lit", r.dataset.i === i); });
    group.querySelectorAll(".ocr-line").forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.i === i)); });
  }
  document.querySelectorAll(".ocr-lines").forEach(function (group) {
    group.addEventListener("click", function (ev) {
      var target = ev.target.closest(".ocr-line, .ocr-box");
      if (!target) return;
      var on = target.classList.contains("ocr-line") ? target.getAttribute("aria-pressed") === "true"
        : target.classList.contains("lit");
      light(group, on ? null : target.dataset.i);
      if (!on && target.classList.contains("ocr-line")) {
        var svg = group.querySelector("svg");
        var box = svg && svg.getBoundingClientRect();
        if (box && (box.top < 0 || box.bottom > window.innerHeight)) svg.scrollIntoView({block: "nearest"});
      }
    });
  });
})();
