// The offline queue (issue 14): an entry form that cannot reach the server is kept on the
// phone, in IndexedDB, encrypted (AES-GCM) with a WebCrypto key that cannot be exported,
// and sent when the connection is back (the next page load, the `online` event, or the
// service worker's Background Sync), with the form's client token: a replay never makes
// two entries. Used by the pages (base.html) and by the service worker (importScripts).
(function (root) {
  "use strict";
  var DB = "liuzheng-queue", STORE = "items", KEYS = "keys", KEY_ID = "queue-key";

  function req(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }

  function open() {
    var r = root.indexedDB.open(DB, 1);
    r.onupgradeneeded = function () {
      r.result.createObjectStore(STORE, { keyPath: "id" });
      r.result.createObjectStore(KEYS);
    };
    return req(r);
  }

  function tx(db, store, mode) { return db.transaction(store, mode).objectStore(store); }

  // One AES-GCM key per browser profile, made non-extractable: the queue's ciphertext
  // cannot be read outside this origin's own code (the key never leaves WebCrypto).
  function key(db) {
    return req(tx(db, KEYS, "readonly").get(KEY_ID)).then(function (found) {
      if (found) { return found; }
      return root.crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"])
        .then(function (k) { return req(tx(db, KEYS, "readwrite").put(k, KEY_ID)).then(function () { return k; }); });
    });
  }

  function uuid() {
    if (root.crypto.randomUUID) { return root.crypto.randomUUID(); }
    var b = root.crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) { h.push((b[i] + 256).toString(16).slice(1)); }
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") + "-" +
      h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  // FormData -> one buffer: [4-byte length][JSON of the fields and file names][file bytes…]
  function pack(fd, meta) {
    var fields = [], files = [], blobs = [], offset = 0, jobs = [];
    fd.forEach(function (value, name) {
      if (typeof value === "string") { fields.push([name, value]); return; }
      if (!value.size && !value.name) { return; } // an empty file input
      files.push({ field: name, name: value.name, type: value.type, offset: offset, length: value.size });
      offset += value.size;
      blobs.push(value);
    });
    blobs.forEach(function (b) { jobs.push(new Response(b).arrayBuffer()); });
    return Promise.all(jobs).then(function (buffers) {
      var head = new TextEncoder().encode(JSON.stringify({ meta: meta, fields: fields, files: files }));
      var out = new Uint8Array(4 + head.length + offset), pos = 4 + head.length;
      new DataView(out.buffer).setUint32(0, head.length);
      out.set(head, 4);
      buffers.forEach(function (buf) { out.set(new Uint8Array(buf), pos); pos += buf.byteLength; });
      return out;
    });
  }

  function unpack(bytes) {
    var n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
    var head = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n)));
    var body = bytes.subarray(4 + n), fd = new FormData();
    head.fields.forEach(function (f) { fd.append(f[0], f[1]); });
    head.files.forEach(function (f) {
      var blob = new Blob([body.subarray(f.offset, f.offset + f.length)], { type: f.type });
      fd.append(f.field, blob, f.name);
    });
    return { meta: head.meta, form: fd };
  }

  // Keep a form: `meta` says where it goes (action) and what a success looks like.
  function enqueue(fd, meta) {
    if (!fd.get("captured_offline_at")) { fd.set("captured_offline_at", new Date().toISOString()); }
    meta.captured = fd.get("captured_offline_at");
    return open().then(function (db) {
      return Promise.all([key(db), pack(fd, meta)]).then(function (kb) {
        var iv = root.crypto.getRandomValues(new Uint8Array(12));
        return root.crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, kb[0], kb[1]).then(function (ct) {
          return req(tx(db, STORE, "readwrite").put({ id: uuid(), at: Date.now(), iv: iv, data: ct }));
        });
      });
    }).then(function () { notify(); });
  }

  function count() {
    return open().then(function (db) { return req(tx(db, STORE, "readonly").count()); });
  }

  var flushing = null;

  // Send what is kept, oldest first; an item leaves the queue only once the server saved it
  // (or had it already: the client token). A refusal (the form has an error, the session
  // ended) keeps it, for the next try: nothing is dropped here.
  function flush() {
    if (flushing) { return flushing; }
    flushing = open().then(function (db) {
      return Promise.all([key(db), req(tx(db, STORE, "readonly").getAll())]).then(function (r) {
        var k = r[0], items = r[1].sort(function (a, b) { return a.at - b.at; }), sent = 0;
        return items.reduce(function (chain, item) {
          return chain.then(function () {
            return root.crypto.subtle.decrypt({ name: "AES-GCM", iv: item.iv }, k, item.data).then(function (pt) {
              var job = unpack(new Uint8Array(pt));
              var token = csrf();
              if (token) { job.form.set("csrfmiddlewaretoken", token); }
              return root.fetch(job.meta.action, { method: "POST", body: job.form, credentials: "same-origin",
                                                   headers: { "X-Liuzheng-Queue": "1" } })
                .then(function (resp) {
                  var path = new URL(resp.url).pathname;
                  if (resp.ok && resp.redirected && path === job.meta.success) {
                    sent += 1;
                    return req(tx(db, STORE, "readwrite").delete(item.id));
                  }
                });
            });
          }).catch(function () { /* still offline, or refused: kept for the next try */ });
        }, Promise.resolve()).then(function () { return sent; });
      });
    }).then(function (sent) { flushing = null; notify(); return sent; },
            function (err) { flushing = null; throw err; });
    return flushing;
  }

  function csrf() {
    if (!root.document) { return ""; }
    var input = root.document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(root.document.cookie || "");
    return m ? decodeURIComponent(m[1]) : "";
  }

  // Pages show "待上传 N 条"; the worker tells the pages when it queued or sent something.
  function notify() {
    if (root.document) { show(); return; }
    if (root.clients) {
      root.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
        list.forEach(function (c) { c.postMessage({ type: "liuzheng-queue-changed" }); });
      });
    }
  }

  function show() {
    var box = root.document.getElementById("offline-queue");
    if (!box) { return; }
    count().then(function (n) {
      box.hidden = n === 0;
      box.querySelector(".queue-text").textContent = (box.dataset.label || "%s").replace("%s", n);
      box.dataset.count = n;
    }).catch(function () {});
  }

  // Shares (the Web Share Target): what another app shared into 留证 is kept the same way,
  // encrypted under the same key, in its own database, until a form takes it.
  var SHARES = "liuzheng-shares";

  function openShares() {
    var r = root.indexedDB.open(SHARES, 1);
    r.onupgradeneeded = function () { r.result.createObjectStore(STORE, { keyPath: "id" }); };
    return req(r);
  }

  function shareKeep(fd) {
    var id = uuid();
    return open().then(function (db) {
      return Promise.all([key(db), pack(fd, { shared: new Date().toISOString() })]);
    }).then(function (kb) {
      var iv = root.crypto.getRandomValues(new Uint8Array(12));
      return root.crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, kb[0], kb[1]).then(function (ct) {
        return openShares().then(function (db) {
          return req(tx(db, STORE, "readwrite").put({ id: id, at: Date.now(), iv: iv, data: ct }));
        });
      });
    }).then(function () { return id; });
  }

  // The share `id`, decrypted: {id, meta, form}; or null when it is not (or no longer) here.
  function shareGet(id) {
    return openShares().then(function (db) { return req(tx(db, STORE, "readonly").get(id)); }).then(function (item) {
      if (!item) { return null; }
      return open().then(key).then(function (k) {
        return root.crypto.subtle.decrypt({ name: "AES-GCM", iv: item.iv }, k, item.data);
      }).then(function (pt) {
        var job = unpack(new Uint8Array(pt));
        return { id: id, meta: job.meta, form: job.form };
      });
    });
  }

  function shareDrop(id) {
    return openShares().then(function (db) { return req(tx(db, STORE, "readwrite").delete(id)); });
  }

  root.LiuzhengQueue = { enqueue: enqueue, flush: flush, count: count, show: show,
                         shares: { keep: shareKeep, get: shareGet, drop: shareDrop } };

  if (!root.document) { return; } // in the service worker: the rest is the page's

  function tryFlush() {
    if (root.navigator.onLine === false) { show(); return; }
    count().then(function (n) { if (n) { return flush(); } show(); }).catch(function () {});
  }

  // An entry form submitted without a connection: kept here, not lost to an error page.
  root.document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-offline-queue") || root.navigator.onLine !== false) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    var fd = new FormData(form);
    enqueue(fd, { action: form.action || root.location.pathname, success: form.dataset.successPath })
      .then(function () {
        var done = root.document.getElementById("queued-notice");
        form.reset();
        form.hidden = true;
        if (done) { done.hidden = false; done.focus(); }
        registerSync();
      })
      .catch(function () { root.alert(form.dataset.queueFailed || "Not kept"); });
  }, true);

  function registerSync() {
    if (!root.navigator.serviceWorker) { return; }
    root.navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) { return reg.sync.register("liuzheng-queue"); }
    }).catch(function () {});
  }

  root.addEventListener("online", tryFlush);
  if (root.navigator.serviceWorker) {
    root.navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.type === "liuzheng-queue-changed") { show(); }
      if (e.data && e.data.type === "liuzheng-queue-flush") { tryFlush(); }
    });
    // One URL for every language (see config/pwa.py); the worker is told this page's
    // language instead, for the offline page it shows.
    root.navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    var lang = (root.document.documentElement.lang || "").toLowerCase();
    var tellLanguage = function () {
      root.navigator.serviceWorker.ready.then(function (reg) {
        if (reg.active && lang) { reg.active.postMessage({ type: "liuzheng-lang", lang: lang }); }
      }).catch(function () {});
    };
    tellLanguage();
    // A new worker (a new version) takes over this page: tell it too, since the one told at
    // load may have been the old worker.
    root.navigator.serviceWorker.addEventListener("controllerchange", tellLanguage);
  }
  if (root.document.readyState === "loading") {
    root.document.addEventListener("DOMContentLoaded", tryFlush);
  } else {
    tryFlush();
  }
})(typeof window !== "undefined" ? window : self);
