// The round console as a researcher uses it: the monitor updates without a reload when a
// panellist saves, reminders after a confirmation, the deadline moved, the round closed
// after a confirmation, the results filtered by group, the audit log filtered by kind;
// every page at 360 and 1280 px, axe-core clean, no console error (CSP included).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, launch, axe, shoot, watchConsole } from './support.mjs';

let fixture;
let browser;

before(async () => {
  fixture = await startFixture();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  fixture?.stop();
});

async function checked(page, name) {
  assert.deepEqual(await axe(page), [], `${name}: no serious or critical violations`);
  await shoot(page, name);
}

test('a researcher runs round 2 from the monitor to the results', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  const { admin } = fixture.urls;
  await page.goto(admin.login);
  await page.fill('#email', admin.email);
  await page.fill('#password', admin.password);
  await Promise.all([page.waitForURL(/\/admin$/), page.click('button:has-text("Sign in")')]);

  await page.goto(`${admin.study}/rounds/2`);
  assert.match(await page.textContent('h1'), /Round 2/);
  const started = 'tr[data-group="ALL"] [data-f=started]';
  const before = Number(await page.textContent(started));
  await checked(page, 'console-monitor');

  // A panellist saves an answer in another window: the monitor shows it without a reload.
  const panellist = await context.newPage();
  await panellist.goto(fixture.urls.round2[1]);
  await panellist.check('input[type=radio] >> nth=0');
  await panellist.waitForFunction(() => /^Saved/.test(document.querySelector('#st')?.textContent || ''));
  await panellist.close();
  await page.waitForFunction(
    ([sel, n]) => Number(document.querySelector(sel).textContent) === n + 1,
    [started, before],
    { timeout: 20000 },
  );
  assert.match(await page.textContent('#stamp'), /Updated at/);

  await Promise.all([page.waitForURL(/\/remind$/), page.click('text=Remind those who have not submitted')]);
  assert.match(await page.textContent('main'), /Who will be reminded/);
  await checked(page, 'console-remind');
  await Promise.all([page.waitForURL(/done=reminded/), page.click('button:has-text("reminders")')]);
  assert.match(await page.textContent('[role=status]'), /reminders queued/);

  await page.goto(`${admin.study}/rounds/2`);
  await page.fill('#deadline', '2099-06-01T17:00');
  await Promise.all([page.waitForURL(/done=extended/), page.click('button:has-text("Extend the deadline")')]);
  assert.match(await page.textContent('.notice'), /deadline is moved/);
  assert.match(await page.textContent('main'), /Deadline: 1 Jun 2099 17:00 UTC/);

  await Promise.all([page.waitForURL(/\/close$/), page.click('text=Close round 2')]);
  assert.match(await page.textContent('main'), /cannot be undone/);
  await checked(page, 'console-close');
  await Promise.all([page.waitForURL(/\/results$/), page.click('button:has-text("Close round 2 now")')]);
  assert.match(await page.textContent('h1'), /Results of round 2/);
  assert.ok((await page.$$('svg.chart')).length > 6, 'a chart per item and group');
  await checked(page, 'console-results');

  await page.selectOption('select[name=group]', 'managers');
  await Promise.all([page.waitForURL(/group=managers/), page.click('button:has-text("Show")')]);
  const rows = await page.$$eval('section.item tbody th', (ths) => ths.map((t) => t.textContent));
  assert.ok(rows.includes('Managers and supervisors'));
  assert.ok(!rows.includes('Link workers'), 'only the chosen group');
  await checked(page, 'console-results-managers');

  await page.goto(`${admin.study}/audit`);
  assert.match(await page.textContent('main'), /round\.closed/);
  await page.selectOption('select[name=kind]', 'round.deadline_extended');
  await Promise.all([page.waitForURL(/kind=round.deadline_extended/), page.click('button:has-text("Show")')]);
  assert.match(await page.textContent('[role=status]'), /^1 of \d+ entries/);
  await checked(page, 'console-audit');
  assert.deepEqual(errors, [], 'no console errors (CSP included)');
  await context.close();
});
