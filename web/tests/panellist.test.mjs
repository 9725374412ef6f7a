// The panellist pages in a real browser: keyboard only, reload, submission, round-2
// feedback, the same flow without JavaScript, axe-core scans and screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, launch, axe, shoot, watchConsole } from './support.mjs';

let fixture, browser;
before(async () => {
  fixture = await startFixture();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  fixture?.stop();
});

/** Presses Tab until `check(activeElement)` holds (at most `max` times). */
async function tabTo(page, check, arg = null, max = 200) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(check, arg)) return;
  }
  throw new Error(`focus never reached ${check}`);
}

/** Counts PUT requests in flight so a test can wait for autosave to finish. */
function trackSaves(page) {
  let pending = 0;
  page.on('request', (r) => { if (r.method() === 'PUT') pending++; });
  const done = (r) => { if (r.method() === 'PUT') pending--; };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return async () => {
    // A choice is saved once it settles (the script waits 800 ms after the last key).
    await page.waitForTimeout(1000);
    for (let i = 0; i < 100 && pending > 0; i++) await page.waitForTimeout(50);
    assert.equal(pending, 0, 'autosave requests finished');
  };
}

const codes = ['I1', 'I2', 'I3', 'I4', 'I5', 'I6'];
const wanted = { I1: 7, I2: 3, I3: 9, I4: 1, I5: 5, I6: 8 };

test('a panellist completes round 1 with the keyboard only; answers survive a reload', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  const settled = trackSaves(page);
  await page.goto(fixture.urls.round1[0]);

  assert.match(await page.textContent('h1'), /Leadership for social prescribing/);
  assert.deepEqual(await axe(page), [], 'consent page: no serious or critical violations');
  await shoot(page, 'consent');
  await tabTo(page, () => document.activeElement?.textContent?.includes('I agree'));
  await page.keyboard.press('Enter');
  await page.waitForSelector('form#f'); // the round page has the consent page's address

  assert.equal(await page.textContent('#pg'), '0 of 6 rated');
  assert.deepEqual(await axe(page), [], 'rating page: no serious or critical violations');
  await shoot(page, 'rating');

  for (const code of codes) {
    await tabTo(page, (c) => document.activeElement?.name === `r_${c}`, code);
    // Tab lands on the first point of an unanswered group; Space chooses it, arrows move.
    await page.keyboard.press('Space');
    for (let i = 1; i < wanted[code]; i++) await page.keyboard.press('ArrowRight');
    if (code === 'I2') {
      await page.keyboard.press('Tab'); // the comment box
      await page.keyboard.type('Typed with the keyboard.');
    }
  }
  await page.keyboard.press('Tab'); // leaving the last box fires its change
  await settled();
  assert.equal(await page.textContent('#pg'), '6 of 6 rated');
  assert.match(await page.textContent('#st'), /^Saved/);
  assert.deepEqual(errors, [], 'no console errors (CSP included)');

  await page.reload();
  for (const code of codes) {
    const checked = await page.$eval(`input[name=r_${code}]:checked`, (el) => el.value);
    assert.equal(checked, String(wanted[code]), `${code} kept after reload`);
  }
  assert.equal(await page.inputValue('textarea[name=c_I2]'), 'Typed with the keyboard.');
  assert.equal(await page.textContent('#pg'), '6 of 6 rated');

  await tabTo(page, () => document.activeElement?.textContent === 'Review and submit');
  await Promise.all([page.waitForURL(/\/submit$/), page.keyboard.press('Enter')]);
  assert.match(await page.textContent('main'), /You have rated 6 of 6/);
  await tabTo(page, () => document.activeElement?.textContent === 'Submit my answers');
  await Promise.all([page.waitForURL(/n=submitted/), page.keyboard.press('Enter')]);
  assert.match(await page.textContent('.notice'), /your answers are submitted/);
  await context.close();
});

test('the same flow works with JavaScript disabled', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(fixture.urls.round1[1]);
  await page.click('text=I agree');
  await page.waitForSelector('form#f'); // the round page has the consent page's address
  for (const code of codes.slice(0, 5)) {
    await page.check(`input[name=r_${code}][value="${wanted[code]}"]`);
  }
  await page.check('input[name=r_I5][value=u]');
  await page.fill('textarea[name=c_I1]', 'Without JavaScript.');
  await Promise.all([page.waitForURL(/n=saved/), page.click('text=Save answers')]);
  assert.match(await page.textContent('.notice'), /saved/);
  await page.reload();
  assert.equal(await page.isChecked(`input[name=r_I1][value="7"]`), true);
  assert.equal(await page.isChecked('input[name=r_I5][value=u]'), true);
  assert.equal(await page.inputValue('textarea[name=c_I1]'), 'Without JavaScript.');
  assert.equal(await page.textContent('#pg'), '5 of 6 rated');

  await Promise.all([page.waitForURL(/\/submit$/), page.click('text=Review and submit')]);
  const confirm = await page.textContent('main');
  assert.match(confirm, /These statements have no rating yet/);
  assert.match(confirm, /I6/);
  assert.doesNotMatch(confirm, /I1 Statement/);
  await Promise.all([page.waitForURL(/n=submitted/), page.click('text=Submit my answers')]);
  assert.match(await page.textContent('.notice'), /submitted/);
  await context.close();
});

test('a round-2 page shows the previous ratings and the panel feedback', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  const settled = trackSaves(page);
  await page.goto(fixture.urls.round2[0]);
  assert.equal(await page.textContent('h1'), 'Round 2');
  const feedback = await page.$$eval('.fb', (els) => els.map((e) => e.textContent));
  assert.ok(feedback.length >= 3, 'feedback beside the items');
  assert.ok(feedback.some((t) => /your rating \d/.test(t)), 'own previous rating');
  assert.ok(feedback.some((t) => /Median \(middle rating\) \d+; middle half of the panel \d/.test(t)), 'panel median and middle half');
  assert.ok(feedback.some((t) => /By group: Link workers/.test(t)), 'group medians');
  const charts = await page.$$eval('svg.d', (els) => els.map((e) => e.getAttribute('aria-label')));
  assert.ok(charts.length >= 3 && charts.every((l) => /^Ratings per point: 1: \d+/.test(l)));
  assert.match(await page.textContent('main'), /New/);
  assert.deepEqual(await axe(page), [], 'feedback page: no serious or critical violations');
  await shoot(page, 'feedback');

  // A rating far from the panel median asks for a reason, which is saved with it.
  await page.check('input[name=r_I4][value="1"]');
  await page.waitForSelector('#i-I4 .why:not([hidden]) textarea');
  await page.fill('#i-I4 .why textarea', 'Different experience.');
  await page.click('#i-I4 legend');
  await settled();
  await page.reload();
  assert.equal(await page.inputValue('textarea[name=x_I4]'), 'Different experience.');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the closed and not-found pages are clear and accessible', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(fixture.urls.closed);
  assert.match(await page.textContent('h1'), /Round 1 has closed/);
  assert.match(await page.textContent('main'), /kept and counted/);
  assert.deepEqual(await axe(page), [], 'closed page: no serious or critical violations');
  await shoot(page, 'closed');
  const response = await page.goto(fixture.urls.unknown);
  assert.equal(response.status(), 404);
  assert.deepEqual(await axe(page), []);
  await context.close();
});

test('a researcher signs in and reads the dashboard; the pages are accessible', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const { admin } = fixture.urls;
  await page.goto(admin.login);
  assert.equal(await page.textContent('h1'), 'Sign in');
  assert.deepEqual(await axe(page), [], 'sign-in page: no serious or critical violations');
  await page.fill('#email', admin.email);
  await page.fill('#password', 'not the password');
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Sign in")')]);
  // The refused sign-in answers 403, which the browser logs; watch the console from here on.
  assert.match(await page.textContent('[role=alert]'), /email or password is not right/);
  const errors = watchConsole(page);
  await page.fill('#password', admin.password);
  await Promise.all([page.waitForURL(/\/admin$/), page.click('button:has-text("Sign in")')]);
  assert.match(await page.textContent('main'), /Leadership for social prescribing/);
  assert.deepEqual(await axe(page), [], 'studies page: no serious or critical violations');

  await page.goto(admin.study);
  assert.match(await page.textContent('main'), /Response per round/);
  assert.match(await page.textContent('main'), /Email in round 2/);
  assert.deepEqual(await axe(page), [], 'dashboard: no serious or critical violations');
  await shoot(page, 'admin-dashboard');
  await Promise.all([page.waitForURL(/\/remind$/), page.click('text=Remind everyone who has not submitted')]);
  assert.match(await page.textContent('main'), /Who will be reminded/);
  await Promise.all([page.waitForURL(/done=reminded/), page.click('button:has-text("reminders")')]);
  assert.match(await page.textContent('[role=status]'), /reminders queued/);

  await Promise.all([page.waitForURL(/emails\/reminder$/), page.click('a:has-text("Reminder")')]);
  assert.deepEqual(await axe(page), [], 'email wording page: no serious or critical violations');
  await page.fill('#subject', 'Still time: {{study_title}}');
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Preview")')]);
  assert.match(await page.textContent('main'), /Subject: Still time: Leadership/);
  await shoot(page, 'admin-email');
  assert.deepEqual(errors, [], 'no console errors (CSP included)');
  await context.close();
});
