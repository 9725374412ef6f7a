// The round monitor: every 5 seconds, read the monitor's JSON and update the figures, the
// warnings and each panellist's status in place. Text only (textContent): nothing is parsed
// as HTML. Without this script a reload shows the same.
(function () {
  "use strict";
  var root = document.getElementById("monitor");
  if (!root || !window.fetch) return;
  var api = root.getAttribute("data-api");
  var live = document.getElementById("live");
  var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function when(text) {
    if (!text) return "–";
    var d = new Date(text.replace(/(\.\d{3})\d*$/, "$1") + "Z");
    if (isNaN(d)) return text;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getUTCDate() + " " + months[d.getUTCMonth()] + " " + d.getUTCFullYear() + " " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + " UTC";
  }
  var labels = { invited: "invited", opened: "opened the page", consented: "consented",
    started: "started", submitted: "submitted", withdrawn: "withdrawn" };
  function rate(r) { return r === null || r === undefined ? "–" : Math.round(r) + " %"; }
  function set(row, field, value) {
    var cell = row && row.querySelector('[data-f="' + field + '"]');
    if (cell && cell.textContent !== String(value)) cell.textContent = value;
  }
  function figures(key, r) {
    var row = root.querySelector('tr[data-group="' + CSS.escape(key) + '"]');
    ["invited", "opened", "consented", "started", "submitted", "withdrawn"].forEach(function (f) {
      set(row, f, r[f]);
    });
    set(row, "rate", rate(r.response_rate));
  }
  function warnings(list) {
    var box = document.getElementById("warnings");
    box.textContent = "";
    if (!list.length) return;
    var div = document.createElement("div");
    div.className = "warn";
    var h = document.createElement("h2");
    h.className = "wh";
    h.textContent = "Warnings";
    var ul = document.createElement("ul");
    list.forEach(function (w) {
      var li = document.createElement("li");
      li.textContent = w;
      ul.appendChild(li);
    });
    div.appendChild(h);
    div.appendChild(ul);
    box.appendChild(div);
  }
  function update(m) {
    figures("ALL", m.overall);
    m.groups.forEach(function (g) { figures(g.code, g.response); });
    m.panellists.forEach(function (p) {
      var row = root.querySelector('tr[data-p="' + CSS.escape(p.pseudonym) + '"]');
      set(row, "state", labels[p.state] || p.state);
      set(row, "activity", when(p.last_activity));
      set(row, "invitation", when(p.last_invitation));
      set(row, "reminder", when(p.last_reminder));
    });
    warnings(m.warnings);
    var stamp = document.getElementById("stamp");
    if (stamp) stamp.textContent = "Updated at " + new Date().toTimeString().slice(0, 8) + ".";
    if (m.status !== "open") {
      live.textContent = "The round is " + m.status + "; reload the page for its actions.";
      return false;
    }
    return true;
  }
  function poll() {
    fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (m) { if (update(m)) setTimeout(poll, 5000); })
      .catch(function () {
        live.textContent = "Live updates stopped; reload the page to see the latest figures.";
      });
  }
  setTimeout(poll, 5000);
})();
