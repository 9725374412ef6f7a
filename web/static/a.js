// The settings page: a preset fills in its rules; a written rule is checked as one types
// (GET /admin/rule-check), the message naming the column of what is wrong.
(function () {
  "use strict";
  var preset = document.getElementById("preset");
  var fields = [["consensus_in", "check_in"], ["consensus_out", "check_out"]];
  function check(area, out) {
    var text = area.value.trim();
    if (!text) { out.textContent = ""; out.className = "hint"; return; }
    fetch("/admin/rule-check?rule=" + encodeURIComponent(text), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (!answer || area.value.trim() !== text) { return; }
        out.className = answer.ok ? "hint rule-ok" : "hint rule-bad";
        out.textContent = answer.ok ? "The rule reads correctly." : answer.error;
        area.setAttribute("aria-invalid", answer.ok ? "false" : "true");
      })
      .catch(function () {});
  }
  fields.forEach(function (pair) {
    var area = document.getElementById(pair[0]);
    var out = document.getElementById(pair[1]);
    if (!area || !out) { return; }
    var timer = null;
    area.addEventListener("input", function () {
      if (preset) { preset.value = "custom"; }
      clearTimeout(timer);
      timer = setTimeout(function () { check(area, out); }, 250);
    });
    check(area, out);
  });
  if (preset) {
    preset.addEventListener("change", function () {
      var option = preset.options[preset.selectedIndex];
      if (preset.value === "custom") { return; }
      fields.forEach(function (pair, i) {
        var area = document.getElementById(pair[0]);
        area.value = option.getAttribute(i === 0 ? "data-in" : "data-out") || "";
        check(area, document.getElementById(pair[1]));
      });
    });
  }
})();
