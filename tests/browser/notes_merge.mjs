// Notes with a mention and the customer page after a merge, in a real browser. The supervisor
// writes a note on the case of Ann's work mentioning her; Ann, in her inbox, is told at once and
// opens the case from the toast, where the note is. Then the supervisor finds the customer's
// duplicate record with the search, merges it on the customer page, and the page shows both
// records' cases and addresses. Each screen is checked with axe-core; screenshots are kept.
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_PASSWORD, SB_CASE,
// SB_CUSTOMER (the record kept), SB_DUPLICATE (the other record).

import assert from 'node:assert/strict';
import { accessible, baseUrl, launch, login, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const browser = await launch();
try {
  const ann = await login(browser, 'ann@acme.test', env('SB_PASSWORD'), '/inbox');
  const sam = await login(browser, 'sam@acme.test', env('SB_PASSWORD'), `/cases/${env('SB_CASE')}`);

  await step('the supervisor notes on the case and mentions Ann', async () => {
    await sam.locator('#note-text').fill('@ann@acme.test Carol called: she prefers a refund.');
    await sam.getByRole('button', { name: 'Add note' }).click();
    await sam.locator('#note-result').getByText('1 colleague(s) told').waitFor();
    await sam.locator('#notes').getByText('she prefers a refund').waitFor();
    await accessible(sam, 'the case page');
    await screenshot(sam, 'case-note');
  });

  await step('Ann is told in her inbox and opens the case from the toast', async () => {
    const toast = ann.locator('.toast', { hasText: `mentioned you in a note on case #${env('SB_CASE')}` });
    await toast.waitFor({ timeout: 15000 });
    assert.match(await toast.innerText(), /Sam Supervisor/);
    await screenshot(ann, 'case-mention-toast');
    await toast.getByRole('link', { name: 'Open it' }).click();
    await ann.waitForURL(`**/cases/${env('SB_CASE')}`);
    await ann.locator('#notes').getByText('Carol called: she prefers a refund.').waitFor();
    await accessible(ann, "the case page as the agent");
  });

  await step('the supervisor finds the duplicate and merges it on the customer page', async () => {
    await sam.goto(`${baseUrl}/search?q=${encodeURIComponent('carol.other@customer.test')}`);
    await sam.locator('#hits-customers a', { hasText: 'Carol C.' }).waitFor();
    await sam.goto(`${baseUrl}/customers/${env('SB_CUSTOMER')}`);
    await sam.locator('#merge-from').fill(env('SB_DUPLICATE'));
    await sam.getByRole('button', { name: 'Merge into this customer' }).click();
    await sam.waitForLoadState('load');
    await sam.getByText('carol.other@customer.test').first().waitFor({ timeout: 15000 });
    await sam.getByRole('heading', { name: /Case #\d+ · Old order/ }).waitFor();
    await sam.getByRole('heading', { name: /Case #\d+ · Refund/ }).waitFor();
    await accessible(sam, 'the customer after the merge');
    await screenshot(sam, 'customer-merged');
  });
  console.log('notes and merge: ok');
} finally {
  await browser.close();
}
