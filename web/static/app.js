// techconf's only script: live likes, bookmarks and the talk filters. The
// pages work without it; it adds what needs a browser.
"use strict";

(function () {
  var edition = location.pathname.split("/")[1] || "";
  var ja = document.documentElement.lang === "ja";
  function t(en, jaText) { return ja ? jaText : en; }

  // A client id of our own: there is no login, so likes carry this UUID.
  function clientId() {
    var key = "techconf.client";
    var id = localStorage.getItem(key);
    if (!id) {
      if (window.crypto && crypto.randomUUID) {
        id = crypto.randomUUID();
      } else {
        var b = crypto.getRandomValues(new Uint8Array(16));
        b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
        id = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("")
          .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
      }
      localStorage.setItem(key, id);
    }
    return id;
  }

  // ---- Likes -------------------------------------------------------------

  function LikeBox(box) {
    this.box = box;
    this.session = parseInt(box.dataset.session, 10);
    this.endpoint = box.dataset.endpoint;
    this.countEl = box.querySelector(".like-count");
    this.plusEl = box.querySelector(".like-plus");
    this.statusEl = box.querySelector(".like-status");
    this.serverTotal = parseInt(this.countEl.textContent, 10) || 0;
    this.pending = 0;   // taps not sent yet
    this.inflight = 0;  // taps in the request under way
    this.awaiting = 0;  // taps stored, not yet seen in an event
    this.seen = 0;      // likes seen in events while a request was under way
    this.timer = null;
    this.backoff = 1000;
    this.firstEvent = true;
    var self = this;
    box.querySelector(".like-button").addEventListener("click", function () { self.tap(); });
    this.connect();
  }

  // show displays the stored total plus our taps that it does not include
  // yet. Events and answers arrive in either order: likes seen in events
  // while our request was under way are taken to be ours.
  LikeBox.prototype.show = function () {
    var inflight = Math.max(0, this.inflight - this.seen);
    this.countEl.textContent = String(this.serverTotal + this.pending + inflight + this.awaiting);
  };

  LikeBox.prototype.tap = function () {
    this.pending++;
    this.show();
    var plus = this.plusEl;
    plus.textContent = "+1";
    plus.classList.remove("pop");
    void plus.offsetWidth; // restart the animation
    plus.classList.add("pop");
    if (this.pending >= 100) {
      this.flush();
    } else if (!this.timer) {
      var self = this;
      this.timer = setTimeout(function () { self.timer = null; self.flush(); }, 300);
    }
  };

  // flush sends the pending taps as one burst (createLike's count). Each
  // burst carries a key of its own (requestId); when the answer is lost or
  // the server is unavailable, the same burst is sent again with the same
  // key, so the server stores it once whichever replica takes the retry.
  LikeBox.prototype.flush = function (burst) {
    if (!burst) {
      if (this.inflight > 0 || this.pending === 0) { return; }
      var n = Math.min(this.pending, 100);
      this.pending -= n;
      this.inflight = n;
      burst = { n: n, tries: 0, key: Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) };
    }
    var self = this;
    function retryOrReject(err) {
      if (burst.tries < 4) {
        burst.tries++;
        setTimeout(function () { self.flush(burst); }, 500 * Math.pow(2, burst.tries));
        return;
      }
      self.inflight = 0;
      self.seen = 0;
      self.reject(burst.n, err);
      self.show();
    }
    fetch(this.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        query: "mutation($input: CreateLikeInput!) { createLike(input: $input) { count } }",
        variables: { input: { uuid: clientId(), sessionId: this.session, count: burst.n, requestId: burst.key } }
      })
    }).then(function (r) { return r.json(); }).then(function (answer) {
      var err = answer.errors && answer.errors.length ? answer.errors[0] : null;
      if (err && err.extensions && err.extensions.code === "UNAVAILABLE") {
        retryOrReject(err);
        return;
      }
      self.inflight = 0;
      if (err) {
        self.reject(burst.n, err);
      } else {
        self.awaiting += Math.max(0, burst.n - self.seen);
        self.statusEl.textContent = "";
      }
      self.seen = 0;
      self.show();
      self.flush();
    }).catch(function () { retryOrReject(null); });
  };

  LikeBox.prototype.reject = function (n, err) {
    var code = err && err.extensions && err.extensions.code;
    var msg;
    if (code === "RATE_LIMITED") {
      msg = t("Slow down: your last " + n + " likes were not counted.", "いいねが速すぎます。直前の" + n + "件は数えられませんでした。");
    } else if (code === "UNAVAILABLE") {
      msg = t("The server is busy: your last " + n + " likes were not counted. Try again in a moment.", "サーバーが混み合っています。直前の" + n + "件は数えられませんでした。少し待ってからもう一度どうぞ。");
    } else {
      msg = t("Your last " + n + " likes could not be sent.", "直前の" + n + "件のいいねを送れませんでした。") + (err && err.message ? " (" + err.message + ")" : "");
    }
    this.statusEl.textContent = msg;
  };

  // connect subscribes to likeAdded over graphql-transport-ws; after a lost
  // connection it reconnects with backoff and takes the total again.
  LikeBox.prototype.connect = function () {
    var self = this;
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + this.endpoint;
    var ws;
    try {
      ws = new WebSocket(url, "graphql-transport-ws");
    } catch (e) {
      this.retry();
      return;
    }
    ws.onopen = function () { ws.send(JSON.stringify({ type: "connection_init", payload: {} })); };
    ws.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      if (msg.type === "connection_ack") {
        self.backoff = 1000;
        self.firstEvent = true;
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: {
          query: "subscription($s: Int!) { likeAdded(sessionId: $s) { likes total } }", variables: { s: self.session } } }));
      } else if (msg.type === "next" && msg.payload && msg.payload.data) {
        var ev = msg.payload.data.likeAdded;
        self.serverTotal = ev.total;
        // The first event carries the total, which includes everything
        // stored so far; later ones carry increments, ours among them.
        if (self.firstEvent) {
          self.awaiting = 0;
          self.seen = self.inflight; // the total may or may not hold it; the answer will tell
        } else if (self.inflight > 0) {
          self.seen += ev.likes;
        } else {
          self.awaiting = Math.max(0, self.awaiting - ev.likes);
        }
        self.firstEvent = false;
        self.show();
      } else if (msg.type === "ping") {
        ws.send(JSON.stringify({ type: "pong" }));
      } else if (msg.type === "complete") {
        // The server ended the subscription (it is shutting down during a
        // rollout): reconnect, to another server, and take the total again.
        ws.close();
      } else if (msg.type === "error") {
        self.statusEl.textContent = t("Live likes are unavailable.", "ライブ表示を利用できません。");
      }
    };
    ws.onclose = function () { self.retry(); };
  };

  LikeBox.prototype.retry = function () {
    var self = this;
    var wait = this.backoff * (0.5 + Math.random() / 2);
    this.backoff = Math.min(this.backoff * 2, 30000);
    setTimeout(function () { self.connect(); }, wait);
  };

  // ---- Bookmarks ("my schedule"), kept in this browser --------------------

  var bookmarkKey = "techconf.bookmarks." + edition;
  function bookmarks() {
    try { return JSON.parse(localStorage.getItem(bookmarkKey)) || []; } catch (e) { return []; }
  }
  function saveBookmarks(list) { localStorage.setItem(bookmarkKey, JSON.stringify(list)); }

  function renderBookmarks() {
    var list = bookmarks();
    document.querySelectorAll("button.bookmark").forEach(function (b) {
      var on = list.indexOf(parseInt(b.dataset.bookmark, 10)) >= 0;
      b.hidden = false;
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.textContent = on ? t("Bookmarked", "ブックマーク済み") : t("Bookmark", "ブックマーク");
    });
    document.querySelectorAll(".talk[data-session]").forEach(function (c) {
      c.classList.toggle("bookmarked", list.indexOf(parseInt(c.dataset.session, 10)) >= 0);
    });
    var ics = document.getElementById("bookmarks-ics");
    if (ics) {
      ics.href = "/" + edition + "/schedule.ics" + (list.length ? "?ids=" + list.join(",") : "");
      ics.hidden = list.length === 0;
    }
  }

  function setupBookmarks() {
    document.addEventListener("click", function (e) {
      var b = e.target.closest && e.target.closest("button.bookmark");
      if (!b) { return; }
      var id = parseInt(b.dataset.bookmark, 10);
      var list = bookmarks();
      var i = list.indexOf(id);
      if (i >= 0) { list.splice(i, 1); } else { list.push(id); list.sort(function (a, b) { return a - b; }); }
      saveBookmarks(list);
      renderBookmarks();
    });
    var panel = document.querySelector(".my-schedule");
    var only = document.getElementById("only-bookmarked");
    if (panel && only) {
      panel.hidden = false;
      only.checked = localStorage.getItem(bookmarkKey + ".only") === "1";
      var apply = function () {
        document.getElementById("main").classList.toggle("only-bookmarked", only.checked);
        localStorage.setItem(bookmarkKey + ".only", only.checked ? "1" : "0");
      };
      only.addEventListener("change", apply);
      apply();
    }
    renderBookmarks();
  }

  // ---- Talk filters: instant, and the same as the form without script ----

  function setupFilters() {
    var form = document.querySelector("form.filters");
    if (!form) { return; }
    form.querySelector(".apply").hidden = true;
    var apply = function () {
      var room = form.room.value, tag = form.tag.value, lang = form.lang.value;
      var shown = 0;
      document.querySelectorAll("#talks .talk").forEach(function (c) {
        var ok = (!room || c.dataset.room === room) && (!lang || c.dataset.lang === lang) &&
          (!tag || c.dataset.tags.split("|").indexOf(tag) >= 0);
        c.hidden = !ok;
        if (ok) { shown++; }
      });
      document.getElementById("talk-count").textContent = String(shown);
      var q = new URLSearchParams();
      if (room) { q.set("room", room); }
      if (tag) { q.set("tag", tag); }
      if (lang) { q.set("lang", lang); }
      history.replaceState(null, "", location.pathname + (q.toString() ? "?" + q : "") + "#talks");
    };
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  }

  // ---- The live ranking: refreshed in place --------------------------------

  function setupRanking() {
    var live = document.getElementById("ranking-live");
    if (!live) { return; }
    var every = (parseInt(live.dataset.refresh, 10) || 5) * 1000;
    setInterval(function () {
      fetch(location.href, { headers: { Accept: "text/html" } }).then(function (r) { return r.text(); }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("ranking-live");
        if (fresh) { live.innerHTML = fresh.innerHTML; }
      }).catch(function () {});
    }, every);
  }

  function start() {
    document.querySelectorAll("[data-like]").forEach(function (box) { new LikeBox(box); });
    setupBookmarks();
    setupFilters();
    setupRanking();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
