// The researcher between two rounds, in Chromium: from the fixture's study with round 2 open
// and answered, close round 2, moderate its comments (release two, hide one, release one
// edited), plan round 3 (reword one item, drop one, add one from a comment), preview it as
// a panellist, open it, see the panellist's round-3 page, then complete the study.
// Screenshots of each page at 360 and 1280 px; axe-core on each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, launch, axe, shoot, watchConsole } from './support.mjs';

/** Calls the researcher API from the page (its session cookie, the page's CSRF value). */
async function api(page, method, path, body) {
  return page.evaluate(async ([method, path, body]) => {
    const csrf = document.querySelector('input[name=csrf]')?.value ?? '';
    const res = await fetch(path, {
      method,
      headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }, [method, path, body]);
}

async function click(page, selector, url) {
  await Promise.all([page.waitForURL(url), page.click(selector)]);
}

test('a researcher takes the study from round 2 to round 3 and completes it', async () => {
  const fixture = await startFixture();
  const browser = await launch();
  try {
    const { admin, plan } = fixture.urls;
    const apiBase = `/api/v1/studies/${plan.slug}`;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(admin.login);
    await page.fill('#email', admin.email);
    await page.fill('#password', admin.password);
    await click(page, 'button:has-text("Sign in")', /\/admin$/);
    const errors = watchConsole(page);

    // Close round 2 (the round console's API).
    await page.goto(plan.study);
    const closed = await api(page, 'POST', `${apiBase}/close`, {});
    assert.equal(closed.status, 200, JSON.stringify(closed.body));

    // Comments: release two, hide one, release one edited.
    await page.goto(`${plan.study}/comments`);
    assert.match(await page.textContent('h1'), /Comments of round 2/);
    assert.deepEqual(await axe(page), [], 'comments page: no serious or critical violations');
    await shoot(page, 'planner-comments');
    const line = (text) => `ul.comments li:has-text("${text}")`;
    await click(page, `${line('the wording is clear now')} button[value=release]`, /done=decided/);
    await click(page, `${line('rural practices')} button[value=release]`, /done=decided/);
    await click(page, `${line('off-topic remark')} button[value=hide]`, /done=decided/);
    await page.click(`${line('Dr Jane Doe')} summary`);
    await page.fill(`${line('Dr Jane Doe')} textarea`, 'Round 2: as a colleague at our clinic says, time is the issue.');
    await click(page, `${line('Dr Jane Doe')} button[value=edit]`, /done=decided/);
    const moderated = await page.textContent('main');
    assert.match(moderated, /released, edited/);
    assert.match(moderated, /hidden/);
    await shoot(page, 'planner-comments-decided');

    // The planner: reword one carried item, drop another, add one from a comment.
    await page.goto(`${plan.study}/plan`);
    assert.match(await page.textContent('h1'), /Plan round 3/);
    const proposal = (await api(page, 'GET', `${apiBase}/plan`)).body;
    const carried = proposal.items.filter((i) => i.proposal === 'carry').map((i) => i.code);
    assert.ok(carried.length >= 2, JSON.stringify(proposal.items));
    const [reword, drop] = carried;
    await page.click(`#p-${reword} details summary`);
    await page.selectOption(`#k-${reword}`, 'reword');
    await page.fill(`#n-${reword}`, `${reword}x`);
    await page.fill(`#t-${reword}`, 'A plainer wording agreed after round 2.');
    await page.fill(`#r-${reword}`, 'Panellists asked for plainer words.');
    await click(page, `#p-${reword} button:has-text("Save the change")`, /\/plan$/);
    await page.click(`#p-${drop} details summary`);
    await page.selectOption(`#k-${drop}`, 'drop');
    await page.fill(`#r-${drop}`, 'Overlaps another statement.');
    await click(page, `#p-${drop} button:has-text("Save the change")`, /\/plan$/);
    const source = proposal.sources.find((s) => s.text.includes('funding'));
    assert.ok(source, 'the funding comment is a possible source');
    await page.fill('#a-code', 'F1');
    await page.fill('#a-section', 'Funding');
    await page.fill('#a-text', 'Link workers have secure funding for at least three years.');
    await page.selectOption('#a-from', `${source.item}/${source.pseudonym}`);
    await page.fill('#a-reason', 'Suggested by a panellist in round 2.');
    await click(page, '#add button', /\/plan$/);
    const planned = await page.textContent('main');
    assert.match(planned, /1 new, 1 reworded/);
    assert.match(planned, new RegExp(`${source.item}, comment by ${source.pseudonym}`));
    assert.deepEqual(await axe(page), [], 'planner: no serious or critical violations');
    await shoot(page, 'planner-plan');

    // Preview as the first panellist (P001).
    await page.selectOption('#pv', 'P001');
    await click(page, 'button:has-text("Preview")', /preview\?panellist=P001/);
    const preview = await page.textContent('main');
    assert.match(preview, /Preview: this is the page as the panellist will see it/);
    assert.match(preview, /A plainer wording agreed after round 2/);
    assert.match(preview, /as a colleague at our clinic says/);
    assert.doesNotMatch(preview, /Dr Jane Doe|off-topic remark/);
    assert.equal(await page.locator('fieldset.pv[disabled]').count(), 1, 'read-only');
    assert.deepEqual(await axe(page), [], 'preview: no serious or critical violations');
    await shoot(page, 'planner-preview');

    // Open round 3 after the confirmation.
    await page.goto(`${plan.study}/plan/open`);
    assert.match(await page.textContent('main'), /queues one invitation for each/);
    assert.deepEqual(await axe(page), [], 'open confirmation: no serious or critical violations');
    await shoot(page, 'planner-open');
    await click(page, 'button:has-text("Open round 3")', new RegExp(`/admin/studies/${plan.slug}$`));

    // The panellist's round-3 page.
    const panel = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const mine = await panel.newPage();
    await mine.goto(plan.panellist);
    const round3 = await mine.textContent('main');
    assert.match(round3, /Round 3/);
    assert.match(round3, /the wording is clear now/);
    assert.match(round3, /rural practices/);
    assert.match(round3, /as a colleague at our clinic says/);
    assert.doesNotMatch(round3, /Dr Jane Doe|off-topic remark/);
    assert.match(round3, /A plainer wording agreed after round 2/);
    assert.match(round3, /Reworded\. Earlier wording:/);
    assert.match(round3, /Link workers have secure funding/);
    assert.deepEqual(await axe(mine), [], 'round 3: no serious or critical violations');
    await shoot(mine, 'planner-panellist-round-3');
    await panel.close();

    // Close round 3, then complete the study with a reason.
    const closed3 = await api(page, 'POST', `${apiBase}/close`, {});
    assert.equal(closed3.status, 200, JSON.stringify(closed3.body));
    await page.goto(`${plan.study}/complete`);
    assert.match(await page.textContent('main'), /maximum rounds reached/);
    assert.deepEqual(await axe(page), [], 'complete page: no serious or critical violations');
    await shoot(page, 'planner-complete');
    await click(page, 'button:has-text("Complete the study")', new RegExp(`/admin/studies/${plan.slug}$`));
    assert.match(await page.textContent('main'), /completed/);
    assert.deepEqual(errors, [], 'no console errors (CSP included)');
    await context.close();
  } finally {
    await browser.close();
    fixture.stop();
  }
});
