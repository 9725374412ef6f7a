// Setting a study up in the browser (issue 13): the link-worker study created by form, again
// from the study folder's files, again from a workbook; a bad panel file and its line errors;
// the rule set with the preview; round 1 opened and the lock shown; the rule amended with a
// reason; a member added by email sets a password from the emailed link and signs in, and a
// forgotten password is reset by email. axe-core on every page, screenshots at 360 and 1280 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readFileSync, readdirSync } from 'node:fs';
import { startFixture, launch, axe, shoot, watchConsole } from './support.mjs';

const example = (name) => fileURLToPath(new URL(`../../examples/splw-leadership/${name}`, import.meta.url));

let fixture, browser;
before(async () => {
  fixture = await startFixture();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  fixture?.stop();
});

async function signIn(page) {
  const { admin } = fixture.urls;
  await page.goto(admin.login);
  await page.fill('#email', admin.email);
  await page.fill('#password', admin.password);
  await Promise.all([page.waitForURL(/\/admin$/), page.click('button:has-text("Sign in")')]);
}

async function checked(page, name) {
  assert.deepEqual(await axe(page), [], `${name}: no serious or critical violations`);
  await shoot(page, name);
}

test('a study is created by form, by files and by workbook, and its rule locked and amended', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = watchConsole(page);
  await signIn(page);
  await page.click('a:has-text("Create a new study")');
  await page.waitForURL(/\/admin\/studies\/new$/);
  await checked(page, 'setup-new');

  // 1. By form: a bad contact first (the error names the field, nothing saved), then right.
  const study = readFileSync(example('study.toml'), 'utf8');
  await page.fill('#title', 'Leadership for social prescribing link workers');
  await page.fill('#slug', 'splw-form');
  await page.fill('#description', 'Rate how important each leadership capability is for a link worker.');
  await page.fill('#consent_text', 'Taking part is voluntary. By continuing you agree to take part.');
  await page.fill('#info_url', 'https://example.ac.uk/splw-study/participant-information');
  await page.fill('#team_name', 'Dr Sam Taylor and the SPLW research team');
  await page.fill('#team_institution', 'University of Exampleton');
  await page.fill('#team_contact', 'splw-study at example');
  await page.fill('#ethics_reference', 'UEX-REC 2026/041');
  await page.fill('#time_zone', 'Europe/London');
  await page.fill('#labels', ['1 Not important', '2', '3 Of limited importance', '4', '5',
    '6 Important but not critical', '7', '8', '9 Critical'].join('\n'));
  await page.selectOption('#preset', 'comet_all_groups');
  await page.fill('#sections', 'Patient level\nOrganisational level\nCommunity level');
  await page.fill('#groups', ['link_workers: Link workers', 'managers: Managers and supervisors',
    'commissioners: Commissioners', 'clinicians: GPs and health professionals',
    'lived_experience: People with lived experience'].join('\n'));
  await page.$eval('#team_contact', (el) => { el.type = 'text'; });
  await page.click('button:has-text("Create the study")');
  assert.match(await page.textContent('.problems'), /team\.contact/);
  await checked(page, 'setup-new-error');
  await page.$eval('#team_contact', (el) => { el.type = 'text'; });
  await page.fill('#team_contact', 'splw-study@example.ac.uk');
  await Promise.all([page.waitForURL(/\/admin\/studies\/splw-form\/items/), page.click('button:has-text("Create the study")')]);
  assert.match(await page.textContent('.notice'), /created as a draft/);
  await page.fill('#new-code', 'P1');
  await page.selectOption('#new-section', 'Patient level');
  await page.fill('#new-text', 'Builds a trusting relationship quickly with people who may have been let down by services before.');
  await Promise.all([page.waitForURL(/done=added/), page.click('button:has-text("Add the item")')]);
  await page.setInputFiles('#items-file', example('items.csv'));
  await page.click('form[action$="/items/import"] button');
  // P1 is in items.csv too: the import is refused whole, naming the line.
  assert.match(await page.textContent('.problems'), /items.csv line 2: item code P1 is already used/);
  await checked(page, 'setup-items');

  // 2. By the study folder's files.
  await page.goto(`${fixture.urls.base}/admin/studies/new`);
  await page.setInputFiles('#study_toml', example('study.toml'));
  await page.setInputFiles('#items_csv', example('items.csv'));
  await Promise.all([page.waitForURL(/\/admin\/studies\/splw-leadership\/items/), page.click('button:has-text("Import the files")')]);
  assert.equal(await page.$$eval('.item-list > li', (items) => items.length), 36);

  // A bad panel file: every bad line named, nothing imported.
  await page.goto(`${fixture.urls.base}/admin/studies/splw-leadership/panel`);
  const panel = readFileSync(example('panel.csv'), 'utf8');
  const bad = `${panel.trim()}\nnot-an-address,X,link_workers\namina.ahmed@example.org,Again,managers\nz@example.org,Z,pilots\n`;
  await page.setInputFiles('#panel-file', { name: 'panel.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.click('form[action$="/panel/import"] button');
  const problems = await page.$$eval('.problems li', (li) => li.map((x) => x.textContent));
  const lines = panel.trim().split('\n').length;
  assert.ok(problems.some((p) => p.startsWith(`panel.csv line ${lines + 1}:`)), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith(`panel.csv line ${lines + 2}: amina.ahmed@example.org appears twice`)), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith(`panel.csv line ${lines + 3}: unknown group`)), problems.join('\n'));
  await checked(page, 'setup-panel-errors');
  await page.setInputFiles('#panel-file', example('panel.csv'));
  await Promise.all([page.waitForURL(/done=imported/), page.click('form[action$="/panel/import"] button')]);
  assert.match(await page.textContent('caption'), /40 panellists/);
  await checked(page, 'setup-panel');

  // 3. By one workbook.
  await page.goto(`${fixture.urls.base}/admin/studies/new`);
  await page.setInputFiles('#workbook', example('splw-leadership.xlsx'));
  await Promise.all([page.waitForURL(/\/admin\/studies\/splw-workbook\/items/), page.click('button:has-text("Import the workbook")')]);
  assert.equal(await page.$$eval('.item-list > li', (items) => items.length), 36);

  // The rule: a typo is named as one types, a preset fills in the rule, the preview shows.
  await page.goto(`${fixture.urls.base}/admin/studies/splw-leadership/settings`);
  await page.selectOption('#preset', 'custom');
  await page.fill('#consensus_in', 'pct(7, 9) >= 75 && medain >= 7');
  await page.waitForFunction(() => document.querySelector('#check_in').textContent.includes('column 20'));
  assert.match(await page.textContent('#check_in'), /unknown variable 'medain' at column 20/);
  await page.fill('#consensus_in', 'pct(7, 9) >= 75 && median >= 7');
  await page.waitForFunction(() => document.querySelector('#check_in').textContent.includes('reads correctly'));
  await page.click('button:has-text("Preview the classification")');
  assert.match(await page.textContent('#preview-h'), /simulated panel/);
  assert.equal(await page.$$eval('#preview-h ~ table tbody tr', (rows) => rows.length), 36);
  await checked(page, 'setup-settings-preview');
  await Promise.all([page.waitForURL(/done=saved/), page.click('button:has-text("Save the settings")')]);

  // Round 1 opens: the protocol is locked, with its time.
  await Promise.all([page.waitForURL(/done=opened/), page.click('button:has-text("Open round 1")')]);
  assert.match(await page.textContent('#lock'), /Protocol locked \d+ \w+ \d{4} \d\d:\d\d UTC/);
  await checked(page, 'setup-settings-locked');

  // An amendment: refused without a reason, kept with one.
  await page.selectOption('#preset', 'custom');
  await page.fill('#consensus_in', 'pct(7, 9) >= 80 && median >= 7');
  await page.click('button:has-text("Save the settings")');
  assert.match(await page.textContent('.err'), /needs a reason/);
  await page.fill('#reason', 'The steering group asked for 80 % agreement.');
  await Promise.all([page.waitForURL(/done=amended/), page.click('button:has-text("Save the settings")')]);
  assert.match(await page.textContent('#amendments + table'), /The steering group asked for 80 % agreement\./);
  assert.match(await page.textContent('#audit + table'), /protocol\.amended.*steering group/s);
  await checked(page, 'setup-settings-amended');

  // Members: the owner's page; the last owner cannot remove themselves.
  await page.click('a:has-text("Members")');
  await page.waitForURL(/\/members$/);
  await page.click('button:has-text("Remove")');
  assert.match(await page.textContent('.err'), /last owner/);
  await checked(page, 'setup-members');

  // Refusals answer 422 or 409 on purpose (the browser logs them); nothing else may fail.
  const unexpected = errors.filter((e) => !/status of (422|409)/.test(e));
  assert.deepEqual(unexpected, [], 'no console errors');
  await page.close();
});

/** An email's text with quoted-printable soft breaks and escapes undone, and base64 parts decoded. */
function decoded(raw) {
  const qp = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  const parts = [...raw.matchAll(/Content-Transfer-Encoding: base64\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/g)]
    .map((m) => Buffer.from(m[1].replace(/\s/g, ''), 'base64').toString('utf8'));
  return [qp, ...parts].join('\n');
}

/** The one-time link of the first email to `to` the fixture's mail worker delivered that is not in `seen`. */
async function emailedLink(to, seen) {
  const dir = fixture.urls.mail_dir;
  for (let i = 0; i < 100; i++) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.eml') && !seen.has(n))) {
      const raw = readFileSync(`${dir}/${name}`, 'utf8');
      if (!raw.split(/\r?\n/).some((line) => line.startsWith('To: ') && line.includes(to))) continue;
      const link = decoded(raw).match(/http:\/\/[^\s"<]+\/admin\/set-password\/[A-Za-z0-9_-]{43}/);
      if (link) {
        seen.add(name);
        return link[0];
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no email with a one-time link to ${to} in ${dir}`);
}

test('an added member sets a password from the emailed link and signs in; a forgotten password is reset by email', async () => {
  const { admin } = fixture.urls;
  const seen = new Set();
  const owner = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = watchConsole(owner);
  await signIn(owner);
  await owner.goto(`${admin.study}/members`);
  await owner.fill('#member-email', 'nia.new@example.org');
  await owner.fill('#member-name', 'Nia New');
  await owner.selectOption('#member-role', 'researcher');
  await Promise.all([owner.waitForURL(/done=new_login/), owner.click('button:has-text("Add")')]);
  assert.match(await owner.textContent('.notice'), /emailed a link to choose their password/);
  assert.match(await owner.textContent('table'), /nia\.new@example\.org/);
  await checked(owner, 'account-member-added');

  // The new member, in a browser of their own, follows the emailed link.
  const link = await emailedLink('nia.new@example.org', seen);
  const nia = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const niaErrors = watchConsole(nia);
  await nia.goto(link);
  assert.equal(await nia.textContent('h1'), 'Choose your password');
  assert.match(await nia.textContent('main'), /nia\.new@example\.org/);
  await checked(nia, 'account-set-password');
  await nia.fill('#new', 'a brand new passphrase');
  await nia.fill('#repeat', 'a brand new passphrasf');
  await nia.click('button:has-text("Set my password")');
  assert.match(await nia.textContent('.err'), /differ/);
  await checked(nia, 'account-set-password-refused');
  await nia.fill('#new', 'a brand new passphrase');
  await nia.fill('#repeat', 'a brand new passphrase');
  await Promise.all([nia.waitForURL(/\/admin$/), nia.click('button:has-text("Set my password")')]);
  assert.ok(await nia.isVisible('a[href="/admin/studies/browser-round-2"]'), 'a member of the study, signed in');
  // Signed out, she signs in with the password she chose.
  await Promise.all([nia.waitForURL(/\/admin\/login$/), nia.click('button:has-text("Sign out")')]);
  await nia.fill('#email', 'nia.new@example.org');
  await nia.fill('#password', 'a brand new passphrase');
  await Promise.all([nia.waitForURL(/\/admin$/), nia.click('button:has-text("Sign in")')]);
  // The link worked once.
  const again = await nia.goto(link);
  assert.equal(again.status(), 404);
  assert.equal(await nia.textContent('h1'), 'This link does not work');
  await checked(nia, 'account-link-refused');

  // Forgot: asked from another browser, the link resets the password and ends her other sign-in.
  const other = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const otherErrors = watchConsole(other);
  await other.goto(admin.login);
  await Promise.all([other.waitForURL(/forgot-password$/), other.click('a:has-text("Forgot your password?")')]);
  await checked(other, 'account-forgot');
  await other.fill('#email', 'nia.new@example.org');
  await other.click('button:has-text("Email me a link")');
  assert.match(await other.textContent('.notice'), /If an account exists for that address/);
  await checked(other, 'account-forgot-sent');
  const reset = await emailedLink('nia.new@example.org', seen);
  assert.notEqual(reset, link, 'a new link');
  await other.goto(reset);
  assert.equal(await other.textContent('h1'), 'Choose a new password');
  await checked(other, 'account-reset');
  await other.fill('#new', 'another long passphrase');
  await other.fill('#repeat', 'another long passphrase');
  await Promise.all([other.waitForURL(/\/admin$/), other.click('button:has-text("Change my password")')]);
  await nia.goto(`${fixture.urls.base}/admin`);
  assert.match(nia.url(), /\/admin\/login$/, 'her other sign-in ended');

  const unexpected = [...errors, ...niaErrors, ...otherErrors].filter((e) => !/status of (422|404)/.test(e));
  assert.deepEqual(unexpected, [], 'no console errors');
  await owner.close();
});
