// Security in a real browser: the round page's script reports the server's own words when a
// save is refused (not "no connection"), and the researcher's account page (change password,
// sign out everywhere) is accessible at 360 px and 1280 px and ends the sessions it says.
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

test('a refused autosave shows the server\'s message, not "no connection"', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // The last round-1 panellist: the other tests use the first ones.
  await page.goto(fixture.urls.round1[5]);
  await page.click('button:has-text("I agree")');
  await page.waitForSelector('form#f'); // the round page has the consent page's address
  // A comment over the API's body limit, typed past any limit the page itself sets.
  await page.$eval('textarea[name=c_I1]', (area) => {
    area.value = 'x'.repeat(70000);
    area.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForFunction(() => /^Not saved/.test(document.getElementById('st').textContent));
  const said = await page.textContent('#st');
  assert.match(said, /takes at most 64 KiB/, said);
  assert.doesNotMatch(said, /no connection/);
  // An ordinary save still works afterwards.
  await page.$eval('textarea[name=c_I1]', (area) => {
    area.value = 'A short comment.';
    area.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForFunction(() => /^Saved I1/.test(document.getElementById('st').textContent));
  await context.close();
});

test('the account page changes nothing on a wrong password and signs out everywhere', async () => {
  const { admin } = fixture.urls;
  const signIn = async (context) => {
    const page = await context.newPage();
    await page.goto(admin.login);
    await page.fill('#email', admin.email);
    await page.fill('#password', admin.password);
    await Promise.all([page.waitForURL(/\/admin$/), page.click('button:has-text("Sign in")')]);
    return page;
  };
  const elsewhere = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const other = await signIn(elsewhere);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await signIn(context);
  const errors = watchConsole(page);

  await Promise.all([page.waitForURL(/\/admin\/account$/), page.click('header a:has-text("Rhea Researcher")')]);
  assert.equal(await page.textContent('h1'), 'Your account');
  assert.match(await page.textContent('main'), /signed in on 2 browsers or devices/);
  assert.deepEqual(await axe(page), [], 'account page: no serious or critical violations');
  await shoot(page, 'admin-account');

  await page.fill('#current', 'not the password');
  await page.fill('#new', 'a brand new passphrase');
  await page.fill('#repeat', 'a brand new passphrase');
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Change password")')]);
  assert.match(await page.textContent('[role=alert]'), /current password is not right/);
  assert.deepEqual(await axe(page), [], 'account page with an error: no serious or critical violations');
  await page.setViewportSize({ width: 360, height: 800 });
  await page.screenshot({ path: new URL('./screenshots/admin-account-error-360.png', import.meta.url).pathname, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  await Promise.all([page.waitForURL(/\/admin\/login$/), page.click('button:has-text("Sign out everywhere")')]);
  await other.goto(admin.study);
  assert.match(other.url(), /\/admin\/login$/, 'the other browser is signed out too');
  await page.goto(admin.study);
  assert.match(page.url(), /\/admin\/login$/);
  // The wrong-password answer (422) is the only console error.
  assert.ok(errors.every((e) => /422/.test(e)), errors.join('\n'));
  await context.close();
  await elsewhere.close();
});
