// The live inbox: counts new items from the server-sent events of /inbox/events and shows "N new" above
// the list instead of moving rows under the reader's cursor; a click reloads the list. When the stream fails
// (a proxy that buffers, an old browser) it polls the same URL with ?after=<newest id> every 30 seconds.
(function () {
  "use strict";
  var bar = document.querySelector("[data-live]");
  if (!bar) return;
  var url = bar.getAttribute("data-events-url");
  var after = parseInt(bar.getAttribute("data-after"), 10) || 0;
  var seen = {};
  var count = 0;
  var failures = 0;
  var polling = null;

  function show(n) {
    count = n;
    bar.querySelector("[data-live-count]").textContent = String(n);
    bar.querySelector("[data-live-one]").classList.toggle("hidden", n !== 1);
    bar.querySelector("[data-live-many]").classList.toggle("hidden", n === 1);
    bar.classList.toggle("hidden", n === 0);
    document.title = document.title.replace(/^\(\d+\) /, "");
    if (n > 0) document.title = "(" + n + ") " + document.title;
  }

  function poll() {
    var sep = url.indexOf("?") === -1 ? "?" : "&";
    fetch(url + sep + "after=" + after, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && typeof body.new === "number") show(body.new); })
      .catch(function () {});
  }

  function startPolling() {
    if (polling) return;
    poll();
    polling = window.setInterval(poll, 30000);
  }

  if (!window.EventSource) { startPolling(); return; }
  var source = new EventSource(url);
  source.addEventListener("hello", function () { failures = 0; });
  source.addEventListener("item", function (e) {
    var data;
    try { data = JSON.parse(e.data); } catch (err) { return; }
    if (data.kind !== "new") return;
    var fresh = 0;
    (data.ids || []).forEach(function (id) {
      if (id > after && !seen[id]) { seen[id] = true; fresh += 1; }
    });
    if (fresh) show(count + fresh);
  });
  source.onerror = function () {
    failures += 1;
    if (failures >= 3) { source.close(); startPolling(); }
  };
})();
