// The panellist pages for screen readers, keyboards and phones: Chromium's accessibility tree
// (each radio's name carries its label, the feedback describes the item), the scale in order
// at 360 px, the statement clear of the sticky bar after a Tab, arrows that never wrap, one
// save per settled choice, and axe-core with no violation of any impact on every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startFixture, launch, shoot, watchConsole, screenshots } from './support.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let fixture, browser;
before(async () => {
  fixture = await startFixture();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  fixture?.stop();
});

/** axe-core (WCAG 2.0-2.2 A and AA): every violation, whatever its impact. */
async function axeAll(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Counts PUT requests to the answers API. */
function countSaves(page) {
  const saves = [];
  page.on('request', (r) => { if (r.method() === 'PUT') saves.push(r.url()); });
  return saves;
}

test('Chromium names each radio with its label and describes it with the feedback', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(fixture.urls.round2[0]);
  const cdp = await context.newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const radios = nodes.filter((n) => n.role?.value === 'radio' && !n.ignored);
  assert.ok(radios.length >= 30, `radios in the tree: ${radios.length}`);
  const names = radios.map((n) => n.name?.value);
  assert.ok(names.includes('9 Critical'), names.slice(0, 12).join(' | '));
  assert.ok(names.includes('1 Not important'));
  assert.ok(names.includes('6 Important but not critical'));
  assert.ok(names.includes('Unable to rate'));
  // Every radio of an item with feedback sits in the item's group, described by the feedback.
  const described = radios.filter((radio) => {
    let node = radio;
    while (node && node.role?.value !== 'group') node = byId.get(node.parentId);
    return node && /Ratings per point: 1: \d+/.test(node.description?.value ?? '')
      && /Median \(middle rating\) \d/.test(node.description.value)
      && /middle half of the panel/.test(node.description.value);
  });
  // The new item (N1) has no feedback; every other item's ten radios are described.
  assert.ok(described.length >= radios.length - 10, `${described.length} of ${radios.length} described`);
  const group = nodes.find((n) => n.role?.value === 'group' && /^I2 /.test(n.name?.value ?? ''));
  assert.ok(group, 'the item is a group named by its statement');
  assert.match(group.description.value, /your rating 2/);
  await context.close();
});

test('at 360 px the scale is one ordered row and a Tab never lands under the sticky bar', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(fixture.urls.round2[1]);
  for (const id of ['#i-I2', '#i-I4']) {
    const boxes = await page.$$eval(`${id} .sc label`, (els) => els.map((e) => e.getBoundingClientRect().toJSON()));
    assert.equal(boxes.length, 9, `${id}: nine points`);
    for (let i = 1; i < boxes.length; i++) {
      assert.ok(Math.abs(boxes[i].top - boxes[0].top) < 1, `${id}: point ${i + 1} on the first row`);
      assert.ok(boxes[i].left > boxes[i - 1].left, `${id}: point ${i + 1} right of point ${i}`);
    }
    assert.ok(boxes[8].right <= 360, `${id}: the row fits the phone`);
    const unable = await page.$eval(`${id} label:has([value=u])`, (e) => e.getBoundingClientRect().toJSON());
    assert.ok(unable.top >= boxes[0].bottom, `${id}: "Unable to rate" below the row, never in it`);
  }
  await shoot(page, 'a11y-round2');
  // Five points, with and without "Unable to rate": one ordered row too.
  for (const [n, link] of fixture.urls.five.entries()) {
    await page.goto(link);
    const five = await page.$$eval('#i-A1 .sc label', (els) => els.map((e) => e.getBoundingClientRect().toJSON()));
    assert.equal(five.length, 5);
    for (let i = 1; i < 5; i++) {
      assert.ok(Math.abs(five[i].top - five[0].top) < 1 && five[i].left > five[i - 1].left, `five points in order (${n})`);
    }
    assert.ok(five[4].right <= 360);
    assert.equal(await page.$$eval('#i-A1 [value=u]', (els) => els.length), n === 0 ? 1 : 0);
    assert.equal(await page.getAttribute('#i-A1 [value="5"]', 'value'), '5');
    await page.screenshot({ path: `${screenshots}a11y-five-${n}-360.png` });
  }
  await page.goto(fixture.urls.round2[1]);
  await page.screenshot({ path: `${screenshots}a11y-scale-360.png`, clip: { x: 0, y: 0, width: 360, height: 800 } });

  // Tab from the top through several statements: each time focus is on a radio, its
  // statement is visible below the sticky progress bar.
  let checked = 0;
  for (let i = 0; i < 80 && checked < 6; i++) {
    await page.keyboard.press('Tab');
    const where = await page.evaluate(() => {
      const el = document.activeElement;
      if (el?.type !== 'radio') return null;
      const bar = document.getElementById('pg').getBoundingClientRect();
      const legend = el.closest('fieldset').querySelector('legend').getBoundingClientRect();
      const own = el.getBoundingClientRect();
      return { bar: bar.bottom, legend: legend.top, focus: own.top, height: innerHeight };
    });
    if (!where) continue;
    checked++;
    assert.ok(where.focus >= where.bar, `focused radio below the bar: ${JSON.stringify(where)}`);
    assert.ok(where.legend >= where.bar - 1 && where.legend < where.height, `statement visible: ${JSON.stringify(where)}`);
    if (checked === 3) await page.screenshot({ path: `${screenshots}a11y-tab-360.png` });
  }
  assert.equal(checked, 6, 'Tab reached six statements');
  assert.deepEqual(errors, []);
  await context.close();
});

test('arrows never wrap onto "Unable to rate"; one save per settled choice', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  const saves = countSaves(page);
  await page.goto(fixture.urls.round2[2]);
  // I6 is unrated: focus its first point, press the left arrow: nothing moves, nothing is chosen.
  await page.focus('input[name=r_I6][value="1"]');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.isChecked('input[name=r_I6][value=u]'), false, 'no wrap onto Unable to rate');
  assert.equal(await page.evaluate(() => document.activeElement.value), '1');
  // Five presses to the right, quickly: one choice (6), one save once the keys stop.
  await page.keyboard.press('Space');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await page.isChecked('input[name=r_I6][value="6"]'), true);
  await page.waitForFunction(() => /^Saved I6\./.test(document.getElementById('st').textContent));
  await page.waitForTimeout(1200);
  assert.deepEqual(saves.filter((u) => u.endsWith('/answers/I6')).length, 1, `saves: ${saves.join(', ')}`);
  // At the last point the right arrow reaches "Unable to rate" (next in order) and stops there.
  for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await page.isChecked('input[name=r_I6][value=u]'), true);
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.isChecked('input[name=r_I6][value=u]'), true, 'no wrap back to 1');
  // Leaving the statement settles the choice at once: the second save, not one per key.
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.getElementById('st').textContent.startsWith('Saved I6'));
  await page.waitForTimeout(1200);
  assert.equal(saves.filter((u) => u.endsWith('/answers/I6')).length, 2, `saves: ${saves.join(', ')}`);
  await page.reload();
  assert.equal(await page.isChecked('input[name=r_I6][value=u]'), true, 'the settled choice is stored');
  // The status region is polite and the progress is not a second live region.
  assert.equal(await page.getAttribute('#st', 'aria-live'), 'polite');
  assert.deepEqual(errors, []);
  await context.close();
});

test('axe-core finds no violation of any impact on any panellist page', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const check = async (name) => {
    assert.deepEqual(await axeAll(page), [], `${name}: no axe violation`);
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      assert.deepEqual(await axeAll(page), [], `${name} at ${width} px: no axe violation`);
    }
  };
  await page.goto(fixture.urls.round1[5]);
  await check('consent');
  // The round page has the consent page's address: wait for its form, not for the URL
  // (which matches before the POST's redirect has arrived).
  await page.click('text=I agree');
  await page.waitForSelector('form#f');
  await check('round 1');
  await page.check('input[name=r_I1][value="7"]');
  await Promise.all([page.waitForURL(/\/submit$/), page.click('text=Review and submit')]);
  await check('submit');
  await Promise.all([page.waitForURL(/n=submitted/), page.click('text=Submit my answers')]);
  await check('thank-you');
  await page.goto(`${fixture.urls.round1[5]}/withdraw`);
  await check('withdraw');
  await page.goto(fixture.urls.round2[0]);
  await page.click('#i-I2 summary >> nth=0').catch(() => {});
  await check('round 2 with feedback');
  await page.goto(fixture.urls.closed);
  await check('closed');
  await page.goto(fixture.urls.unknown);
  await check('not found');
  await context.close();
});
