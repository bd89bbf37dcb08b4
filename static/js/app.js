// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Loaded in <head> without defer: styles for scripted pages (the folded phone menu) apply from the first paint.
  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }

  function compare(a, b) {
    var na = parseFloat(a), nb = parseFloat(b);
    if (!isNaN(na) && !isNaN(nb) && String(na) === a.replace(/\.0+$/, "") && String(nb) === b.replace(/\.0+$/, "")) return na - nb;
    return a.localeCompare(b, document.documentElement.lang || undefined, { numeric: true, sensitivity: "base" });
  }

  // Click a header of a table marked data-sortable to sort by that column.
  function makeSortable(table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      if (!th.textContent.trim()) return;
      th.setAttribute("data-sort-dir", "none");
      th.setAttribute("tabindex", "0");
      th.setAttribute("role", "button");
      function sort() {
        var dir = th.getAttribute("data-sort-dir") === "asc" ? "desc" : "asc";
        headers.forEach(function (other) { if (other.hasAttribute("data-sort-dir")) other.setAttribute("data-sort-dir", "none"); });
        th.setAttribute("data-sort-dir", dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var result = compare(cellValue(r1, index), cellValue(r2, index));
          return dir === "asc" ? result : -result;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  }

  // The phone menu: the button opens and closes the main navigation; Escape or a click elsewhere closes it.
  function setupNavToggle() {
    var toggle = document.querySelector(".nav-toggle");
    if (!toggle) return;
    var bar = toggle.closest(".topbar");
    function setOpen(open, returnFocus) {
      bar.classList.toggle("nav-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open && returnFocus) toggle.focus();
    }
    function isOpen() { return toggle.getAttribute("aria-expanded") === "true"; }
    toggle.addEventListener("click", function () { setOpen(!isOpen()); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen()) setOpen(false, true);
    });
    document.addEventListener("click", function (event) {
      if (isOpen() && !bar.contains(event.target)) setOpen(false);
    });
  }

  ready(function () {
    setupNavToggle();
    document.querySelectorAll("table[data-sortable]").forEach(makeSortable);

    document.addEventListener("click", function (event) {
      var target = event.target;
      var confirmEl = target.closest("[data-confirm]");
      if (confirmEl && !window.confirm(confirmEl.getAttribute("data-confirm"))) {
        event.preventDefault();
        return;
      }
      if (target.closest("[data-dismiss]")) {
        target.closest(".flash").remove();
      }
      var copyList = target.closest("[data-copy-list]");
      if (copyList && navigator.clipboard) {
        var text = Array.prototype.map.call(document.querySelectorAll(copyList.getAttribute("data-copy-list")),
          function (el) { return el.textContent.trim(); }).join("\n");
        navigator.clipboard.writeText(text);
      }
    });
  });
})();
