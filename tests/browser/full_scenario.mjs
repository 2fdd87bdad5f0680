// The whole story in a browser. An administrator starts from Getting started (only the first
// department exists), sets up a department, its people, a queue, a
// KB answer and an alias through the forms (a form error shows in place; Test connection reaches
// the real mail servers). A supervisor watches the monitor. A customer email arrives (the Rust
// test delivers it when this script asks) and waits; the agent, in another browser context,
// becomes ready, gets the offer live, opens it, inserts the KB answer, attaches a file, saves the
// draft and finds it again after a reload, and clicks Send & Complete while the supervisor's
// monitor shows the queue drain; Getting started then has every step done. (The Rust test then
// checks the customer's mailbox.)
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_ADMIN_EMAIL,
// SB_ADMIN_PASSWORD, SB_IMAP_PORT, SB_SMTP_PORT, SB_SIGNAL_DIR (this script creates
// `deliver` there when the customer should write, and waits for `delivered`).

import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessible, baseUrl, launch, login, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const PASSWORD = 'a long enough password';

// Fills the form field whose JSON path is `path`.
async function fill(page, path, value) {
  const el = page.locator(`form.admin-form [data-path="${path}"]`).first();
  const tag = await el.evaluate((e) => e.tagName);
  if (tag === 'SELECT') await el.selectOption({ label: value });
  else await el.fill(value);
  // A new object's department brings its own choices: the form is shown again with them.
  if (path === 'department_id' && (await page.locator('form.admin-form[data-scoped]').count())) {
    await page.waitForURL(/department_id=\d+/);
  }
}

// Opens the new-object form of `kind`, fills `fields` and creates it; the new object's id.
async function create(page, kind, fields, check = []) {
  await page.goto(`${baseUrl}/admin/${kind}`);
  await page.click('a.button.primary');
  await page.waitForURL(`**/admin/${kind}/new`);
  for (const [path, value] of fields) await fill(page, path, value);
  for (const label of check) {
    await page.locator('form.admin-form fieldset.multi label', { hasText: label }).locator('input').check();
  }
  await page.click('form.admin-form button[type=submit]');
  await page.waitForURL(new RegExp(`/admin/${kind}/\\d+$`));
  return page.url().split('/').pop();
}

const browser = await launch();
try {
  const admin = await login(browser, env('SB_ADMIN_EMAIL'), env('SB_ADMIN_PASSWORD'), '/admin/departments');

  await step('Getting started on an empty installation: only the department is there', async () => {
    await admin.goto(`${baseUrl}/admin/setup`);
    await admin.getByText('1 of 7 steps done').waitFor();
    const done = await admin.locator('#setup-steps li.done').evaluateAll((l) => l.map((e) => e.dataset.step));
    assert.deepEqual(done, ['department']);
    await accessible(admin, 'the checklist at the start');
    await screenshot(admin, 'setup-start');
    // Each open step leads to its form.
    await admin.locator('#setup-steps li[data-step=group] a', { hasText: 'Do it now' }).click();
    await admin.waitForURL('**/admin/user-groups/new');
  });

  await step('a form error shows beside its field', async () => {
    await admin.goto(`${baseUrl}/admin/departments/new`);
    await admin.click('form.admin-form button[type=submit]');
    const error = admin.locator('.field[data-field="name"] .field-error');
    await error.filter({ hasText: /\S/ }).waitFor();
    assert.equal(await admin.getAttribute('[data-path="name"]', 'aria-invalid'), 'true');
    await screenshot(admin, 'admin-field-error');
  });

  await step('create the department', async () => {
    await create(admin, 'departments', [['name', 'Billing'], ['description', 'Invoices and refunds']]);
    await admin.locator('h2', { hasText: 'Inbound email' }).waitFor();
    await screenshot(admin, 'admin-department');
  });

  await step('create the agent and the supervisor', async () => {
    await create(admin, 'users', [
      ['department_id', 'Billing'],
      ['name', 'Bea Agent'],
      ['email', 'bea@acme.test'],
      ['role', 'Agent'],
      ['password', PASSWORD],
      ['attributes', 'billing = 8'],
    ]);
    await create(admin, 'users', [
      ['department_id', 'Billing'],
      ['name', 'Sam Supervisor'],
      ['email', 'sam@acme.test'],
      ['role', 'Supervisor'],
      ['password', PASSWORD],
    ]);
    await admin.goto(`${baseUrl}/admin/users`);
    await admin.locator('table.list td', { hasText: 'bea@acme.test' }).waitFor();
    await screenshot(admin, 'admin-users');
  });

  await step("a new object's choices are those of its department", async () => {
    await admin.goto(`${baseUrl}/admin/user-groups/new`);
    await fill(admin, 'name', 'Typed before the department');
    await fill(admin, 'department_id', 'Billing');
    // Choosing the department reloads the form with its choices; what was typed comes back.
    await admin.waitForURL('**/admin/user-groups/new?department_id=*');
    const members = admin.locator('form.admin-form fieldset.multi label');
    await members.filter({ hasText: 'Bea Agent' }).waitFor();
    assert.equal(await members.filter({ hasText: 'Administrator' }).count(), 0);
    const name = admin.locator('[data-path="name"]');
    await admin.waitForFunction(
      (el) => el.value === 'Typed before the department',
      await name.elementHandle(),
      { timeout: 5000 },
    );
  });

  let queueId;
  await step('create the skill group and the queue', async () => {
    await create(admin, 'user-groups', [['department_id', 'Billing'], ['name', 'Billing team']], ['Bea Agent']);
    // A user's page shows their groups and changes them.
    const refunds = await create(admin, 'user-groups', [['department_id', 'Billing'], ['name', 'Refunds']]);
    await admin.goto(`${baseUrl}/admin/users`);
    await admin.locator('table.list a', { hasText: 'Bea Agent' }).click();
    // The page's forms are driven by a deferred script: a click before it runs would submit natively.
    await admin.waitForURL(/\/admin\/users\/\d+$/);
    const groups = admin.locator('section', { has: admin.locator('h2', { hasText: 'Groups' }) });
    const member = (form, label) => form.locator('fieldset.multi label', { hasText: label }).locator('input');
    assert.ok(await member(groups, 'Billing team').isChecked(), 'Bea is in the Billing team');
    await member(groups, 'Refunds').check();
    await groups.locator('button[type=submit]').click();
    await groups.locator('.form-status', { hasText: 'Saved' }).waitFor();
    await screenshot(admin, 'admin-user-groups');
    await admin.goto(`${baseUrl}/admin/user-groups/${refunds}`);
    assert.ok(await member(admin.locator('form.admin-form'), 'Bea Agent').isChecked(), 'Refunds lists Bea');
    await admin.goto(`${baseUrl}/admin/queues/new`);
    await fill(admin, 'department_id', 'Billing');
    await fill(admin, 'name', 'Billing');
    await fill(admin, 'routing.type', 'Skill group');
    await fill(admin, 'routing.user_group_id', 'Billing team');
    await fill(admin, 'service_level_secs', '600');
    await screenshot(admin, 'admin-queue-form');
    await admin.click('form.admin-form button[type=submit]');
    await admin.waitForURL(/\/admin\/queues\/\d+$/);
    queueId = admin.url().split('/').pop();
  });

  await step('write the KB answer in the formatted-text editor', async () => {
    await admin.goto(`${baseUrl}/admin/articles`);
    await admin.click('a.button.primary');
    await admin.waitForURL('**/admin/articles/new');
    await fill(admin, 'department_id', 'Billing');
    await fill(admin, 'title', 'Refund policy');
    const editor = admin.locator('.rich-editor');
    await editor.click();
    await editor.pressSequentially('Dear ');
    // The placeholders offered are the ones the validator accepts.
    await admin.locator('select[aria-label="Insert a placeholder"]').selectOption('{{customer.name}}');
    await editor.pressSequentially(', refunds take ');
    await admin.getByRole('button', { name: 'Bold' }).click();
    await editor.pressSequentially('five days');
    await admin.getByRole('button', { name: 'Bold' }).click();
    await editor.pressSequentially('.');
    await screenshot(admin, 'admin-kb-editor');
    await admin.click('form.admin-form button[type=submit]');
    await admin.waitForURL(/\/admin\/articles\/\d+$/);
    const html = await admin.locator('textarea[data-path="html"]').inputValue();
    assert.match(html, /Dear \{\{customer\.name\}\}, refunds take <b>five days<\/b>\./);
  });

  await step('create the alias and test its connection', async () => {
    await create(admin, 'aliases', [
      ['department_id', 'Billing'],
      ['address', 'support@acme.test'],
      ['display_name', 'Acme Billing'],
      ['queue_id', 'Billing (standard)'],
      ['incoming.host', '127.0.0.1'],
      ['incoming.port', env('SB_IMAP_PORT')],
      ['incoming.security', 'STARTTLS'],
      ['incoming.username', 'support'],
      ['incoming_password', 'secret'],
      ['incoming.poll_secs', '1'],
      ['outgoing.host', 'localhost'],
      ['outgoing.port', env('SB_SMTP_PORT')],
      ['outgoing.security', 'STARTTLS'],
    ]);
    await admin.click('button[data-action=test-alias]');
    await admin.locator('#alias-test [data-probe=incoming].probe-ok').waitFor({ timeout: 20000 });
    await admin.locator('#alias-test [data-probe=outgoing].probe-ok').waitFor({ timeout: 20000 });
    await screenshot(admin, 'admin-alias-tested');
  });

  const supervisor = await login(browser, 'sam@acme.test', PASSWORD, '/supervisor');
  const billing = supervisor.locator(`#queue-monitor tr[data-queue="${queueId}"]`);
  const agent = await login(browser, 'bea@acme.test', PASSWORD, '/agent');

  await step('the customer writes; the monitor shows it waiting', async () => {
    await billing.waitFor();
    writeFileSync(join(env('SB_SIGNAL_DIR'), 'deliver'), '');
    await billing.locator('[data-cell=waiting]', { hasText: /^1$/ }).waitFor({ timeout: 30000 });
    await screenshot(supervisor, 'supervisor-monitor-waiting');
  });

  let activity;
  await step('the agent becomes ready and gets the offer live', async () => {
    await agent.click('button[data-action=ready]');
    const row = agent.locator('#work tr.new-offer');
    await row.locator('.badge.offered').waitFor({ timeout: 30000 });
    activity = await row.getAttribute('data-activity');
    await screenshot(agent, 'agent-offer');
    await row.locator('button[data-action=accept]').click();
    await agent.locator(`#work tr[data-activity="${activity}"] .badge`, { hasText: 'assigned' }).waitFor();
  });

  await step('the monitor shows the queue drained and the agent busy', async () => {
    await billing.locator('[data-cell=waiting]', { hasText: /^0$/ }).waitFor({ timeout: 15000 });
    await billing.locator('[data-cell=taken]', { hasText: /^1$/ }).waitFor();
    await billing.locator('[data-cell=service-level]', { hasText: '100 %' }).waitFor();
    const bea = supervisor.locator('#agent-monitor tr', { hasText: 'Bea Agent' });
    await bea.locator(`a[href="/activities/${activity}"]`).waitFor();
    await screenshot(supervisor, 'supervisor-monitor-drained');
  });

  await step('open, insert the KB answer, Send & Complete', async () => {
    await agent.click(`#work tr[data-activity="${activity}"] a`);
    await agent.waitForURL(`**/activities/${activity}`);
    await agent.fill('#kb-query', 'refund');
    await agent.locator('#kb-hits button[data-action=insert]').first().click();
    // The placeholder is filled for this customer.
    await agent.locator('#editor').getByText('Dear Carol Customer, refunds take five days.').waitFor();
    await agent.setInputFiles('#reply-files', {
      name: 'refund-form.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Refund form for invoice 4471'),
    });
    // The file goes to the draft at once; Save draft keeps the text: a reload loses nothing.
    await agent.locator('#draft-files li', { hasText: 'refund-form.txt' }).waitFor();
    const saved = agent.waitForResponse((r) => r.url().endsWith('/draft') && r.request().method() === 'PUT');
    // Ctrl+S in the editor saves the draft.
    await agent.locator('#editor').press('Control+s');
    assert.equal((await saved).status(), 200);
    await agent.locator('#draft-status', { hasText: 'Draft saved' }).waitFor();
    await agent.reload();
    await agent.locator('#editor').getByText('Dear Carol Customer, refunds take five days.').waitFor();
    await agent.locator('#draft-files li', { hasText: 'refund-form.txt' }).waitFor();
    await agent.locator('#draft-status', { hasText: 'by Bea Agent' }).waitFor();
    await screenshot(agent, 'agent-composer');
    await agent.click('button[data-action=send][data-complete=true]');
    await agent.locator('#reply-result', { hasText: 'Sent.' }).waitFor();
  });

  await step('the agent frees up on the monitor', async () => {
    const bea = supervisor.locator('#agent-monitor tr', { hasText: 'Bea Agent' });
    await bea.locator('[data-cell=work] a').waitFor({ state: 'detached', timeout: 15000 });
    await screenshot(supervisor, 'supervisor-monitor-done');
  });

  await step('Getting started: every step done after the first test mail', async () => {
    await admin.goto(`${baseUrl}/admin/setup`);
    await admin.getByText('7 of 7 steps done').waitFor();
    assert.equal(await admin.locator('#setup-steps li.todo').count(), 0);
    await accessible(admin, 'the checklist done');
    await screenshot(admin, 'setup-done');
  });

  await step('a chat entry point is set up', async () => {
    const id = await create(admin, 'entry-points', [
      ['department_id', 'Billing'],
      ['name', 'Web shop'],
      ['queue_id', 'Billing (standard)'],
      ['allowed_origins', 'HTTPS://Shop.Example.com/'],
    ]);
    await admin.goto(`${baseUrl}/admin/entry-points/${id}`);
    assert.equal(await admin.inputValue('form.admin-form [data-path="allowed_origins"]'), 'https://shop.example.com');
    await screenshot(admin, 'admin-entry-point');
    // A colour the widget cannot use is refused beside its field.
    await fill(admin, 'widget.colour', 'blue');
    await admin.click('form.admin-form button[type=submit]');
    await admin.locator('.field[data-field="widget.colour"] .field-error').filter({ hasText: /#rrggbb/ }).waitFor();
  });

  await step('the other screens render', async () => {
    for (const kind of ['queues', 'aliases', 'articles', 'workflows', 'calendars', 'categories', 'kb-folders', 'user-groups', 'entry-points']) {
      await admin.goto(`${baseUrl}/admin/${kind}`);
      await admin.locator('#list-title').waitFor();
    }
    await admin.goto(`${baseUrl}/admin/workflows/new`);
    await screenshot(admin, 'admin-workflow-form');
    await supervisor.goto(`${baseUrl}/supervisor/review`);
    await supervisor.locator('#review-title').waitFor();
    await screenshot(supervisor, 'supervisor-review');
    // The services: the alias's mail worker is there, live.
    await admin.goto(`${baseUrl}/admin/services`);
    await admin.locator('#services-list tr[data-service^="retriever.alias."]').first().waitFor();
    await screenshot(admin, 'admin-services');
    // A stale link shows a page with the reason and a way back, not JSON.
    const gone = await admin.goto(`${baseUrl}/activities/999999`);
    assert.equal(gone.status(), 404);
    await admin.locator('h1', { hasText: 'Not found' }).waitFor();
    await admin.locator('[role=alert]', { hasText: 'activity 999999 not found' }).waitFor();
    await screenshot(admin, 'error-page');
  });
  assert.ok(!existsSync(join(env('SB_SIGNAL_DIR'), 'failed')), 'delivery failed');
  console.log(`full scenario: ok (activity ${activity})`);
} finally {
  await browser.close();
}
