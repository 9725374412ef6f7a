// Round 1's "is anything missing?" and the background questions, in Chromium at 360 and
// 1280 px: consent leads to the questionnaire, a number out of range is refused with the
// question named, the round page asks what is missing per section and overall (saved by the
// script), and the planner shows a suggestion turned into an item. axe-core: no violation
// of any impact on the panellist pages; none serious or critical on the planner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, launch, axe, shoot, watchConsole } from './support.mjs';

/** Every axe-core violation, whatever its impact (WCAG A/AA and best practices). */
async function axeAll(page) {
  await axe(page); // loads axe-core into the page
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('background questions after consent, and what is missing in round 1', async () => {
  const fixture = await startFixture();
  const browser = await launch();
  try {
    const [link] = fixture.urls.questions;
    const page = await (await browser.newContext({ viewport: { width: 360, height: 800 } })).newPage();
    await page.goto(link);
    await Promise.all([page.waitForURL(/\/background$/), page.click('button:has-text("I agree")')]);
    assert.match(await page.textContent('h1'), /About you/);
    assert.deepEqual(await axeAll(page), [], 'background page: no violation');
    await shoot(page, 'questions-background');

    // A number out of range: refused, the question named, nothing kept.
    await page.check('input[name=b_role][value=Manager]');
    await page.fill('#b-years', '61');
    await page.evaluate(() => document.querySelector('#b-years').removeAttribute('max'));
    await page.click('button:has-text("Save and continue")');
    assert.match(await page.textContent('[role=alert]'), /Years in this role \(years\): 61 is outside 0 to 60/);
    assert.deepEqual(await axeAll(page), [], 'refused background page: no violation');
    await shoot(page, 'questions-background-refused');
    // From here on, no console error (the refusal above is a 422 page by design).
    const errors = watchConsole(page);

    await page.check('input[name=b_role][value=Manager]');
    await page.check('input[name="b_areas.0"]');
    await page.fill('#b-years', '6');
    await Promise.all([page.waitForURL(/n=saved/), page.click('button:has-text("Save and continue")')]);
    assert.match(await page.textContent('h1'), /Round 1/);
    assert.equal(await page.locator('a[href$="/background"]').count(), 0, 'asked once');

    // The open questions: three sections and one for the whole round, saved as one goes.
    assert.equal(await page.locator('textarea[name^=o_]').count(), 4);
    await page.fill('#o1', 'Peer support <b>groups</b>');
    await page.locator('#o1').blur();
    await page.waitForFunction(() => document.getElementById('st').textContent.includes('Saved your suggestion'));
    assert.deepEqual(await axeAll(page), [], 'round page with open questions: no violation');
    await page.locator('#o0').scrollIntoViewIfNeeded();
    await shoot(page, 'questions-round1-open');
    await page.reload();
    assert.equal(await page.inputValue('#o1'), 'Peer support <b>groups</b>', 'saved by the script');
    assert.deepEqual(errors, [], 'no console error');
  } finally {
    await browser.close();
    fixture.stop();
  }
});

test('the planner lists the suggestions and one turned into an item', async () => {
  const fixture = await startFixture();
  const browser = await launch();
  try {
    const { admin, suggest } = fixture.urls;
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(admin.login);
    await page.fill('#email', admin.email);
    await page.fill('#password', admin.password);
    await Promise.all([page.waitForURL(/\/admin$/), page.click('button:has-text("Sign in")')]);
    const errors = watchConsole(page);
    await page.goto(suggest);
    const table = await page.textContent('#suggestions + table');
    assert.match(table, /Patient level\s*P001\s*Link workers\s*Peer support groups for link workers\s*Added as I7/);
    assert.match(table, /Whole round\s*P004\s*.*Nothing on <b>transport<\/b> to activities\s*None yet/);
    assert.match(await page.textContent('#added + ul'), /From suggestion by P001 \(Patient level\)/);
    assert.deepEqual(await axe(page), [], 'planner: no serious or critical violations');
    await page.locator('#suggestions').scrollIntoViewIfNeeded();
    await shoot(page, 'questions-planner');
    assert.deepEqual(errors, [], 'no console error');
  } finally {
    await browser.close();
    fixture.stop();
  }
});
