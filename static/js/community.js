// Community management beside the composer: the voice checker (while typing and before sending) and
// the saved-reply picker (Ctrl+K). Progressive: without this file replies are sent as they are and the
// saved replies page still lists every text.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function setupComposer(root) {
    var textarea = document.querySelector("[data-reply-text]");
    var form = document.querySelector("[data-composer]");
    if (!textarea || !form) return;
    var t = function (key) { return root.getAttribute("data-t-" + key) || ""; };
    var csrf = root.getAttribute("data-csrf");
    var findingsBox = root.querySelector("[data-cm-findings]");
    var typical = parseInt(root.getAttribute("data-typical"), 10);
    var last = { text: null, result: null };
    var pending = null;
    var timer = null;

    // Answers can arrive out of order while someone types: each is kept with the text it judged,
    // and only the answer for the text in the box is ever shown.
    function check(text) {
      if (last.text === text && last.result) return Promise.resolve(last.result);
      if (pending && pending.text === text) return pending.promise;
      var body = new URLSearchParams({ csrf_token: csrf, text: text });
      var promise = fetch(root.getAttribute("data-check-url"), {
        method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (result) {
        if (result) {
          result.text = text;
          if (textarea.value === text) last = { text: text, result: result };
        }
        if (pending && pending.text === text) pending = null;
        return result;
      }).catch(function () { if (pending && pending.text === text) pending = null; return null; });
      pending = { text: text, promise: promise };
      return promise;
    }

    function replaceRange(start, end, replacement) {
      var value = textarea.value;
      textarea.value = value.slice(0, start) + replacement + value.slice(end);
      textarea.focus();
      textarea.setSelectionRange(start + replacement.length, start + replacement.length);
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function render(result) {
      if (!result || result.text !== textarea.value) return;  // judged an older text: a newer answer follows
      findingsBox.textContent = "";
      result.findings.forEach(function (f) {
        var row = el("div", "cm-finding" + (f.blocking ? " blocking" : ""));
        row.setAttribute("data-cm-finding", f.code);
        if (f.excerpt && f.code !== "language" && f.code !== "length") row.appendChild(el("span", "cm-excerpt", f.excerpt));
        row.appendChild(el("span", "cm-message", f.message));
        if (f.suggestion !== null && f.suggestion !== undefined) {
          var fix = el("button", "btn", t("fix") + (f.suggestion ? ": " + f.suggestion.trim() : ""));
          fix.type = "button";
          fix.setAttribute("data-cm-fix", "");
          fix.addEventListener("click", function () {
            // Only when the text still holds what was checked: never rewrite something else.
            if (textarea.value.slice(f.utf16_start, f.utf16_end) !== f.excerpt) { schedule(0); return; }
            replaceRange(f.utf16_start, f.utf16_end, f.suggestion);
          });
          row.appendChild(fix);
        }
        findingsBox.appendChild(row);
      });
      if (result.missing.length) {
        var row = el("div", "cm-finding cm-missing");
        row.appendChild(el("span", "cm-message", t("missing") + " " + result.missing.map(function (m) {
          return m.marker + " (" + m.label + ")";
        }).join(", ")));
        findingsBox.appendChild(row);
      }
      if (typical && result.length > typical) {
        findingsBox.appendChild(el("div", "cm-finding", t("typical").replace("{n}", typical)));
      }
      if (!result.findings.length && !result.missing.length && textarea.value.trim()) {
        findingsBox.appendChild(el("p", "cm-ok", t("ok")));
      }
    }

    function schedule(delay) {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var text = textarea.value;
        if (!text.trim()) { findingsBox.textContent = ""; return; }
        check(text).then(render);
      }, delay);
    }

    textarea.addEventListener("input", function () { schedule(350); });

    // On sending: remarks never hold a reply back (they were shown while typing, and the server
    // keeps the checker's verdict on every reply that goes out); only a hard platform limit does.
    form.addEventListener("submit", function (event) {
      var known = last.text === textarea.value ? last.result : null;
      if (known && known.blocking) {
        event.preventDefault();
        render(known);
        findingsBox.insertBefore(el("div", "cm-confirm", t("blocked")), findingsBox.firstChild);
      }
    });

    setupPicker(root, textarea, csrf, t);
    if (textarea.value.trim()) schedule(0);
  }

  function setupPicker(root, textarea, csrf, t) {
    var picker = root.querySelector("[data-cm-picker]");
    var search = root.querySelector("[data-cm-picker-search]");
    var list = root.querySelector("[data-cm-picker-list]");
    var opener = root.querySelector("[data-cm-open-picker]");
    var items = [];
    var active = 0;
    var timer = null;
    var selection = { start: 0, end: 0 };

    function load() {
      var url = root.getAttribute("data-replies-url") + "?q=" + encodeURIComponent(search.value);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) { items = data.items; active = 0; draw(); })
        .catch(function () {});
    }

    function draw() {
      list.textContent = "";
      if (!items.length) { list.appendChild(el("li", "muted", t("none"))); return; }
      items.forEach(function (item, index) {
        var li = el("li");
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", index === active ? "true" : "false");
        li.setAttribute("data-cm-pick", item.id);
        li.appendChild(el("span", "cm-pick-title", item.title));
        if (item.kind === "holding") li.appendChild(el("span", "badge badge-warn", t("holding")));
        if (item.shared) li.appendChild(el("span", "badge", t("shared")));
        if (item.usage_count) li.appendChild(el("span", "badge", t("used").replace("{n}", item.usage_count)));
        li.appendChild(el("span", "cm-pick-text", item.text));
        li.addEventListener("mousedown", function (e) { e.preventDefault(); insert(item); });
        list.appendChild(li);
      });
      var current = list.children[active];
      if (current) current.scrollIntoView({ block: "nearest" });
    }

    function open() {
      selection = { start: textarea.selectionStart, end: textarea.selectionEnd };
      picker.classList.remove("hidden");
      search.value = "";
      search.focus();
      load();
    }

    function close(focusComposer) {
      picker.classList.add("hidden");
      if (focusComposer) textarea.focus();
    }

    function insert(item) {
      var value = textarea.value;
      var start = Math.min(selection.start, value.length), end = Math.min(selection.end, value.length);
      textarea.value = value.slice(0, start) + item.text + value.slice(end);
      close(true);
      var marker = textarea.value.indexOf("[[", start);
      if (marker >= 0 && marker < start + item.text.length) {
        textarea.setSelectionRange(marker, textarea.value.indexOf("]]", marker) + 2);
      } else {
        textarea.setSelectionRange(start + item.text.length, start + item.text.length);
      }
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
      fetch(item.used_url, { method: "POST", body: new URLSearchParams({ csrf_token: csrf }),
        credentials: "same-origin", headers: { "Accept": "application/json" } }).catch(function () {});
    }

    opener.addEventListener("click", open);
    search.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, 150);
    });
    search.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { active = Math.min(items.length - 1, active + 1); draw(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { active = Math.max(0, active - 1); draw(); e.preventDefault(); }
      else if (e.key === "Enter") { if (items[active]) insert(items[active]); e.preventDefault(); }
      else if (e.key === "Escape") { close(true); e.preventDefault(); e.stopPropagation(); }
    });
    search.addEventListener("blur", function () { window.setTimeout(function () { close(false); }, 150); });
    document.addEventListener("keydown", function (e) {
      var ctrlK = (e.ctrlKey || e.metaKey) && (e.key === "k" || e.key === "K");
      if (ctrlK && (e.target === textarea || !typing(e.target))) { e.preventDefault(); open(); }
      else if (e.key === "s" && !typing(e.target) && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); open(); }
    });
  }

  function setupExpertHints() {
    var select = document.querySelector("[data-cm-expert]");
    if (!select) return;
    function show() {
      document.querySelectorAll("[data-cm-availability]").forEach(function (hint) {
        hint.classList.toggle("hidden", hint.getAttribute("data-cm-availability") !== select.value);
      });
    }
    select.addEventListener("change", show);
    show();
  }

  ready(function () {
    var root = document.querySelector("[data-cm-composer]");
    if (root) setupComposer(root);
    setupExpertHints();
  });
})();
