// Recording in the page (issue 14): MediaRecorder with a timer and a level meter. The
// recording becomes a file in the entry form's file input, so it travels the normal way
// (encrypted on arrival, hashed, kept byte-identical; kept offline by the queue too), and its
// start — the phone's clock when recording began — goes in the hidden `recordings` field;
// the server records it as the file's capture time. Formats: Opus in WebM where the browser
// makes it (Chrome, Android), else AAC in MP4 (Safari), else what the browser offers.
// Where recording is not possible the box stays hidden; "Record audio" (the phone's own
// recorder app, a plain file input) is always there.
(function () {
  "use strict";
  var box = document.getElementById("recorder");
  if (!box) { return; }
  var form = box.closest("form");
  var media = navigator.mediaDevices;
  if (!form || !media || !media.getUserMedia || !window.MediaRecorder || !window.DataTransfer) { return; }
  box.hidden = false;

  var startBtn = document.getElementById("record-start"), stopBtn = document.getElementById("record-stop");
  var clock = document.getElementById("record-time"), level = document.getElementById("record-level");
  var note = document.getElementById("record-note");
  var TYPES = [["audio/webm;codecs=opus", "weba"], ["audio/mp4", "m4a"], ["audio/ogg;codecs=opus", "ogg"],
               ["audio/webm", "weba"]];
  var recorder = null, stream = null, audio = null, started = null, timer = null, frame = null;

  function pick() {
    for (var i = 0; i < TYPES.length; i++) {
      if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(TYPES[i][0])) { return TYPES[i]; }
    }
    return ["", "weba"];
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function stamp(d) {
    return d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate()) + "-" + pad(d.getHours()) +
      pad(d.getMinutes()) + pad(d.getSeconds());
  }
  function say(text) { note.textContent = text; note.hidden = !text; }

  function meter(source) {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return; }
    audio = new Ctx();
    var analyser = audio.createAnalyser();
    analyser.fftSize = 512;
    audio.createMediaStreamSource(source).connect(analyser);
    var data = new Uint8Array(analyser.fftSize);
    (function draw() {
      analyser.getByteTimeDomainData(data);
      var sum = 0;
      for (var i = 0; i < data.length; i++) { var v = (data[i] - 128) / 128; sum += v * v; }
      level.value = Math.min(1, Math.sqrt(sum / data.length) * 3);
      frame = window.requestAnimationFrame(draw);
    })();
  }

  function tick() {
    var s = Math.floor((Date.now() - started.getTime()) / 1000);
    clock.textContent = Math.floor(s / 60) + ":" + pad(s % 60);
  }

  function cleanUp() {
    if (timer) { window.clearInterval(timer); timer = null; }
    if (frame) { window.cancelAnimationFrame(frame); frame = null; }
    if (audio) { audio.close().catch(function () {}); audio = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    level.value = 0;
    startBtn.hidden = false;
    stopBtn.hidden = true;
  }

  function attach(file, begun) {
    var input = form.querySelector("input[type=file][multiple]");
    var dt = new DataTransfer();
    Array.prototype.forEach.call(input.files || [], function (f) { dt.items.add(f); });
    dt.items.add(file);
    input.files = dt.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    var field = form.querySelector("input[name=recordings]");
    var list = [];
    try { list = JSON.parse(field.value || "[]"); } catch (e) { list = []; }
    list.push({ name: file.name, size: file.size, started: begun.toISOString() });
    field.value = JSON.stringify(list);
  }

  startBtn.addEventListener("click", function () {
    say("");
    media.getUserMedia({ audio: true }).then(function (s) {
      stream = s;
      var type = pick(), chunks = [];
      recorder = type[0] ? new MediaRecorder(s, { mimeType: type[0] }) : new MediaRecorder(s);
      recorder.addEventListener("dataavailable", function (e) { if (e.data && e.data.size) { chunks.push(e.data); } });
      recorder.addEventListener("start", function () {
        started = new Date();
        clock.textContent = "0:00";
        timer = window.setInterval(tick, 250);
        startBtn.hidden = true;
        stopBtn.hidden = false;
        stopBtn.focus();
      });
      recorder.addEventListener("stop", function () {
        var begun = started, seconds = Math.round((Date.now() - begun.getTime()) / 1000);
        cleanUp();
        var mime = (recorder.mimeType || type[0] || "audio/webm").split(";")[0];
        var ext = /mp4|aac/.test(mime) ? "m4a" : /ogg/.test(mime) ? "ogg" : "weba";
        var name = (box.dataset.name || "recording") + "-" + stamp(begun) + "." + ext;
        var file = new File(chunks, name, { type: mime, lastModified: begun.getTime() });
        attach(file, begun);
        say((box.dataset.attached || "{name}").replace("{name}", name).replace("{seconds}", seconds)
          .replace("{time}", begun.toLocaleString()));
      });
      recorder.addEventListener("error", function () { cleanUp(); say(box.dataset.failed); });
      meter(s);
      recorder.start(1000);
    }).catch(function (err) {
      cleanUp();
      say(err && (err.name === "NotAllowedError" || err.name === "SecurityError") ? box.dataset.denied : box.dataset.failed);
    });
  });

  stopBtn.addEventListener("click", function () {
    if (recorder && recorder.state !== "inactive") { recorder.stop(); }
  });
})();
