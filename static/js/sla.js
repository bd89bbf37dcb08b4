// SLA countdowns and the settings' live preview. Progressive: without this file badges show
// the due time and the preview works as a plain GET form.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function span(ms, units) {
    var minutes = Math.max(0, Math.round(ms / 60000));
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    var parts = [];
    if (days) parts.push(days + " " + units[0]);
    if (hours && days < 3) parts.push(hours + " " + units[1]);
    if (!days && (mins || !hours)) parts.push(mins + " " + units[2]);
    return parts.join(" ");
  }

  // The countdown's words are on this script's tag (once per page, not on every badge).
  var texts = document.querySelector("script[data-sla-texts]");

  function text(badge, name, fallback) {
    return badge.getAttribute(name) || (texts && texts.getAttribute(name)) || fallback;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".sla-badge[data-sla-due]").forEach(function (badge) {
      if (badge.classList.contains("sla-paused")) return;
      var due = Date.parse(badge.getAttribute("data-sla-due"));
      if (isNaN(due)) return;
      var units = text(badge, "data-units", "d|h|min").split("|");
      var when = badge.querySelector(".sla-when");
      if (!when) return;
      // The countdown replaces the due time in the text; the due time stays as the tooltip.
      if (!badge.hasAttribute("title")) badge.setAttribute("title", when.textContent);
      var left = due - now;
      if (left <= 0) {
        when.textContent = text(badge, "data-text-overdue", "{t}").replace("{t}", span(-left, units));
        if (!badge.classList.contains("sla-breached")) {
          badge.classList.remove("sla-on_track", "sla-at_risk");
          badge.classList.add("sla-breached");
        }
      } else {
        when.textContent = text(badge, "data-text-due", "{t}").replace("{t}", span(left, units));
      }
    });
  }

  function livePreview(box) {
    var form = box.querySelector("form");
    var result = box.querySelector(".sla-preview-result");
    if (!form || !result || !window.fetch) return;
    function update(event) {
      if (event) event.preventDefault();
      var params = new URLSearchParams(new FormData(form));
      fetch(box.getAttribute("data-sla-preview") + "?" + params.toString(), {
        headers: { "Accept": "application/json" }, credentials: "same-origin"
      }).then(function (response) { return response.json(); }).then(function (data) {
        result.textContent = "";
        if (data.error) {
          var err = document.createElement("p");
          err.className = "error";
          err.textContent = data.error.message;
          result.appendChild(err);
          return;
        }
        var cal = document.createElement("p");
        cal.className = "muted";
        cal.textContent = data.calendar;
        result.appendChild(cal);
        var list = document.createElement("ul");
        data.lines.forEach(function (line) {
          var item = document.createElement("li");
          item.textContent = line.text;
          list.appendChild(item);
        });
        result.appendChild(list);
        if (data.empty) {
          var none = document.createElement("p");
          none.className = "muted";
          none.textContent = data.empty;
          result.appendChild(none);
        }
      }).catch(function () { /* keep the server-rendered preview */ });
    }
    form.addEventListener("change", update);
    form.addEventListener("submit", update);
  }

  ready(function () {
    tick();
    window.setInterval(tick, 5000);
    document.querySelectorAll("[data-sla-preview]").forEach(livePreview);
  });
})();
