// Autosave for the round page: one request per change; the page works without this script.
(function () {
  'use strict';
  var form = document.getElementById('f');
  if (!form || !window.fetch) return;
  var api = form.getAttribute('data-api');
  var csrf = form.elements.csrf.value;
  var status = document.getElementById('st');
  var ratedEl = document.getElementById('rated');

  function say(text) { status.textContent = text; }

  function itemOf(el) { return el.closest('fieldset'); }

  function answerOf(box) {
    var code = box.id.slice(2);
    var chosen = box.querySelector('input[type=radio]:checked');
    var comment = box.querySelector('textarea[name^=c_]');
    var reason = box.querySelector('textarea[name^=x_]');
    var value = chosen ? chosen.value : '';
    return {
      code: code,
      body: {
        rating: value && value !== 'u' ? parseInt(value, 10) : null,
        unable_to_rate: value === 'u',
        comment: comment ? comment.value : null,
        reason: reason ? reason.value : null
      }
    };
  }

  function progress() {
    var n = 0;
    form.querySelectorAll('fieldset').forEach(function (box) {
      if (box.querySelector('input[type=radio]:checked')) n++;
    });
    ratedEl.textContent = n;
  }

  function askReason(box, body) {
    var why = box.querySelector('.why');
    var median = parseFloat(box.getAttribute('data-m'));
    var distance = parseFloat(form.getAttribute('data-distance'));
    if (!why || isNaN(median) || isNaN(distance)) return;
    why.hidden = !(body.rating !== null && Math.abs(body.rating - median) > distance);
  }

  function save(box) {
    var answer = answerOf(box);
    askReason(box, answer.body);
    say('Saving…');
    return fetch(api + '/answers/' + encodeURIComponent(answer.code), {
      method: 'PUT',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(answer.body)
    }).then(function (res) {
      return res.json().then(function (data) {
        if (res.ok) {
          say('Saved ' + answer.code + '.');
        } else {
          say('Not saved: ' + (data.error ? data.error.message : res.status));
        }
      });
    }).catch(function () {
      say('Not saved: no connection. Your answers will be saved when you press “Save answers”.');
    });
  }

  form.addEventListener('change', function (event) {
    var box = itemOf(event.target);
    if (!box) return;
    if (event.target.type === 'radio') progress();
    save(box);
  });
})();
