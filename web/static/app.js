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
    // Taps made offline wait in this browser until the network is back,
    // across reloads (restore).
    this.queueKey = "techconf.queue." + edition + "." + this.session;
    this.restored = false;
    this.retryTimer = null;
    var self = this;
    box.querySelector(".like-button").addEventListener("click", function () { self.tap(); });
    window.addEventListener("online", function () {
      var b = self.unanswered;
      self.unanswered = null;
      clearTimeout(self.unansweredTimer);
      self.flush(b || undefined);
    });
  }

  // resume sends the taps queued by an earlier visit. It and connect run
  // in tasks after the one that set the button up, each in its own: the
  // first use of localStorage and the WebSocket's set-up wait on the
  // browser process, and made that task one of the longest of the load.
  LikeBox.prototype.resume = function () {
    this.restore();
    if (this.pending > 0) { this.show(); this.waiting(); this.flush(); }
  };

  // restore adds the taps queued by an earlier visit, once; a tap before
  // resume ran restores them first, so that none is lost.
  LikeBox.prototype.restore = function () {
    if (this.restored) { return; }
    this.restored = true;
    this.pending += parseInt(localStorage.getItem(this.queueKey), 10) || 0;
  };

  // save keeps the taps not sent yet in this browser.
  LikeBox.prototype.save = function () {
    if (this.pending > 0) {
      localStorage.setItem(this.queueKey, String(this.pending));
    } else {
      localStorage.removeItem(this.queueKey);
    }
  };

  // waiting says that taps wait for the network, and tries again soon.
  LikeBox.prototype.waiting = function () {
    this.statusEl.textContent = t("Offline: " + this.pending + (this.pending === 1 ? " like" : " likes") + " waiting to be sent.",
      "オフラインです。" + this.pending + "件のいいねが送信待ちです。");
    var self = this;
    if (!this.retryTimer) {
      this.retryTimer = setTimeout(function () { self.retryTimer = null; self.flush(); }, 3000);
    }
  };

  // show displays the stored total plus our taps that it does not include
  // yet. Events and answers arrive in either order: likes seen in events
  // while our request was under way are taken to be ours.
  LikeBox.prototype.show = function () {
    var inflight = Math.max(0, this.inflight - this.seen);
    this.countEl.textContent = String(this.serverTotal + this.pending + inflight + this.awaiting);
  };

  LikeBox.prototype.tap = function () {
    this.restore();
    this.pending++;
    this.save();
    this.show();
    if (!navigator.onLine) { this.waiting(); return; }
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
  // Taps made offline wait in the queue until the network is back.
  LikeBox.prototype.flush = function (burst) {
    this.restore();
    if (!burst) {
      if (this.inflight > 0 || this.pending === 0) { return; }
      if (!navigator.onLine) { this.waiting(); return; }
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
      self.save();
      self.show();
      self.flush();
    }).catch(function () {
      // No answer (offline, or the server unreachable): the burst may or
      // may not be stored, so it goes again with the same key when the
      // network is back, however long that takes.
      burst.waits = Math.min((burst.waits || 0) + 1, 5);
      self.statusEl.textContent = t("Offline: " + (self.pending + burst.n) + " likes waiting to be sent.",
        "オフラインです。" + (self.pending + burst.n) + "件のいいねが送信待ちです。");
      self.unanswered = burst;
      self.unansweredTimer = setTimeout(function () { self.unanswered = null; self.flush(burst); }, 1000 * Math.pow(2, burst.waits));
    });
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

  // renderBookmarks changes only what differs from the page: at load,
  // with nothing bookmarked, that is showing the buttons. Every change to
  // the page is style work for the browser, in the task that makes it.
  function renderBookmarks() {
    var list = bookmarks();
    document.querySelectorAll("button.bookmark").forEach(function (b) {
      var on = list.indexOf(parseInt(b.dataset.bookmark, 10)) >= 0;
      if (b.hidden) { b.hidden = false; }
      if (b.getAttribute("aria-pressed") !== (on ? "true" : "false")) {
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.textContent = on ? t("Bookmarked", "ブックマーク済み") : t("Bookmark", "ブックマーク");
      }
    });
    document.querySelectorAll(".talk[data-session]").forEach(function (c) {
      c.classList.toggle("bookmarked", list.indexOf(parseInt(c.dataset.session, 10)) >= 0);
    });
    var ics = document.getElementById("bookmarks-ics");
    if (ics) {
      ics.href = "/" + edition + "/schedule.ics" + (list.length ? "?ids=" + list.join(",") : "");
      ics.hidden = list.length === 0;
    }
    var webcal = document.getElementById("bookmarks-webcal");
    if (webcal) {
      webcal.href = webcal.dataset.base + (list.length ? "?ids=" + list.join(",") : "");
      webcal.hidden = list.length === 0;
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
  // The filter's state is in the URL under its own names (room, tag,
  // talklang, type); the site's language (hl) is left as it is.

  var filterNames = ["room", "tag", "talklang", "type"];

  function setupFilters() {
    var form = document.querySelector("form.filters");
    if (!form) { return; }
    var apply = function () {
      var f = {};
      filterNames.forEach(function (n) { f[n] = form.elements[n].value; });
      var shown = 0;
      document.querySelectorAll("#timetable .filterable").forEach(function (c) {
        var ok = (!f.room || c.dataset.room === f.room) && (!f.talklang || c.dataset.lang === f.talklang) &&
          (!f.type || c.dataset.type === f.type) && (!f.tag || c.dataset.tags.split("|").indexOf(f.tag) >= 0);
        c.hidden = !ok;
        if (ok) { shown++; }
      });
      document.getElementById("talk-count").textContent = String(shown);
      var q = new URLSearchParams(location.search);
      filterNames.forEach(function (n) { if (f[n]) { q.set(n, f[n]); } else { q.delete(n); } });
      history.replaceState(null, "", location.pathname + (q.toString() ? "?" + q : "") + location.hash);
      // The language links keep the filter, as the server writes them.
      document.querySelectorAll(".lang-switch a, link[rel=alternate][hreflang]").forEach(function (a) {
        var u = new URL(a.href, location.href);
        filterNames.forEach(function (n) { if (f[n]) { u.searchParams.set(n, f[n]); } else { u.searchParams.delete(n); } });
        a.href = a.tagName === "LINK" ? u.href : u.pathname + u.search;
      });
    };
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  }

  // ---- Time zones: the event's, or the viewer's own, remembered -----------

  var zoneKey = "techconf.zone";

  // Intl is touched only when the viewer asks for their zone (or chose it
  // before): its first use loads ICU's zone data, which costs a slow phone
  // a third of a second. Whether there is anything to switch is told by
  // Date's own offset against the event's, which the server writes.
  function setupZones() {
    var btn = document.getElementById("zone-toggle");
    if (!btn || !window.Intl) { return; }
    var sample = document.querySelector("time[datetime][data-f]");
    if (!sample) { return; }
    var at = new Date(sample.getAttribute("datetime"));
    var mineOffset = -at.getTimezoneOffset();
    if (parseInt(btn.dataset.eventOffset, 10) === mineOffset) { return; } // nothing to switch
    var locale = ja ? "ja-JP" : "en-GB";
    var els = document.querySelectorAll("[data-f]");
    var mine = null;
    var label = "UTC" + (mineOffset ? (mineOffset > 0 ? "+" : "\u2212") + Math.floor(Math.abs(mineOffset) / 60) +
      (Math.abs(mineOffset) % 60 ? ":" + String(Math.abs(mineOffset) % 60).padStart(2, "0") : "") : "");
    // One label; aria-pressed tells whether the times are the viewer's.
    btn.textContent = t("My time zone (" + label + ")", "自分の時刻（" + label + "）");
    var render = function (useMine) {
      btn.setAttribute("aria-pressed", useMine ? "true" : "false");
      if (!useMine) {
        if (mine) { els.forEach(function (el) { el.textContent = el.dataset.orig; }); }
        return;
      }
      // The event's times are kept at the first switch; until then the
      // page is left as the server wrote it, untouched at load.
      if (!mine) { els.forEach(function (el) { el.dataset.orig = el.textContent; }); }
      mine = mine || Intl.DateTimeFormat().resolvedOptions().timeZone;
      els.forEach(function (el) {
        var d = new Date(el.getAttribute("datetime") || el.dataset.t);
        var f = el.dataset.f;
        if (f === "clock") {
          el.textContent = new Intl.DateTimeFormat(locale, { timeZone: mine, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
        } else if (f === "day") {
          el.textContent = new Intl.DateTimeFormat(locale, { timeZone: mine, weekday: ja ? "short" : "long", year: "numeric", month: ja ? "numeric" : "long", day: "numeric" }).format(d);
        } else if (f === "zone") {
          el.textContent = zoneName(mine, d, locale) + " (" + mine + ")";
        }
      });
    };
    btn.parentNode.hidden = false;
    render(localStorage.getItem(zoneKey) === "mine");
    btn.addEventListener("click", function () {
      var useMine = btn.getAttribute("aria-pressed") !== "true";
      localStorage.setItem(zoneKey, useMine ? "mine" : "event");
      render(useMine);
    });
  }

  function zoneName(zone, d, locale) {
    var part = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: "short" }).formatToParts(d)
      .filter(function (p) { return p.type === "timeZoneName"; })[0];
    return part ? part.value : zone;
  }

  // ---- During the event: a line at the current time, a link to what's next

  function setupNow() {
    var now = Date.now();
    document.querySelectorAll(".tg[data-start]").forEach(function (grid) {
      var cards = grid.querySelectorAll(".card[data-start]");
      if (!cards.length) { return; }
      var first = new Date(grid.dataset.start).getTime();
      var last = 0;
      cards.forEach(function (c) { last = Math.max(last, new Date(c.dataset.end).getTime()); });
      if (now < first - 3600000 || now > last) { return; } // not this day
      var line = grid.querySelector(".tg-now");
      if (now >= first) {
        line.style.gridRowStart = String(2 + Math.floor((now - first) / 300000));
        line.hidden = false;
      }
      var next = null;
      cards.forEach(function (c) {
        var s = new Date(c.dataset.start).getTime();
        if (s > now && !c.hidden && (!next || s < new Date(next.dataset.start).getTime())) { next = c; }
      });
      var bar = grid.previousElementSibling;
      if (next && bar && bar.classList.contains("now-bar")) {
        bar.querySelector("a").href = "#" + next.id;
        bar.hidden = false;
      }
    });
  }

  // ---- The live ranking: refreshed in place --------------------------------

  function setupRanking() {
    var live = document.getElementById("ranking-live");
    if (!live) { return; }
    var every = (parseInt(live.dataset.refresh, 10) || 5) * 1000;
    // The page is parsed and redrawn only when its ranking changed: most
    // refreshes bring the same numbers, and a redraw every five seconds
    // keeps a phone's main thread busy for nothing. A hidden tab waits.
    var last = "";
    setInterval(function () {
      if (document.hidden) { return; }
      fetch(location.href, { headers: { Accept: "text/html" } }).then(function (r) { return r.text(); }).then(function (html) {
        var from = html.indexOf('<div id="ranking-live"'), to = html.lastIndexOf("</div>");
        var part = from >= 0 && to > from ? html.slice(from, to) : html;
        if (part === last) { return; }
        last = part;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("ranking-live");
        if (fresh) { live.innerHTML = fresh.innerHTML; }
      }).catch(function () {});
    }, every);
  }

  // ---- Offline: a service worker keeps the pages seen and those linked ----

  function setupOffline() {
    var note = document.querySelector(".offline-note");
    var update = function () {
      if (!note || note.hidden === navigator.onLine) { return; } // as it is: nothing to change at load
      note.textContent = t("You are offline. Pages you have opened, and the sessions and speakers they list, still work.",
        "オフラインです。開いたページと、そこに載っているセッションと登壇者のページは引き続き見られます。");
      note.hidden = navigator.onLine;
    };
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    update();
    if (!("serviceWorker" in navigator)) { return; }
    // The worker and its copies of the linked pages wait until this page
    // has loaded, three more seconds and the browser is idle: sixty fetches
    // during the load would take CPU and network from the page being read,
    // and so did the worker's start and its thirty fetches one second after
    // the load, while the page still set up its parts (a phone has few
    // cores).
    var idle = function () {
      if (window.requestIdleCallback) { requestIdleCallback(cacheLinked, { timeout: 5000 }); } else { setTimeout(cacheLinked, 0); }
    };
    if (document.readyState === "complete") { setTimeout(idle, 3000); } else {
      window.addEventListener("load", function () { setTimeout(idle, 3000); });
    }
  }

  function cacheLinked() {
    navigator.serviceWorker.register("/sw.js").then(function () { return navigator.serviceWorker.ready; }).then(function (reg) {
      var links = {};
      document.querySelectorAll("main a[href^='/" + edition + "/sessions/'], main a[href^='/" + edition + "/speakers/']").forEach(function (a) {
        var path = new URL(a.href).pathname;
        if (/\.ics$/.test(path)) { return; }
        links[path] = true;
      });
      document.querySelectorAll(".card[data-session]").forEach(function (c) {
        links["/" + edition + "/sessions/" + c.dataset.session] = true;
      });
      document.querySelectorAll("[data-speakers]").forEach(function (c) {
        c.dataset.speakers.split(" ").forEach(function (id) {
          if (id) { links["/" + edition + "/speakers/" + id] = true; }
        });
      });
      links["/" + edition + "/"] = true;
      navigator.serviceWorker.addEventListener("message", function (e) {
        if (e.data && e.data.cached) { document.documentElement.dataset.offlineReady = String(e.data.cached); }
      });
      reg.active.postMessage({ cache: Object.keys(links) });
    }).catch(function () {});
  }

  // ---- In-page links: smooth scrolling only where it ends exactly ---------
  // Parts of the page far below the screen are skipped by CSS
  // content-visibility and have an estimated height until they are first
  // laid out. A smooth scroll computes where it ends when it starts, so it
  // stopped short of a section below such a part; an instant jump lands
  // exactly (the browser lays out the target and keeps it in place while
  // the parts above take their real height). So a click on an in-page link
  // scrolls smoothly (html.smooth, unless the viewer asks for reduced
  // motion) only once every skipped part has been laid out at this width.

  var skippable = "#exhibitions, .tg .card"; // as in site.css

  function setupScrolling() {
    var seen = new Map(); // element: laid out at the current width
    var skipped = new Set();
    // The width is read when the first skipped part reports, after the
    // page's first layout: read here, in the task that runs this script,
    // it would force that layout (style, text shaping, the first use of
    // the fonts) into this task, the longest of the load.
    var width = null;
    document.addEventListener("contentvisibilityautostatechange", function (e) {
      if (width === null) { width = window.innerWidth; }
      if (e.skipped) {
        skipped.add(e.target);
        if (!seen.has(e.target)) { seen.set(e.target, false); }
      } else {
        skipped.delete(e.target);
        seen.set(e.target, true);
      }
    }, true);
    window.addEventListener("resize", function () {
      if (width === null || window.innerWidth === width) { return; }
      width = window.innerWidth; // heights remembered at another width are wrong now
      skipped.forEach(function (el) { seen.set(el, false); });
    });
    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[href^='#']");
      if (!a) { return; }
      var exact = true;
      document.querySelectorAll(skippable).forEach(function (el) {
        if (exact && seen.get(el) !== true && getComputedStyle(el).contentVisibility === "auto") { exact = false; }
      });
      document.documentElement.classList.toggle("smooth", exact);
    }, true);
  }

  // start runs each part in a task of its own, the like button first (its
  // queue and live count in the next task): one task that did everything
  // held a slow phone's main thread for a fifth of a second after the
  // first paint, and the page did not answer a tap meanwhile. What the later parts add (bookmark stars, the zone switch,
  // the "now" line) has its place kept by the page, so nothing moves when
  // it appears.
  function start() {
    setupScrolling();
    var boxes = [];
    document.querySelectorAll("[data-like]").forEach(function (box) { boxes.push(new LikeBox(box)); });
    setupFilters();
    setupRanking();
    setupOffline();
    var resumeLikes = function () { boxes.forEach(function (b) { b.resume(); }); };
    var liveLikes = function () { boxes.forEach(function (b) { b.connect(); }); };
    var later = [resumeLikes, liveLikes, setupBookmarks, setupZones, setupNow];
    var next = function () {
      later.shift()();
      if (later.length) { setTimeout(next, 0); }
    };
    setTimeout(next, 0);
  }
  // The page's last part is parsed, styled and laid out in one task (the
  // browser lays the page out before its load event); start runs in a
  // task after it rather than adding to it.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setTimeout(start, 0); });
  } else {
    start();
  }
})();
