// The webhooks page of the administration console: an administrator subscribes a receiver to
// two event kinds, sees the signing secret once (and never again on reload), makes a new one,
// and replays a delivery from the log. Checked with axe-core.
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_ADMIN_EMAIL,
// SB_ADMIN_PASSWORD, SB_RECEIVER (the receiver's URL), SB_EVENT_PATH and SB_EVENT_BODY (an API
// call that makes an event: the script POSTs it after subscribing).

import assert from 'node:assert/strict';
import { accessible, baseUrl, launch, login, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const browser = await launch();
try {
  const page = await login(browser, env('SB_ADMIN_EMAIL'), env('SB_ADMIN_PASSWORD'), '/admin');
  page.on('dialog', (d) => d.accept());
  let first = '';

  await step('subscribe a receiver', async () => {
    await page.goto(`${baseUrl}/admin/webhooks/new`);
    await accessible(page, 'the new webhook form');
    await page.locator('#f-url').fill(env('SB_RECEIVER'));
    await page.locator('#f-events input[value="created"]').check();
    await page.locator('#f-events input[value="queued"]').check();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#webhook-secret-text').waitFor({ state: 'visible', timeout: 15000 });
    first = (await page.locator('#webhook-secret-text').innerText()).trim();
    assert.match(first, /^whsec_[A-Za-z0-9+/=]+$/);
    await screenshot(page, 'webhook-secret');
    await accessible(page, 'a new webhook with its secret');
  });

  await step('the secret is not shown again', async () => {
    await page.reload();
    assert.equal(await page.locator('#webhook-secret').isHidden(), true);
  });

  await step('a new secret replaces it', async () => {
    await page.getByRole('button', { name: 'New secret' }).click();
    await page.locator('#webhook-secret-text').waitFor({ state: 'visible', timeout: 15000 });
    const second = (await page.locator('#webhook-secret-text').innerText()).trim();
    assert.match(second, /^whsec_/);
    assert.notEqual(second, first);
  });

  await step('the log shows deliveries and one is replayed', async () => {
    const made = await page.evaluate(async ([path, body]) => {
      const csrf = document.querySelector('meta[name=csrf-token]')?.content || '';
      const r = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body });
      return r.status;
    }, [env('SB_EVENT_PATH'), env('SB_EVENT_BODY')]);
    assert.ok(made < 300, `making an event answered ${made}`);
    const row = page.locator('table.deliveries tbody tr').first();
    for (let i = 0; i < 30 && !(await row.isVisible()); i++) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    await row.waitFor({ timeout: 5000 });
    await screenshot(page, 'webhook-deliveries');
    await accessible(page, 'a webhook with its delivery log');
    await row.getByRole('button', { name: 'Replay' }).click();
    await page.waitForLoadState('load');
  });
} finally {
  await browser.close();
}
