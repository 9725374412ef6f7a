// Round page: autosave (one request per change), progress, the reason prompt.
// The page works without this script: the form posts every answer at once.
(function () {
  'use strict';
  var form = document.getElementById('f');
  if (!form || !window.fetch) return;
  var api = form.dataset.api, csrf = form.elements.csrf.value;
  var distance = parseFloat(form.dataset.distance);
  var status = document.getElementById('st'), rated = document.getElementById('rated');
  function say(text) { status.textContent = text; }
  function progress() {
    // A page by section adds the items rated in the other sections (data-o).
    rated.textContent = (+form.dataset.o || 0) + form.querySelectorAll('fieldset:has(input:checked)').length;
  }
  function body(box) {
    var chosen = box.querySelector('input:checked'), v = chosen ? chosen.value : '';
    var c = box.querySelector('[name^=c_]'), x = box.querySelector('[name^=x_]');
    return {
      rating: v && v !== 'u' ? parseInt(v, 10) : null,
      unable_to_rate: v === 'u',
      comment: c ? c.value : null,
      reason: x ? x.value : null
    };
  }
  // Ask for a reason when the rating is further than the set distance from the panel median.
  function why(box, b) {
    var median = parseFloat(box.dataset.m);
    if (isNaN(median) || isNaN(distance)) return;
    var far = b.rating !== null && Math.abs(b.rating - median) > distance;
    var label = box.querySelector('.why');
    if (far && !label) {
      label = document.createElement('label');
      label.className = 'why';
      label.textContent = form.dataset.why;
      var area = document.createElement('textarea');
      area.name = 'x_' + box.id.slice(2);
      label.appendChild(area);
      box.querySelector('.sc').after(label);
    }
    if (label) label.hidden = !far && !label.querySelector('textarea').value;
  }
  function save(box) {
    var b = body(box), code = box.id.slice(2);
    why(box, b);
    send('/answers/' + encodeURIComponent(code), b, code);
  }
  function send(path, b, code) {
    say('Saving…');
    fetch(api + path, {
      method: 'PUT',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(b)
    }).then(function (res) {
      // Every refusal is JSON with the server's own words; a body that is not JSON still
      // gets its status named (it is not a lost connection).
      return res.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = null; }
        if (res.ok) { say('Saved ' + code + '.'); return; }
        var message = data && data.error && data.error.message;
        say('Not saved: ' + (message || 'the server answered ' + res.status + '.'));
      });
    }, function () {
      say('Not saved: no connection. Press “Save answers” to save everything when you are back online.');
    });
  }
  form.addEventListener('change', function (e) {
    var o = e.target.name || '';
    if (o.slice(0, 2) === 'o_') return send('/open/' + o.slice(2), { text: e.target.value }, 'your suggestion');
    var box = e.target.closest('fieldset');
    if (!box) return;
    if (e.target.type === 'radio') progress();
    save(box);
  });
})();
