// The service worker of 留证 (issue 14), served at /sw.js by config/pwa.py, which puts
// self.LIUZHENG = {version, offline (the offline page's URL per language), language (the
// default), share, precache, queue} before this code.
// - Static files and the offline page are kept for offline use; evidence pages are never
//   cached (the browser's cache storage is not encrypted).
// - A page that cannot load shows the offline page.
// - An entry form posted while the server cannot be reached (no network, or the server
//   failing) is kept in the encrypted queue (offline-queue.js) instead of being lost.
// - What the share sheet sends (Web Share Target) is kept encrypted on the phone too.
/* global self, caches, importScripts */
"use strict";
var CONF = self.LIUZHENG;
var CACHE = "liuzheng-" + CONF.version;
importScripts(CONF.queue);

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(CONF.precache); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("liuzheng-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// The language of the offline page: the pages tell the worker theirs (offline-queue.js). It
// is kept in a cache of its own, since a worker's variables die whenever the browser stops it
// and the versioned cache goes with each new worker (which then keeps the last language).
var LANG_CACHE = "lz-settings";
var LANG_KEY = "/__liuzheng/lang";

function knownLanguage(lang) {
  // Own keys only: "__proto__" or "toString" must not pass for a language.
  return typeof lang === "string" && Object.prototype.hasOwnProperty.call(CONF.offline, lang);
}

self.addEventListener("message", function (event) {
  var data = event.data;
  if (data && data.type === "liuzheng-lang" && knownLanguage(data.lang)) {
    event.waitUntil(caches.open(LANG_CACHE).then(function (c) { return c.put(LANG_KEY, new Response(data.lang)); }));
  }
});

function offlineUrl() {
  return caches.match(LANG_KEY, { cacheName: LANG_CACHE }).then(function (hit) { return hit ? hit.text() : ""; })
    .then(function (lang) { return CONF.offline[knownLanguage(lang) ? lang : CONF.language]; });
}

function offlinePage() {
  return offlineUrl().then(function (url) { return caches.match(url); });
}

var ENTRY_FORM = /^\/cases\/[0-9a-f-]{36}\/entries\/new\/$/;

function keepForm(request) {
  var path = new URL(request.url).pathname;
  return request.formData().then(function (fd) {
    return self.LiuzhengQueue.enqueue(fd, { action: path, success: path.replace(/entries\/new\/$/, "") });
  }).then(function () {
    if (self.registration.sync) { self.registration.sync.register("liuzheng-queue").catch(function () {}); }
    return offlineUrl();
  }).then(function (url) {
    return Response.redirect(url + "&kept=1", 303);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === CONF.share) {
    // The Web Share Target: the share sheet posts the files here without a CSRF token.
    // They are kept on the phone (encrypted), never sent on by this POST; the page the
    // worker redirects to (login required) lets the user choose a case and a kind, and the
    // normal entry form, with its CSRF token, uploads them.
    event.respondWith(request.formData().then(function (fd) {
      return self.LiuzhengQueue.shares.keep(fd);
    }).then(function (id) {
      return Response.redirect(CONF.share + "?id=" + encodeURIComponent(id), 303);
    }, function () {
      return Response.redirect(CONF.share + "?lost=1", 303);
    }));
    return;
  }
  if (request.method === "POST") {
    if (request.mode !== "navigate" || !ENTRY_FORM.test(url.pathname)) { return; }
    var copy = request.clone();
    event.respondWith(fetch(request).then(function (response) {
      return response.status >= 500 ? keepForm(copy) : response;
    }, function () { return keepForm(copy); }));
    return;
  }
  if (request.method !== "GET") { return; }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(offlinePage));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) {
          var keep = response.clone();
          caches.open(CACHE).then(function (c) { c.put(request, keep); });
        }
        return response;
      });
    }));
  }
});

// Background Sync: the connection is back; send the queue from here (the pages may be closed).
self.addEventListener("sync", function (event) {
  if (event.tag === "liuzheng-queue") { event.waitUntil(self.LiuzhengQueue.flush()); }
});
