// Two people on one activity. The agent holds it and has it open; a supervisor opens it too and
// sees who holds it and that the agent is there — then typing — live; the agent sees the
// supervisor. The supervisor takes it over: the agent is told at once and moves on to their next
// work, and the supervisor's page shows the work as theirs. Checked with axe-core.
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_ACTIVITY, SB_AGENT_EMAIL,
// SB_SUPERVISOR_EMAIL, SB_PASSWORD.

import assert from 'node:assert/strict';
import { accessible, baseUrl, launch, login, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const id = env('SB_ACTIVITY');
const browser = await launch();
try {
  const ann = await login(browser, env('SB_AGENT_EMAIL'), env('SB_PASSWORD'), '/agent');
  const sam = await login(browser, env('SB_SUPERVISOR_EMAIL'), env('SB_PASSWORD'), '/supervisor');

  await step('both open the activity and see each other', async () => {
    await ann.goto(`${baseUrl}/activities/${id}`);
    await ann.waitForFunction(() => document.body.dataset.stream === 'open');
    await sam.goto(`${baseUrl}/activities/${id}`);
    await sam.locator('#holder').getByText('Ann Agent').waitFor();
    await sam.locator('#presence').getByText('Also here: Ann Agent', { exact: true }).waitFor({ timeout: 15000 });
    await ann.locator('#presence').getByText('Also here: Sam Supervisor').waitFor({ timeout: 15000 });
  });

  await step('the supervisor sees the agent typing', async () => {
    await ann.locator('#note-text').pressSequentially('Checking the refund', { delay: 30 });
    await sam.locator('#presence').getByText('Ann Agent (typing…)').waitFor({ timeout: 15000 });
    await screenshot(sam, 'collision-supervisor');
    await accessible(sam, 'the activity with a colleague on it');
  });

  await step('the supervisor takes it over; the agent is told and moves on', async () => {
    await sam.getByRole('button', { name: 'Take over from Ann Agent' }).click();
    await ann.locator('.toast').getByText(/Sam Supervisor took #\d+ over/).waitFor({ timeout: 10000 });
    await screenshot(ann, 'collision-taken-over');
    await ann.waitForURL('**/agent', { timeout: 10000 });
    await sam.waitForLoadState('load');
    assert.equal(await sam.getByRole('button', { name: /Take over/ }).count(), 0);
    await sam.locator('#holder').getByText('you', { exact: true }).waitFor();
  });
} finally {
  await browser.close();
}
