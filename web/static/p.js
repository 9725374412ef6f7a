// Round page: autosave (one request per settled choice), progress, the reason prompt, arrow
// keys that never wrap, statements kept clear of the sticky progress bar.
// The page works without this script: the form posts every answer at once.
(function () {
  'use strict';
  var form = document.getElementById('f');
  if (!form || !window.fetch) return;
  var d = form.dataset, csrf = form.elements.csrf.value, distance = parseFloat(d.distance);
  var status = document.getElementById('st'), timers = {};
  // The status is a polite live region that changes once per save: it is read once.
  function say(text) { status.textContent = text; }
  function box(el) { return el.closest('[id^=i-]'); }
  function body(b) {
    var chosen = b.querySelector('input:checked'), v = chosen ? chosen.value : '';
    var c = b.querySelector('[name^=c_]'), x = b.querySelector('[name^=x_]');
    return { rating: v && v !== 'u' ? +v : null, unable_to_rate: v === 'u', comment: c && c.value, reason: x && x.value };
  }
  // Asks for a reason when the rating is further than the set distance from the panel median;
  // true when the prompt has just appeared (the status then reads it, once).
  function why(b) {
    var m = parseFloat(b.dataset.m), rating = body(b).rating, label = b.querySelector('.why');
    if (isNaN(m) || isNaN(distance)) return false;
    var far = rating !== null && Math.abs(rating - m) > distance, was = label && !label.hidden;
    if (far && !label) {
      label = document.createElement('label');
      label.className = 'why';
      label.textContent = d.why;
      label.appendChild(document.createElement('textarea')).name = 'x_' + b.id.slice(2);
      b.lastElementChild.before(label);
    }
    if (label) label.hidden = !far && !label.lastChild.value;
    return !!label && !label.hidden && !was;
  }
  function save(b, leaving) {
    clearTimeout(timers[b.id]);
    delete timers[b.id];
    var asked = b.ask;
    b.ask = false;
    send('/answers/' + encodeURIComponent(b.id.slice(2)), body(b), b.id.slice(2), asked, leaving);
  }
  function send(path, payload, code, asked, leaving) {
    fetch(d.api + path, {
      method: 'PUT', keepalive: !!leaving,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(payload)
    }).then(function (res) {
      // Refusals are JSON with the server's own words; any other body still names the status.
      return res.text().then(function (text) {
        var e = null;
        try { e = JSON.parse(text).error; } catch (x) { e = null; }
        say(res.ok ? 'Saved ' + code + '.' + (asked ? ' ' + d.why + '.' : '')
          : 'Not saved: ' + (e && e.message || 'the server answered ' + res.status + '.'));
      });
    }, function () {
      say('Not saved: no connection. “Save answers” saves everything when you are back online.');
    });
  }
  form.addEventListener('change', function (e) {
    var o = e.target.name || '', b = box(e.target);
    if (o.slice(0, 2) === 'o_') return send('/open/' + o.slice(2), { text: e.target.value }, 'your suggestion');
    if (!b) return;
    if (why(b)) b.ask = true;
    if (e.target.type !== 'radio') return save(b);
    // A page by section adds the items rated in the other sections (data-o).
    document.getElementById('rated').textContent = (+d.o || 0) + form.querySelectorAll('fieldset:has(input:checked)').length;
    // A choice settles when the keys stop for a moment, or when focus leaves the statement.
    clearTimeout(timers[b.id]);
    timers[b.id] = setTimeout(save, 800, b);
  });
  // Arrow keys move along the options in order and stop at the ends: never from the first
  // point round onto "Unable to rate", nor from it back to the first point.
  form.addEventListener('keydown', function (e) {
    var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key], t = e.target;
    if (!step || t.type !== 'radio' || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    var all = [].slice.call(form.querySelectorAll('[name="' + t.name + '"]')), next = all[all.indexOf(t) + step];
    if (!next) return;
    next.focus();
    next.checked = true;
    next.dispatchEvent(new Event('change', { bubbles: true }));
  });
  form.addEventListener('focusout', function (e) {
    var b = box(e.target);
    if (b && timers[b.id] && !b.contains(e.relatedTarget)) save(b);
  });
  // The sticky progress bar never covers the statement that focus lands in.
  form.addEventListener('focusin', function (e) {
    var l = box(e.target), top = document.getElementById('pg').getBoundingClientRect().bottom;
    if (!l) return;
    l = l.firstChild.getBoundingClientRect().top;
    if (l < top && e.target.getBoundingClientRect().bottom - l + top < innerHeight) scrollBy(0, l - top - 8);
  });
  // A choice still waiting is sent before the page goes (the plain form carries them all).
  addEventListener('pagehide', function () {
    for (var id in timers) save(document.getElementById(id), true);
  });
})();
