// The consoles' other tools. An administrator writes a workflow in the form editor (and sees a
// server validation error beside the step it names). The agent pulls a given email from a
// queue they serve, answers it — the reply waits for review — and finds it again by search. The
// supervisor opens the review queue, edits the held reply and approves it, and transfers the
// other waiting email to another queue. (The Rust test checks the mailbox and the store.)
//
// Environment: SWITCHBOARD_URL, SB_ADMIN_EMAIL, SB_ADMIN_PASSWORD, SB_PASSWORD (agent and
// supervisor), SB_PULL_ID, SB_OTHER_ID (the two waiting activities), SB_EXCEPTION_QUEUE (name).

import assert from 'node:assert/strict';
import { baseUrl, launch, login, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const browser = await launch();
try {
  const admin = await login(browser, env('SB_ADMIN_EMAIL'), env('SB_ADMIN_PASSWORD'), '/admin/departments');

  await step('write a workflow in the form editor', async () => {
    await admin.goto(`${baseUrl}/admin/workflows/new`);
    await admin.fill('[data-path="name"]', 'Urgent subjects');
    const editor = admin.locator('.wf-editor');
    await editor.locator('select[aria-label="add a step"]').last().selectOption('branch');
    await editor.locator('button', { hasText: '+ Add case' }).click();
    await editor.locator('[data-full="definition.steps[0].cases[0].when.value"]').fill('urgent');
    // A step inside the case: raise the priority.
    await editor.locator('.wf-case select[aria-label="add a step"]').selectOption('set_priority');
    await editor.locator('[data-full="definition.steps[0].cases[0].then[0].priority"]').fill('9');
    // Then route it: the queue is picked by name.
    await editor.locator('.wf-case select[aria-label="add a step"]').selectOption('route');
    await editor.locator('[data-full="definition.steps[0].cases[0].then[1].queue_id"]').selectOption({ label: 'Support' });
    // The same id twice: the server says so beside the second id.
    await editor.locator('[data-full="definition.steps[0].cases[0].then[0].id"]').fill('step1');
    await admin.click('form.admin-form button[type=submit]');
    const bad = admin.locator('[data-full="definition.steps[0].cases[0].then[0].id"][aria-invalid=true]');
    await bad.waitFor();
    const message = await admin.locator('.field[data-field="definition"] .field-error').textContent();
    assert.match(message, /used by another step/);
    await screenshot(admin, 'admin-workflow-error');
    await editor.locator('[data-full="definition.steps[0].cases[0].then[0].id"]').fill('raise');
    await admin.click('form.admin-form button[type=submit]');
    await admin.waitForURL(/\/admin\/workflows\/\d+$/);
    // Reopened, the form shows what was saved; the raw JSON view has the same model.
    await admin.locator('[data-full="definition.steps[0].cases[0].then[0].priority"]').waitFor();
    await admin.click('button:has-text("Edit as JSON")');
    const raw = JSON.parse(await admin.locator('textarea[data-path="definition"]').inputValue());
    assert.equal(raw.steps[0].type, 'branch');
    assert.equal(raw.steps[0].cases[0].then[0].priority, 9);
    assert.equal(raw.steps[0].cases[0].then[1].queue_id, Number(env('SB_SUPPORT_QUEUE')));
    assert.equal(
      await admin.locator('[data-full="definition.steps[0].cases[0].then[1].queue_id"] option:checked').textContent(),
      'Support',
    );
    await screenshot(admin, 'admin-workflow-saved');
  });

  const agent = await login(browser, 'ann@acme.test', env('SB_PASSWORD'), '/agent');
  await step('pull a given email from my queue and answer it', async () => {
    await agent.click('button[data-action=not-ready]');
    const item = agent.locator(`#queues tr.waiting-item[data-activity="${env('SB_PULL_ID')}"]`);
    await item.waitFor({ timeout: 15000 });
    await screenshot(agent, 'agent-queues');
    await item.locator('button[data-action=pull]').click();
    await agent.waitForURL(`**/activities/${env('SB_PULL_ID')}`);
    await agent.locator('#editor').click();
    await agent.keyboard.type('We have refunded the second charge.');
    await agent.click('button[data-action=send][data-complete=true]');
    await agent.locator('#reply-result', { hasText: 'waits for review' }).waitFor();
    await screenshot(agent, 'agent-reply-in-review');
  });

  await step('find it again by search', async () => {
    await agent.goto(`${baseUrl}/agent`);
    await agent.fill('input[name=q]', 'charged twice');
    await agent.press('input[name=q]', 'Enter');
    await agent.waitForURL('**/agent/search?q=*');
    await agent.locator(`#search-hits tr[data-activity="${env('SB_PULL_ID')}"]`).waitFor();
    await screenshot(agent, 'agent-search');
  });

  const sup = await login(browser, 'sam@acme.test', env('SB_PASSWORD'), '/supervisor');
  await step('review: edit and approve the held reply', async () => {
    await sup.goto(`${baseUrl}/supervisor/review`);
    const row = sup.locator('#review-list tbody tr').first();
    await row.waitFor();
    await screenshot(sup, 'supervisor-review-list');
    await row.locator('a').click();
    await sup.waitForURL(/\/activities\/\d+$/);
    await sup.locator('#review-editor').waitFor();
    // The held reply shows in the conversation as the customer will see it.
    await sup.frameLocator('iframe.email-html').last().locator('body', { hasText: 'refunded the second charge' }).waitFor();
    const editor = sup.locator('#review-editor');
    assert.match(await editor.innerText(), /refunded the second charge/);
    // The reviewer adds a line in bold at the end: the formatting goes out with it.
    await editor.click();
    await sup.keyboard.press('Control+End');
    await sup.keyboard.press('Enter');
    await sup.keyboard.press('Control+b');
    await sup.keyboard.type('Reviewed: the refund shows within five days.');
    await screenshot(sup, 'supervisor-review-edit');
    await sup.click('button[data-action=approve]');
    await sup.locator('#review-result', { hasText: 'Approved' }).waitFor();
  });

  await step('outbox: replies the mail server has not taken yet', async () => {
    await sup.goto(`${baseUrl}/supervisor/outbox`);
    await sup.locator('#outbox-title').waitFor();
    assert.equal(await sup.locator('nav a[aria-current="page"]').innerText(), 'Outbox');
    await screenshot(sup, 'supervisor-outbox');
  });

  await step('transfer the other email to another queue', async () => {
    await sup.goto(`${baseUrl}/activities/${env('SB_OTHER_ID')}`);
    await sup.locator('#to-queue').selectOption({ label: env('SB_EXCEPTION_QUEUE') });
    await sup.click('button[data-action=transfer]');
    await sup.locator('#handle-result', { hasText: 'Transferred' }).waitFor();
    await screenshot(sup, 'supervisor-transfer');
  });
  console.log('console tools: ok');
} finally {
  await browser.close();
}
