// The consensus report in a real browser: a generated report file (the delphi-report
// example `sample_report`) opens with no console error and no request but the file itself,
// passes axe-core, prints to PDF (pages counted), and leaves screenshots and a PNG of the
// first printed page in screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { launch, axe, shoot, watchConsole, screenshots } from './support.mjs';

const file = process.env.DELPHI_SAMPLE_REPORT;
let browser;
before(async () => {
  if (!file) throw new Error('DELPHI_SAMPLE_REPORT is not set: run web/tests/run.sh');
  browser = await launch();
});
after(async () => { await browser?.close(); });

/** Pages of a PDF as Chromium writes it: one `/Type /Page` object per page. */
function pdfPages(pdf) {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
}

test('the report opens offline, is accessible, and prints to PDF', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const url = pathToFileURL(file).href;
  const requests = [];
  await context.route('**/*', (route) => {
    const asked = route.request().url();
    requests.push(asked);
    return asked === url ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(url);

  assert.match(await page.textContent('h1'), /Leadership for social prescribing link workers/);
  const sections = await page.$$eval('main > section', (s) => s.map((x) => x.id));
  assert.deepEqual(sections, ['summary', 'protocol', 'participants', 'rounds', 'ledger', 'results',
    'final', 'stability', 'attrition', 'sensitivity', 'checklist']);
  // Every distribution chart has a name and all nine scale points on its axis.
  const charts = await page.$$eval('svg.dist', (all) => all.map((svg) => ({
    name: svg.getAttribute('aria-label'),
    title: svg.querySelector('title')?.textContent,
    points: [...svg.querySelectorAll('text.pt')].map((t) => t.textContent).join(','),
  })));
  assert.ok(charts.length > 20, `${charts.length} charts`);
  for (const c of charts) {
    assert.match(c.name, /^Ratings of \S+ in round \d$/);
    assert.equal(c.title, c.name);
    assert.equal(c.points, '1,2,3,4,5,6,7,8,9');
  }
  assert.equal(await page.$$eval('svg.flow', (s) => s.length), 1);
  assert.deepEqual(await axe(page), [], 'report: no serious or critical violations');
  await shoot(page, 'report');

  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  const pages = pdfPages(pdf);
  assert.ok(pages >= 1, `${pages} pages`);
  writeFileSync(`${screenshots}report.pdf`, pdf);
  // The first printed page: print media on an A4-sized viewport (96 dpi).
  await page.emulateMedia({ media: 'print' });
  await page.setViewportSize({ width: 794, height: 1123 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${screenshots}report-print-page1.png` });

  assert.deepEqual(errors, [], 'no console errors');
  assert.deepEqual([...new Set(requests)], [url], 'the file is the only request');
  await context.close();
  console.log(`report: ${charts.length} charts, PDF of ${pages} pages`);
});
