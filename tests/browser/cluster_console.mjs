// The system console of a two-node cluster: an administrator sees both nodes and which node runs
// each singleton service, stops the dispatcher on every node and starts it again, and moves the
// router to the other node, all from the Services page, which follows what the cluster does.
// Checked with axe-core.
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_ADMIN_EMAIL,
// SB_ADMIN_PASSWORD, SB_OTHER_NODE (the node the router is moved to).

import assert from 'node:assert/strict';
import { accessible, baseUrl, launch, login, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const other = env('SB_OTHER_NODE');
const browser = await launch();
try {
  const page = await login(browser, env('SB_ADMIN_EMAIL'), env('SB_ADMIN_PASSWORD'), '/admin');
  const row = (name) => page.locator(`tr[data-singleton="${name}"]`);
  const runsOn = (name) => row(name).locator('[data-runs-on]');

  await step('the Services page lists the nodes and where each service runs', async () => {
    await page.goto(`${baseUrl}/admin/services`);
    await page.locator('#nodes-list tr[data-node]').nth(1).waitFor({ timeout: 15000 });
    assert.equal(await page.locator('#nodes-list tr[data-node]').count(), 2);
    await row('router').waitFor();
    await row('dispatcher').waitFor();
    assert.notEqual((await runsOn('dispatcher').innerText()).trim(), 'nowhere');
    await screenshot(page, 'cluster-console');
    await accessible(page, 'the Services page of a cluster');
  });

  await step('stop the dispatcher everywhere', async () => {
    await row('dispatcher').getByRole('button', { name: 'Stop' }).click();
    await row('dispatcher').getByRole('button', { name: 'Start' }).waitFor({ timeout: 15000 });
    await page.waitForFunction(
      () => document.querySelector('tr[data-singleton="dispatcher"] [data-runs-on]')?.innerText.trim() === 'nowhere',
      null,
      { timeout: 15000 },
    );
  });

  await step('start it again', async () => {
    await row('dispatcher').getByRole('button', { name: 'Start' }).click();
    await page.waitForFunction(
      () => {
        const text = document.querySelector('tr[data-singleton="dispatcher"] [data-runs-on]')?.innerText.trim();
        return text && text !== 'nowhere';
      },
      null,
      { timeout: 15000 },
    );
  });

  await step(`move the router to ${other}`, async () => {
    assert.notEqual((await runsOn('router').innerText()).trim(), other);
    await row('router').getByLabel('Move to').selectOption(other);
    await row('router').getByRole('button', { name: 'Move' }).click();
    await page.waitForFunction(
      (to) => document.querySelector('tr[data-singleton="router"] [data-runs-on]')?.innerText.trim() === to,
      other,
      { timeout: 20000 },
    );
    await screenshot(page, 'cluster-console-moved');
  });
} finally {
  await browser.close();
}
