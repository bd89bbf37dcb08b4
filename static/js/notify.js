// Desktop notifications (loaded only for users who turned them on in their profile). Listens to the live
// stream (/inbox/events) and shows a browser Notification — plain text, never markup — when an item is newly
// assigned to this user (not when they assigned it themselves) and when an SLA warning names them. Each event
// has an id: the first open tab to claim it (under a Web Lock where the browser has them, in localStorage)
// shows it, the others do not; the notification's tag is the id too, so even a race shows one.
// The browser's permission is asked only when the user clicks the profile's button.
(function () {
  "use strict";
  var tag = document.querySelector("script[data-notify]");
  if (!tag) return;
  var me = parseInt(tag.getAttribute("data-user-id"), 10);
  var url = tag.getAttribute("data-events-url");
  var KEY = "agency-notified";
  var DAY = 86400000;

  function words(name, values) {
    return (tag.getAttribute(name) || "").replace(/\{(\w+)\}/g, function (all, key) {
      var value = values[key];
      return value === undefined || value === null ? "" : String(value);
    });
  }

  function supported() { return "Notification" in window; }

  function setupButton() {
    var button = document.querySelector("[data-notify-permission]");
    var state = document.querySelector("[data-notify-state]");
    if (!button || !state) return;
    function show() {
      if (!supported()) {
        button.classList.add("hidden");
        state.textContent = words("data-text-unsupported", {});
        return;
      }
      var permission = window.Notification.permission;
      button.classList.toggle("hidden", permission !== "default");
      state.textContent = permission === "granted" ? words("data-text-granted", {})
        : permission === "denied" ? words("data-text-denied", {}) : "";
    }
    button.addEventListener("click", function () {
      if (!supported()) return show();
      var asked = window.Notification.requestPermission(show);
      if (asked && asked.then) asked.then(show);
    });
    show();
  }

  function wanted(data) {
    if (data.kind === "assigned") return data.assignee_id === me && data.by !== me;
    if (data.kind === "sla") return (data.user_ids || []).indexOf(me) !== -1;
    return false;
  }

  // True for the first tab that claims the event id; old ids are forgotten after a day.
  function claim(id) {
    var all;
    try { all = JSON.parse(window.localStorage.getItem(KEY) || "{}") || {}; } catch (err) { all = {}; }
    if (all[id]) return false;
    var now = Date.now();
    Object.keys(all).forEach(function (key) { if (now - all[key] > DAY) delete all[key]; });
    all[id] = now;
    try { window.localStorage.setItem(KEY, JSON.stringify(all)); } catch (err) { /* private mode: tag dedupes */ }
    return true;
  }

  function notify(data) {
    var title = words(data.kind === "assigned" ? "data-text-assigned"
      : data.level === "breached" ? "data-text-breached" : "data-text-at-risk", data);
    var shown = new window.Notification(title, { body: words("data-text-body", data), tag: String(data.event_id) });
    shown.onclick = function () {
      window.focus();
      // Only a path of this site (never another origin from an event).
      if (typeof data.url === "string" && /^\/[^\/\\]/.test(data.url)) window.location.href = data.url;
      if (shown.close) shown.close();
    };
  }

  function handle(data) {
    if (!data || !data.event_id || !wanted(data)) return;
    if (!supported() || window.Notification.permission !== "granted") return;
    function once() { if (claim(String(data.event_id))) notify(data); }
    if (navigator.locks && navigator.locks.request) {
      navigator.locks.request("agency-notify", function () { once(); }).catch(function () {});
    } else {
      once();
    }
  }

  function listen() {
    if (!window.EventSource || !url) return;
    var source = new EventSource(url);
    source.addEventListener("hello", function () { document.documentElement.setAttribute("data-notify-ready", ""); });
    source.addEventListener("item", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (err) { return; }
      handle(data);
    });
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () { setupButton(); listen(); });
})();
