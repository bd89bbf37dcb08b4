// Time tracking: the header timer ticks, the week grid moves by arrow keys, adds rows and sums as you type.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hm(minutes) {
    var sign = minutes < 0 ? "-" : "";
    minutes = Math.abs(minutes);
    return sign + Math.floor(minutes / 60) + ":" + pad(minutes % 60);
  }

  // The same rules as the server (agency/timetracking/durations.py); null when not a duration.
  function parse(text) {
    var v = (text || "").trim().toLowerCase();
    if (!v) return 0;
    var m = /^(\d{1,2}):([0-5]\d)$/.exec(v);
    if (m) return parseInt(m[1], 10) * 60 + parseInt(m[2], 10);
    if (/^\d+([.,]\d+)?$/.test(v)) return Math.round(parseFloat(v.replace(",", ".")) * 60);
    m = /^(?:(\d+(?:[.,]\d+)?)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$/.exec(v);
    if (m && (m[1] || m[2])) return Math.round((m[1] ? parseFloat(m[1].replace(",", ".")) * 60 : 0) + (m[2] ? parseInt(m[2], 10) : 0));
    return null;
  }

  function tick() {
    document.querySelectorAll("[data-started]").forEach(function (el) {
      var started = Date.parse(el.getAttribute("data-started"));
      if (!isNaN(started)) el.textContent = hm(Math.max(0, Math.floor((Date.now() - started) / 60000)));
    });
  }

  function setupGrid(form) {
    var table = form.querySelector("table");
    function cells() { return Array.prototype.slice.call(form.querySelectorAll("[data-cell]")); }
    function recompute() {
      var dayTotals = [0, 0, 0, 0, 0, 0, 0], week = 0;
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var total = 0;
        row.querySelectorAll("td.cell").forEach(function (td, index) {
          var input = td.querySelector("[data-cell]");
          var minutes = input ? parse(input.value) : parse((td.textContent || "").replace(/[^0-9:]/g, ""));
          input && input.classList.toggle("invalid", minutes === null);
          minutes = minutes || 0;
          total += minutes; dayTotals[index] += minutes;
        });
        var cell = row.querySelector("[data-row-total]");
        if (cell) cell.textContent = hm(total);
        week += total;
      });
      dayTotals.forEach(function (t, i) {
        var el = table.querySelector('[data-day-total="' + i + '"]');
        if (el) el.textContent = hm(t);
      });
      var w = table.querySelector("[data-week-total]");
      if (w) w.textContent = hm(week);
    }
    form.addEventListener("input", recompute);
    form.addEventListener("keydown", function (e) {
      var target = e.target;
      if (!target.hasAttribute || !target.hasAttribute("data-cell")) return;
      var row = target.closest("tr"), td = target.closest("td");
      var col = Array.prototype.indexOf.call(row.children, td);
      var next = null;
      if (e.key === "ArrowRight" && target.selectionStart === target.value.length) next = td.nextElementSibling;
      else if (e.key === "ArrowLeft" && target.selectionStart === 0) next = td.previousElementSibling;
      else if (e.key === "ArrowDown" && row.nextElementSibling) next = row.nextElementSibling.children[col];
      else if (e.key === "ArrowUp" && row.previousElementSibling) next = row.previousElementSibling.children[col];
      var input = next && next.querySelector && next.querySelector("[data-cell]");
      if (input) { e.preventDefault(); input.focus(); input.select(); }
    });
    // Only the cells that changed are sent (an unchanged locked or typed cell stays as it is).
    cells().forEach(function (input) { input.setAttribute("data-initial", input.value); });
    form.addEventListener("submit", function () {
      cells().forEach(function (input) { if (input.value === input.getAttribute("data-initial")) input.disabled = true; });
    });
  }

  function setupAddRow(form) {
    var button = form.querySelector("[data-add-row]");
    if (!button) return;
    form.addEventListener("submit", function () {
      var rows = form.querySelector("[data-rows]");
      var ws = form.querySelector("[data-add-workspace]").value, act = form.querySelector("[data-add-activity]").value;
      var list = rows.value ? rows.value.split(",") : [];
      if (list.indexOf(ws + "-" + act) < 0) list.push(ws + "-" + act);
      rows.value = list.join(",");
    });
  }

  // Outside the time pages the header timer's menu is fetched when it is first opened (the page does not carry
  // every workspace and activity); until it arrives, or if it cannot, the menu's link to the week page stays.
  function setupTimerMenu(details) {
    var menu = details.querySelector("[data-timer-menu-url]");
    if (!menu) return;
    var loading = false;
    details.addEventListener("toggle", function () {
      if (!details.open || loading || menu.hasAttribute("data-loaded")) return;
      loading = true;
      fetch(menu.getAttribute("data-timer-menu-url"), {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html !== null) { menu.innerHTML = html; menu.setAttribute("data-loaded", ""); }
        })
        .catch(function () { /* the link to the week page stays */ })
        .then(function () { loading = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    document.querySelectorAll("[data-timer]").forEach(setupTimerMenu);
    window.setInterval(tick, 30000);
    var grid = document.querySelector("[data-week-grid]");
    if (grid) setupGrid(grid);
    var add = document.querySelector(".add-row");
    if (add) setupAddRow(add);
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  });
})();
