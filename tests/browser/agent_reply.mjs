// An email answered from the browser: the agent gets the customer's email live, opens it — the
// customer's HTML is shown without running its script or its onerror handler and without
// loading the remote image — finds a knowledge-base answer, inserts it, and clicks
// Send & Complete. (The Rust test then checks the customer's mailbox.)
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_AGENT_EMAIL,
// SB_AGENT_PASSWORD, SB_ACTIVITY_ID, SB_REMOTE_HOST (the image host that must not be asked).

import assert from 'node:assert/strict';
import { baseUrl, launch, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const activity = env('SB_ACTIVITY_ID');

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  const remote = [];
  context.on('request', (r) => {
    if (r.url().includes(env('SB_REMOTE_HOST'))) remote.push(r.url());
  });

  await step('log in and become ready', async () => {
    await page.goto(`${baseUrl}/login`);
    await page.fill('input[name=email]', env('SB_AGENT_EMAIL'));
    await page.fill('input[name=password]', env('SB_AGENT_PASSWORD'));
    await page.click('button[type=submit]');
    await page.waitForURL('**/inbox');
    await page.goto(`${baseUrl}/agent`);
    await page.click('button[data-action=ready]');
    await page.locator('#availability .badge.ready').waitFor();
  });

  await step('accept the email', async () => {
    const row = page.locator(`#work tr[data-activity="${activity}"]`);
    await row.locator('.badge.offered').waitFor({ timeout: 30000 });
    await row.locator('button[data-action=accept]').click();
    await row.locator('.badge', { hasText: 'assigned' }).waitFor();
  });

  await step('open it', async () => {
    await page.click(`#work tr[data-activity="${activity}"] a`);
    await page.waitForURL(`**/activities/${activity}`);
    const frame = page.frameLocator('iframe.email-html');
    await frame.getByText('My order never arrived').waitFor();
    // The frame is sandboxed: no scripts, whatever the message says.
    assert.equal(await page.getAttribute('iframe.email-html', 'sandbox'), '');
    await page.getByText('Carol Customer').first().waitFor();
    await page.locator('.history li').first().waitFor();
    await screenshot(page, 'activity-view');
  });

  await step('nothing of the message ran', async () => {
    // Give a script or an onerror handler every chance to run.
    await page.waitForTimeout(1000);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(remote, []);
    const title = await page.title();
    assert.ok(!title.includes('pwned'), title);
  });

  await step('insert a knowledge-base answer', async () => {
    await page.fill('#kb-query', 'refund');
    await page.locator('#kb-hits button[data-action=insert]').first().click();
    await page.locator('#editor').getByText('Refunds take five days').waitFor();
    await page.locator('#editor').getByText('Dear Carol Customer,').waitFor();
    await screenshot(page, 'reply-composer');
  });

  await step('send and complete', async () => {
    await page.click('button[data-action=send][data-complete=true]');
    await page.locator('#reply-result', { hasText: 'Sent.' }).waitFor();
    await screenshot(page, 'reply-sent');
  });
  console.log('agent reply: ok');
} finally {
  await browser.close();
}
