// Call-recording file names (issue 15): a phone's call recorder names its file after the
// other party and the start of the call, e.g. Xiaomi "张三(13800138000)_20240105143000.mp3".
// When such a file is chosen, the number and the time are filled in — only where the user has
// not (an empty number; a time still the one the page opened with) — and a note says they came
// from the file name and must be checked. Nothing is invented: a name without a time fills no
// time. The patterns are evidence/lib/recording_names.py's, served in data-recording-names
// (one source of truth); this applies them the same way. The time is the phone's local time:
// it is written into the form as it is, and the form reads it in the user's time zone.
(function () {
  "use strict";
  var form = document.querySelector("form[data-recording-names]");
  if (!form) { return; }
  var spec;
  try { spec = JSON.parse(form.getAttribute("data-recording-names")); } catch (e) { return; }
  var patterns = spec.patterns.map(function (p) { return { id: p.id, re: new RegExp(p.regex), roles: p.roles }; });
  var note = document.getElementById("recording-name-note");
  var number = form.querySelector("#id_number"), when = form.querySelector("#id_occurred_at");
  var whenAtLoad = when ? when.value : "";
  var touched = {};
  [number, when].forEach(function (el) {
    if (el) {
      el.addEventListener("input", function (e) { if (e.isTrusted) { touched[el.id] = true; } });
      el.addEventListener("change", function (e) { if (e.isTrusted) { touched[el.id] = true; } });
    }
  });

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function time(parts) {
    var keys = ["y", "m", "d", "H", "M", "S"];
    for (var i = 0; i < keys.length; i++) { if (!parts[keys[i]]) { return null; } }
    var y = parseInt(parts.y, 10) + (parts.y.length === 2 ? 2000 : 0);
    var mo = parseInt(parts.m, 10), d = parseInt(parts.d, 10);
    var H = parseInt(parts.H, 10), M = parseInt(parts.M, 10), S = parseInt(parts.S, 10);
    // The same checks as Python's datetime(): a real calendar day, a real time of day.
    var check = new Date(Date.UTC(y, mo - 1, d));
    if (mo < 1 || mo > 12 || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || y < 1 ||
        H > 23 || M > 59 || S > 59) { return null; }
    return y + "-" + pad(mo) + "-" + pad(d) + "T" + pad(H) + ":" + pad(M) + ":" + pad(S);
  }

  // The twin of recording_names.parse(): {number, name, time} or null.
  function parse(fileName) {
    var base = String(fileName || "").replace(/\\/g, "/").split("/").pop().trim();
    var dot = base.lastIndexOf(".");
    if (dot < 0 || spec.extensions.indexOf(base.slice(dot + 1).toLowerCase()) < 0) { return null; }
    var stem = base.slice(0, dot);
    for (var i = 0; i < patterns.length; i++) {
      var m = patterns[i].re.exec(stem);
      if (!m) { continue; }
      var parts = {};
      patterns[i].roles.forEach(function (role, j) { parts[role] = m[j + 1] || ""; });
      if ("who" in parts) {
        var who = parts.who.trim();
        delete parts.who;
        parts[/^\+?[0-9][0-9 -]{1,22}[0-9]$/.test(who) ? "number" : "name"] = who;
      }
      var found = { pattern: patterns[i].id, number: (parts.number || "").replace(/[ -]/g, ""),
                    name: (parts.name || "").trim(), time: time(parts) };
      if (!found.number && !found.time) { continue; }
      return found;
    }
    return null;
  }

  // A value an earlier file name filled in, not changed since: a later file may replace it.
  function ours(el) { return el.getAttribute("data-from-file-name") === "1" && !touched[el.id]; }

  function fill(value, el, mayFill) {
    if (!el || !value) { return ""; }
    if (mayFill) {
      el.value = value;
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.setAttribute("data-from-file-name", "1");
      return "filled";
    }
    return el.value === value ? "same" : "kept";
  }

  function say(fileName, found, results) {
    if (!note) { return; }
    var text = note.getAttribute("data-intro").replace("%(name)s", fileName);
    var bits = [];
    if (found.number && number) { bits.push(note.getAttribute("data-number").replace("%(number)s", found.number)); }
    if (found.time && when) {
      bits.push(note.getAttribute("data-time").replace("%(time)s", found.time.replace("T", " "))
        .replace("%(zone)s", note.getAttribute("data-zone")));
    }
    text += " " + bits.join(note.getAttribute("data-and")) + ".";
    text += " " + note.getAttribute(results.indexOf("filled") >= 0 ? "data-check" : "data-kept");
    if (results.indexOf("kept") >= 0 && results.indexOf("filled") >= 0) { text += " " + note.getAttribute("data-kept"); }
    note.textContent = text;
    note.hidden = false;
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "file") { return; }
    var files = input.files || [];
    for (var i = 0; i < files.length; i++) {
      var found = parse(files[i].name);
      if (!found) { continue; }
      var results = [
        fill(found.number, number, number && (!number.value.trim() || ours(number))),
        fill(found.time, when, when && (!when.value || ours(when) || (when.value === whenAtLoad && !touched[when.id])))
      ];
      say(files[i].name, found, results);
      return;  // the first recording that names its call
    }
  });
  window.liuzhengRecordingName = parse;  // for the browser test's check of the twin
})();
