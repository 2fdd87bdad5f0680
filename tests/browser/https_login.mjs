// Over the server's own HTTPS: the login page, an administrator's login through the form, the
// administration console, and a session cookie the page's script cannot read.
// Exits 0 on success, 1 (after printing the error) on any failure.

import assert from 'node:assert/strict';
import { baseUrl, launch, login, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

let browser;
try {
  assert.ok(baseUrl.startsWith('https://'), `not an HTTPS server: ${baseUrl}`);
  browser = await launch();
  const page = await login(
    browser,
    env('SB_ADMIN_EMAIL'),
    env('SB_ADMIN_PASSWORD'),
    '/admin/departments',
  );
  await step('the console over HTTPS', async () => {
    assert.equal(new URL(page.url()).protocol, 'https:');
    await page.getByText('New department').waitFor();
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'sb_session');
    assert.ok(session, 'a session cookie');
    assert.equal(session.secure, true, 'the session cookie is Secure');
    assert.equal(session.httpOnly, true, 'the session cookie is HttpOnly');
    assert.equal(await page.evaluate(() => document.cookie.includes('sb_session')), false);
    await screenshot(page, 'https-admin');
  });
  await browser.close();
  console.log('https_login: ok');
  process.exit(0);
} catch (err) {
  console.error(err);
  await browser?.close().catch(() => {});
  process.exit(1);
}
