// Shared helpers: the fixture server, Chromium, axe-core, screenshots.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const screenshots = new URL('./screenshots/', import.meta.url).pathname;
mkdirSync(screenshots, { recursive: true });

/** Starts the fixture server; resolves to { urls, stop }. */
export async function startFixture() {
  const bin = process.env.DELPHI_BROWSER_FIXTURE;
  if (!bin) throw new Error('DELPHI_BROWSER_FIXTURE is not set: run web/tests/run.sh');
  const child = spawn(bin, [], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
  });
  const urls = JSON.parse(first);
  // Wait until the server answers.
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${urls.base}/healthz`);
      if (res.ok) break;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { urls, stop: () => child.kill('SIGTERM') };
}

/** Launches Debian's Chromium. */
export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Collects console errors (CSP violations included) of a page. */
export function watchConsole(page) {
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  return errors;
}

/** Runs axe-core (WCAG 2.0/2.1/2.2 A and AA); returns serious and critical violations. */
export async function axe(page) {
  // Evaluated through the DevTools protocol, so the page's CSP does not apply to it.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Saves full-page screenshots at 360 px and 1280 px wide. */
export async function shoot(page, name) {
  const size = page.viewportSize();
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: `${screenshots}${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize(size);
}
