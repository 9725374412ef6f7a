// A round shown one section per page: keyboard only through every section, the review and
// the submission; the same without JavaScript; the item ledger; axe-core with no violation
// of any impact; screenshots at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startFixture, launch, shoot, watchConsole } from './support.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let fixture, browser;
before(async () => {
  fixture = await startFixture();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  fixture?.stop();
});

/** Every axe-core violation, whatever its impact (the panellist pages allow none). */
async function axeAll(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Presses Tab until `check(activeElement)` holds (at most `max` times). */
async function tabTo(page, check, arg = null, max = 200) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(check, arg)) return;
  }
  throw new Error(`focus never reached ${check}`);
}

/** The codes of the rated statements on the page, in order. */
function codesOn(page) {
  return page.$$eval('fieldset[id^=i-]:has(input[type=radio])', (els) => els.map((e) => e.id.slice(2)));
}

test('a round by section is done with the keyboard only: every section, the review, submit', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(fixture.urls.sections[0]);
  assert.equal(await page.textContent('h1'), 'Round 2, section 1 of 3');
  const ledger = await page.textContent('section.lg');
  assert.match(ledger, /What changed since round 1/);
  assert.match(ledger, /Agreed by the panel, not asked again/);
  assert.match(ledger, /I3r now reads “A clearer wording of statement 3\.”; it read “Statement 3:/);
  assert.match(ledger, /N1 A statement suggested by the panel\.\s*Why: Suggested in round 1 comments\./);
  assert.deepEqual(await axeAll(page), [], 'section 1 with the ledger: no violation');
  await shoot(page, 'sections-ledger');

  let rated = 0;
  for (let section = 1; section <= 3; section++) {
    assert.match(await page.textContent('#pg'), new RegExp(`^Section ${section} of 3 · ${rated} of \\d+ rated$`));
    const codes = await codesOn(page);
    assert.ok(codes.length > 0, `section ${section} has statements`);
    for (const code of codes) {
      await tabTo(page, (c) => document.activeElement?.name === `r_${c}`, code);
      await page.keyboard.press('Space');
      for (let i = 1; i < 7; i++) await page.keyboard.press('ArrowRight');
      rated++;
    }
    await page.keyboard.press('Tab');
    await page.waitForFunction((n) => document.getElementById('rated').textContent === String(n), rated);
    if (section === 2) {
      assert.deepEqual(await axeAll(page), [], 'section 2: no violation');
      await shoot(page, 'sections-section');
    }
    const button = section < 3 ? 'Save, next section' : 'Save, review and submit';
    await tabTo(page, (t) => document.activeElement?.textContent === t, button);
    const next = section < 3 ? new RegExp(`/section/${section + 1}$`) : /\/submit$/;
    await Promise.all([page.waitForURL(next), page.keyboard.press('Enter')]);
  }
  const review = await page.textContent('main');
  assert.match(review, new RegExp(`You have rated ${rated} of ${rated} statements`));
  assert.doesNotMatch(review, /These statements have no rating yet/);
  assert.deepEqual(await axeAll(page), [], 'review: no violation');
  await tabTo(page, () => document.activeElement?.textContent === 'Submit my answers');
  await Promise.all([page.waitForURL(/n=submitted/), page.keyboard.press('Enter')]);
  assert.match(await page.textContent('.notice'), /your answers are submitted/);
  assert.deepEqual(errors, [], 'no console errors (CSP included)');
  await context.close();
});

test('without JavaScript a round by section saves as one goes and the review links back', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await page.goto(fixture.urls.sections[1]);
  assert.match(await page.textContent('#pg'), /^Section 1 of 3 · 0 of \d+ rated$/);
  const first = await codesOn(page);
  for (const code of first) await page.check(`input[name=r_${code}][value="8"]`);
  await Promise.all([page.waitForURL(/\/section\/2$/), page.click('text=Save, next section')]);
  assert.match(await page.textContent('#pg'), new RegExp(`^Section 2 of 3 · ${first.length} of \\d+ rated$`));
  // Back to section 1: its answers were saved by the form.
  await Promise.all([page.waitForURL(/\/section\/1$/), page.click('text=Save, previous section')]);
  for (const code of first) assert.equal(await page.isChecked(`input[name=r_${code}][value="8"]`), true);
  await Promise.all([page.waitForURL(/\/section\/2$/), page.click('text=Save, next section')]);
  await Promise.all([page.waitForURL(/\/section\/3$/), page.click('text=Save, next section')]);
  await Promise.all([page.waitForURL(/\/submit$/), page.click('text=Save, review and submit')]);
  assert.match(await page.textContent('main'), /These statements have no rating yet/);
  await shoot(page, 'sections-review');
  // The first unrated statement's link opens its section at the statement.
  const link = page.locator('.warn li a').first();
  const code = await link.textContent();
  await Promise.all([page.waitForURL(/\/section\/2#i-/), link.click()]);
  assert.equal(await page.isVisible(`#i-${code}`), true);
  const missing = await page.goto(`${fixture.urls.sections[1]}/section/9`);
  assert.equal(missing.status(), 404);
  assert.match(await page.textContent('main'), /This round has 3 sections, numbered 1 to 3/);
  await context.close();

  // axe-core runs as a script: the same pages, scanned with JavaScript on.
  const scan = await browser.newContext({ viewport: { width: 360, height: 800 } });
  const checked = await scan.newPage();
  for (const path of ['/submit', '/section/9']) {
    await checked.goto(`${fixture.urls.sections[1]}${path}`);
    assert.deepEqual(await axeAll(checked), [], `${path}: no violation`);
  }
  await scan.close();
});
