// The Exports page in a real browser: reached from the dashboard, accessible at 360 and
// 1280 px, and its downloads arrive as files with their names (the contact list too, for
// the owner the fixture signs in).
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

test('the exports page lists every download and each arrives as a named file', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const { admin } = fixture.urls;
  await page.goto(admin.login);
  await page.fill('#email', admin.email);
  await page.fill('#password', admin.password);
  await Promise.all([page.waitForURL(/\/admin$/), page.click('button:has-text("Sign in")')]);
  const errors = watchConsole(page);

  await page.goto(admin.study);
  await Promise.all([page.waitForURL(/\/exports$/), page.click('a:has-text("Exports and the consensus report")')]);
  assert.equal(await page.textContent('h1'), 'Exports');
  assert.match(await page.textContent('main'), /Results exist for 1 closed round\./);
  const links = await page.$$eval('.downloads h3 a', (as) => as.map((a) => a.getAttribute('download')));
  assert.deepEqual(links, [
    'browser-round-2-report.html', 'browser-round-2-responses.csv', 'browser-round-2-results.csv',
    'browser-round-2-study.xlsx', 'browser-round-2-study.json', 'browser-round-2-codebook.md',
    'browser-round-2-responses.sps', 'browser-round-2-responses.R',
  ]);
  assert.deepEqual(await axe(page), [], 'exports page: no serious or critical violations');
  await shoot(page, 'admin-exports');

  // A download by its link, the responses CSV with choices, and the owner's contact list.
  const [report] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Consensus report (HTML)")')]);
  assert.equal(report.suggestedFilename(), 'browser-round-2-report.html');
  await page.check('input[name=comments]');
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Download with these choices")')]);
  assert.equal(csv.suggestedFilename(), 'browser-round-2-responses.csv');
  const { readFile } = await import('node:fs/promises');
  const header = (await readFile(await csv.path(), 'utf8')).split('\n')[0];
  assert.match(header, /,comment,outlier_reason,/);
  const [contacts] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Download the contact list")')]);
  assert.equal(contacts.suggestedFilename(), 'browser-round-2-contacts.csv');
  assert.match(await readFile(await contacts.path(), 'utf8'), /^pseudonym,name,email\n/);
  assert.deepEqual(errors, [], 'no console errors (CSP included)');
  await context.close();
});
