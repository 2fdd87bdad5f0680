// The agent console in a real browser: a wrong password is refused in place; the agent logs
// in, becomes ready, gets an offer live (no reload) when work arrives, and accepts it; on another
// page an offer shows as a toast (accepted from it) and a missed offer explains itself.
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_ADMIN_TOKEN (to create
// the work through the API), SB_AGENT_EMAIL, SB_AGENT_PASSWORD, SB_CUSTOMER_ID, SB_QUEUE_ID,
// SB_DEPT.

import assert from 'node:assert/strict';
import { accessible, baseUrl, launch, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

async function newWork(subject) {
  const res = await fetch(`${baseUrl}/api/v1/activities`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env('SB_ADMIN_TOKEN')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      customer_id: Number(env('SB_CUSTOMER_ID')),
      channel: 'inbound_email',
      subject,
      queue_id: Number(env('SB_QUEUE_ID')),
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.id;
}

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('dialog', (d) => {
    throw new Error(`unexpected dialog: ${d.message()}`);
  });

  await step('wrong password', async () => {
    await page.goto(`${baseUrl}/agent`);
    await page.waitForURL('**/login');
    await page.fill('input[name=email]', env('SB_AGENT_EMAIL'));
    await page.fill('input[name=password]', 'not the password');
    await page.click('button[type=submit]');
    await page.getByRole('alert').filter({ hasText: 'wrong email address or password' }).waitFor();
    assert.equal(await page.inputValue('input[name=email]'), env('SB_AGENT_EMAIL'));
    await screenshot(page, 'login-error');
  });

  await step('log in', async () => {
    await page.fill('input[name=password]', env('SB_AGENT_PASSWORD'));
    await page.click('button[type=submit]');
    await page.waitForURL('**/inbox');
    await page.goto(`${baseUrl}/agent`);
    await page.locator('#availability .badge.not-ready').waitFor();
    await page.getByText('Nothing yet').waitFor();
    await screenshot(page, 'agent-console');
  });

  await step('become ready', async () => {
    await page.click('button[data-action=ready]');
    await page.locator('#availability .badge.ready').waitFor();
    assert.ok(await page.isChecked('input[data-channel=inbound_email]'));
    // Channels the department does not use (no chat entry point, no callbacks) stay out of sight.
    assert.equal(await page.locator('input[data-channel=chat], input[data-channel=callback]').count(), 0);
  });

  let activity;
  await step('offer arrives live', async () => {
    activity = await newWork('Where is my parcel?');
    const row = page.locator(`#work tr[data-activity="${activity}"]`);
    await row.locator('.badge.offered').waitFor({ timeout: 15000 });
    assert.match(await row.innerText(), /Where is my parcel\?/);
    // The offer counts down to its expiry.
    await page.waitForFunction(
      (id) => /\d+ s/.test(document.querySelector(`tr[data-activity="${id}"] [data-expires]`)?.textContent ?? ''),
      activity,
    );
    await screenshot(page, 'agent-offer');
    // A live refresh keeps the keyboard's place.
    await page.focus(`#work tr[data-activity="${activity}"] button[data-action=decline]`);
    await page.evaluate(
      () =>
        new Promise((done) => {
          const swapped = (e) => {
            if (e.detail.target.id !== 'work') return;
            document.body.removeEventListener('htmx:afterSwap', swapped);
            setTimeout(done, 0);
          };
          document.body.addEventListener('htmx:afterSwap', swapped);
          document.body.dispatchEvent(new Event('sb:refresh'));
        }),
    );
    assert.equal(
      await page.evaluate(() => `${document.activeElement.dataset.action} ${document.activeElement.dataset.activity}`),
      `decline ${activity}`,
    );
  });

  await step('accept', async () => {
    await page.click(`#work tr[data-activity="${activity}"] button[data-action=accept]`);
    const row = page.locator(`#work tr[data-activity="${activity}"]`);
    await row.locator(".badge", { hasText: "assigned" }).waitFor();
    // What Start means is said, next to it.
    await page.locator('#start-help').getByText('handling time counts from then').waitFor();
    await screenshot(page, 'agent-assigned');
  });

  let second;
  await step('an offer shows on any page, and is accepted from its toast', async () => {
    await page.goto(`${baseUrl}/activities/${activity}`);
    await page.locator('body[data-stream=open]').waitFor();
    second = await newWork('A second question');
    const toast = page.locator(`#toasts .toast.offer[data-activity="${second}"]`);
    await toast.getByText('A second question').waitFor({ timeout: 15000 });
    await page.waitForFunction(() => document.title.startsWith('(1) '));
    await screenshot(page, 'agent-offer-toast');
    await accessible(page, 'an offer toast');
    await toast.getByRole('button', { name: 'Accept' }).click();
    await page.waitForURL(`**/activities/${second}`);
  });

  await step('a missed offer explains itself', async () => {
    // Offers now stand 3 s: the next one runs out while the agent looks elsewhere.
    const path = `${baseUrl}/api/v1/departments/${env('SB_DEPT')}/channels/inbound_email`;
    const auth = { Authorization: `Bearer ${env('SB_ADMIN_TOKEN')}`, 'Content-Type': 'application/json' };
    const settings = await (await fetch(path, { headers: auth })).json();
    const put = await fetch(path, { method: 'PUT', headers: auth, body: JSON.stringify({ ...settings, start_timeout_secs: 3 }) });
    assert.equal(put.status, 200, await put.text());
    await page.locator('body[data-stream=open]').waitFor();
    await newWork('Nobody answers this one');
    const banner = page.locator('#not-ready-banner');
    await banner.getByText('You were set Not ready').waitFor({ timeout: 20000 });
    await screenshot(page, 'agent-missed-offer');
    await banner.getByRole('button', { name: 'Ready again' }).click();
    await banner.waitFor({ state: 'detached' });
    await page.goto(`${baseUrl}/agent`);
    await page.locator('#availability .badge.ready').waitFor();
  });

  await step('not ready with a reason', async () => {
    await page.selectOption('#reason', 'Lunch');
    await page.click('button[data-action=not-ready]');
    await page.locator('#availability .badge.not-ready').waitFor();
    assert.equal(await page.inputValue('#reason'), 'Lunch');
  });

  await step('log out', async () => {
    await page.click('button[data-action=logout]');
    await page.waitForURL('**/login');
  });
  console.log('agent console: ok');
} finally {
  await browser.close();
}
