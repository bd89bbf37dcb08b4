// Inbox: keyboard shortcuts, presence heartbeat, live reply status. The pages work without it.
(function () {
  "use strict";

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // A row's thread is its author link's target (the row carries no second copy of the address).
  function rowLink(row) {
    var link = row.querySelector("a.conv-author");
    return link ? link.href : row.getAttribute("data-href");
  }

  function openHelp() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
  }

  function setupList(list) {
    var rows = Array.prototype.slice.call(list.querySelectorAll("[data-row]"));
    var index = -1;
    function select(i) {
      if (!rows.length) return;
      index = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r) { r.classList.remove("selected"); });
      rows[index].classList.add("selected");
      rows[index].scrollIntoView({ block: "nearest" });
    }
    rows.forEach(function (row, i) {
      row.addEventListener("click", function (e) {
        if (e.target.closest("a, input, button, label")) return;
        window.location.href = rowLink(row);
      });
      row.addEventListener("mouseenter", function () { index = i; });
    });
    var all = document.querySelector("[data-select-all]");
    if (all) all.addEventListener("change", function () {
      list.querySelectorAll("[data-select]").forEach(function (c) { c.checked = all.checked; });
    });
    document.addEventListener("keydown", function (e) {
      if (typing(e.target) || e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === "j") { select(index + 1); e.preventDefault(); }
      else if (e.key === "k") { select(index - 1); e.preventDefault(); }
      else if ((e.key === "Enter" || e.key === "o") && index >= 0) { window.location.href = rowLink(rows[index]); }
      else if (e.key === "x" && index >= 0) { var c = rows[index].querySelector("[data-select]"); c.checked = !c.checked; }
      else if (e.key === "/") { var s = document.querySelector("[data-search]"); if (s) { s.focus(); e.preventDefault(); } }
      else if (e.key === "?") { openHelp(); e.preventDefault(); }
    });
    select(0);
  }

  function setupThread(head) {
    var composer = document.querySelector("[data-reply-text]");
    var state = "viewing";
    document.addEventListener("keydown", function (e) {
      if (typing(e.target) || e.metaKey || e.ctrlKey || e.altKey) {
        if (e.key === "Escape" && typing(e.target)) e.target.blur();
        return;
      }
      var go = function (attr) { var url = head.getAttribute(attr); if (url) window.location.href = url; };
      if (e.key === "j") go("data-next");
      else if (e.key === "k") go("data-prev");
      else if (e.key === "u") go("data-back");
      else if (e.key === "r" && composer) { composer.focus(); e.preventDefault(); }
      else if (e.key === "n") { var n = document.querySelector("[data-note-text]"); if (n) { n.focus(); e.preventDefault(); } }
      else if (e.key === "a") { var a = document.querySelector("[data-assignee]"); if (a) { a.focus(); e.preventDefault(); } }
      else if (e.key === "e") { var f = document.querySelector("[data-close-form]"); if (f) f.submit(); }
      else if (e.key === "?") { openHelp(); e.preventDefault(); }
    });

    var counter = document.querySelector("[data-counter]");
    if (composer) {
      var limit = parseInt(composer.getAttribute("data-limit"), 10);
      var unit = composer.getAttribute("data-unit");
      // Count as the platform does (and as the server checks): UTF-8 bytes for Google, else characters.
      var measure = unit === "bytes" ? function (text) { return new TextEncoder().encode(text).length; }
        : function (text) { return Array.from(text).length; };
      var count = function () {
        if (!counter || !limit) return;
        var used = measure(composer.value.trim());  // the server measures the trimmed text too
        counter.textContent = used + " / " + limit + " " + (counter.getAttribute("data-unit-label") || "");
        counter.classList.toggle("over", used > limit);
      };
      composer.addEventListener("input", function () {
        state = composer.value.trim() ? "replying" : "viewing";
        count();
      });
      if (composer.value) count();  // a rejected reply came back: show how far over it is
      composer.addEventListener("blur", function () { if (!composer.value.trim()) state = "viewing"; });
    }

    var url = head.getAttribute("data-presence-url");
    var csrf = head.getAttribute("data-csrf");
    var bar = document.querySelector("[data-presence]");
    function render(others) {
      if (!bar) return;
      bar.textContent = "";
      others.forEach(function (p) {
        var span = document.createElement("span");
        span.className = "badge badge-warn";
        span.textContent = p.name + (p.state === "replying" ? " · ✎" : " · 👁");
        span.title = p.state;
        bar.appendChild(span);
      });
      bar.classList.toggle("hidden", others.length === 0);
    }
    // Active: the page is visible and was used in the last minute (time tracking counts only that).
    var lastInput = Date.now();
    ["keydown", "pointerdown", "pointermove", "scroll", "input"].forEach(function (name) {
      document.addEventListener(name, function () { lastInput = Date.now(); }, { passive: true });
    });
    function active() { return document.visibilityState === "visible" && Date.now() - lastInput < 60000; }
    function beat(leave) {
      var body = new URLSearchParams({ csrf_token: csrf, state: state, active: active() ? "1" : "0" });
      if (leave) { body.set("leave", "1"); navigator.sendBeacon(url, body); return; }
      fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          render(data.others);
          data.replies.forEach(function (r) {
            var el = document.querySelector('[data-reply-id="' + r.id + '"] [data-reply-status]');
            if (el && el.getAttribute("data-state") !== r.status) {
              el.setAttribute("data-state", r.status);
              if (r.status === "sent" || r.status === "failed") window.location.reload();
            }
          });
        })
        .catch(function () {});
    }
    beat(false);
    window.setInterval(function () { beat(false); }, 5000);
    window.addEventListener("pagehide", function () { beat(true); });
  }

  // Editing our sent reply: the "Edit" link opens the form in place (without JS it opens the edit page).
  function setupEdits(root) {
    root.querySelectorAll("[data-mod-edit-reply]").forEach(function (link) {
      var form = root.querySelector('[data-mod-edit-form="' + link.getAttribute("data-mod-edit-reply") + '"]');
      if (!form) return;
      var text = form.querySelector("textarea");
      link.addEventListener("click", function (e) {
        e.preventDefault();
        form.hidden = false;
        link.hidden = true;
        if (text) { text.focus(); text.setSelectionRange(text.value.length, text.value.length); }
      });
      var cancel = form.querySelector("[data-mod-edit-cancel]");
      if (cancel) cancel.addEventListener("click", function () {
        form.hidden = true;
        link.hidden = false;
        link.focus();
      });
      // A second click while the first submit is on its way sends nothing more.
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        if (button) window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupEdits(document);
    var list = document.querySelector("[data-list]");
    if (list) setupList(list);
    else if (document.querySelector(".inbox-main")) {
      document.addEventListener("keydown", function (e) { if (!typing(e.target) && e.key === "?") openHelp(); });
    }
    var head = document.querySelector("[data-thread]");
    if (head) setupThread(head);
  });
})();
