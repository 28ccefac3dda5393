// A redacted copy's boxes, adjusted with a finger (templates/evidence/attachment_redact.html).
// Each box is a checkbox of the form (value "x0,y0,x1,y1" in the pixels of the picture as it is
// shown: a photo stored turned is upright, by its EXIF orientation, as the browser draws it) and a <rect>
// over the image. Tap a box: its checkbox toggles (a dropped box shows as a dashed outline).
// Drag on the image: a new box and a new checked checkbox. Taps hit within 22 CSS px of a
// box, so every target is at least 44 px. Without this file the checkboxes alone work.
(function () {
  "use strict";
  var svg = document.querySelector("svg.redact-canvas");
  var list = document.querySelector(".redact-list");
  if (!svg || !list) return;
  var NS = "http://www.w3.org/2000/svg";
  var W = +svg.dataset.width, H = +svg.dataset.height;
  var DRAG_MIN = 10, HIT = 22; // CSS px
  var next = list.querySelectorAll("input[name=box]").length;

  function inputOf(i) { return list.querySelector('input[data-i="' + i + '"]'); }
  function rectOf(i) { return svg.querySelector('rect.redact-box[data-i="' + i + '"]'); }
  function sync(i) {
    var input = inputOf(i), rect = rectOf(i);
    if (input && rect) rect.classList.toggle("off", !input.checked);
  }
  function perPx() { var m = svg.getScreenCTM(); return m && m.a ? 1 / m.a : 1; } // image px per CSS px
  function point(ev) {
    var p = svg.createSVGPoint();
    p.x = ev.clientX; p.y = ev.clientY;
    p = p.matrixTransform(svg.getScreenCTM().inverse());
    return {x: Math.max(0, Math.min(W, p.x)), y: Math.max(0, Math.min(H, p.y))};
  }
  function setRect(rect, a, b) {
    rect.setAttribute("x", Math.min(a.x, b.x)); rect.setAttribute("y", Math.min(a.y, b.y));
    rect.setAttribute("width", Math.abs(a.x - b.x)); rect.setAttribute("height", Math.abs(a.y - b.y));
  }

  list.addEventListener("change", function (ev) {
    if (ev.target.dataset && ev.target.dataset.i !== undefined) sync(ev.target.dataset.i);
  });

  function addBox(a, b) {
    var x0 = Math.round(Math.min(a.x, b.x)), y0 = Math.round(Math.min(a.y, b.y));
    var x1 = Math.round(Math.max(a.x, b.x)), y1 = Math.round(Math.max(a.y, b.y));
    var i = String(next++);
    var rect = document.createElementNS(NS, "rect");
    rect.setAttribute("class", "redact-box"); rect.dataset.i = i;
    setRect(rect, {x: x0, y: y0}, {x: x1, y: y1});
    svg.appendChild(rect);
    var label = document.createElement("label");
    label.className = "form-check redact-choice";
    var input = document.createElement("input");
    input.type = "checkbox"; input.name = "box"; input.className = "form-check-input";
    input.value = [x0, y0, x1, y1].join(","); input.dataset.i = i; input.checked = true;
    var span = document.createElement("span");
    span.textContent = " " + (list.dataset.drawnLabel || "") + " (" + input.value + ")";
    label.appendChild(input); label.appendChild(span);
    list.appendChild(label);
  }

  function tap(p) {
    var slack = HIT * perPx(), best = null, bestDist = Infinity;
    svg.querySelectorAll("rect.redact-box").forEach(function (rect) {
      var x = +rect.getAttribute("x"), y = +rect.getAttribute("y");
      var w = +rect.getAttribute("width"), h = +rect.getAttribute("height");
      if (p.x < x - slack || p.x > x + w + slack || p.y < y - slack || p.y > y + h + slack) return;
      var d = Math.hypot(p.x - (x + w / 2), p.y - (y + h / 2));
      if (d < bestDist) { best = rect; bestDist = d; }
    });
    if (!best) return;
    var input = inputOf(best.dataset.i);
    if (input) { input.checked = !input.checked; sync(best.dataset.i); }
  }

  var start = null, startClient = null, ghost = null;
  svg.addEventListener("pointerdown", function (ev) {
    if (ev.button > 0) return;
    start = point(ev); startClient = {x: ev.clientX, y: ev.clientY};
    try { svg.setPointerCapture(ev.pointerId); } catch (e) { /* an old browser: moves still arrive */ }
    ev.preventDefault();
  });
  svg.addEventListener("pointermove", function (ev) {
    if (!start) return;
    if (!ghost && Math.hypot(ev.clientX - startClient.x, ev.clientY - startClient.y) < DRAG_MIN) return;
    if (!ghost) {
      ghost = document.createElementNS(NS, "rect");
      ghost.setAttribute("class", "redact-ghost");
      svg.appendChild(ghost);
    }
    setRect(ghost, start, point(ev));
  });
  function end(ev) {
    if (!start) return;
    var p = point(ev);
    if (ghost) {
      ghost.remove(); ghost = null;
      if (Math.abs(p.x - start.x) >= 2 && Math.abs(p.y - start.y) >= 2) addBox(start, p);
    } else if (ev.type === "pointerup") {
      tap(p);
    }
    start = null;
  }
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
})();
