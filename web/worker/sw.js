// techconf's service worker: after one visit the conference's pages work
// offline. Pages come from the network when it answers and from the cache
// when it does not; static files (whose names carry their hash) come from
// the cache. The server fills in PRECACHE and VERSION.
"use strict";

var VERSION = "{{VERSION}}";
var PRECACHE = {{PRECACHE}};
var STATIC = "techconf-static-" + VERSION;
var PAGES = "techconf-pages";

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(STATIC).then(function (c) { return c.addAll(PRECACHE); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("techconf-static-") === 0 && k !== STATIC; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// The page sends the links it shows (sessions and speakers; the avatars
// are drawn in the pages): they are fetched now, so that they open
// offline later.
self.addEventListener("message", function (e) {
  var urls = (e.data && e.data.cache) || [];
  if (!Array.isArray(urls)) { return; }
  urls = urls.filter(function (u) { return typeof u === "string" && u.charAt(0) === "/" && u.charAt(1) !== "/"; }).slice(0, 2000);
  e.waitUntil(caches.open(PAGES).then(function (c) {
    return Promise.all(urls.map(function (u) {
      return fetch(u, { credentials: "same-origin" }).then(function (r) { if (r.ok) { return c.put(u, r); } }).catch(function () {});
    }));
  }).then(function () {
    if (e.source) { e.source.postMessage({ cached: urls.length }); }
  }));
});

self.addEventListener("fetch", function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin || url.pathname.indexOf("/api/") >= 0) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    e.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
    return;
  }
  // Network first, so that pages are fresh; the cache when offline. A page
  // is cached by its path, so that /2018/?hl=ja also opens offline as the
  // page last seen.
  var key = url.pathname;
  e.respondWith(fetch(req).then(function (r) {
    if (r.ok && r.type === "basic") {
      var copy = r.clone();
      caches.open(PAGES).then(function (c) { c.put(key, copy); });
    }
    return r;
  }).catch(function () {
    return caches.open(PAGES).then(function (c) { return c.match(key); }).then(function (hit) {
      return hit || caches.match(req) || Response.error();
    });
  }));
});
