// The one inbox in a real browser: one agent handles an email, a chat and a callback without
// leaving it. She logs in and lands in the inbox, goes ready; the customer's email (delivered
// through the real mailbox), a chat and a callback (through the public API) are offered and
// listed together; she accepts from the list, from the keyboard (`a`) and opens each beside the
// list and the customer — three panes at 1280×800. She keeps a view, walks the list with `j`/`k`,
// reads the shortcut sheet (`?`), answers the email with Send & Complete (the chat opens next by
// itself), writes to the customer in the chat and completes it (the callback opens next), and
// records the call (the empty inbox is back). In German it speaks German. On a phone the panes
// stack and nothing overflows.
// Each screen is checked with axe-core; screenshots are kept.
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_AGENT_EMAIL,
// SB_AGENT_PASSWORD, SB_CHAT_EP, SB_CALLBACK_EP, SB_EMAIL_SUBJECT.

import assert from 'node:assert/strict';
import { accessible, baseUrl, launch, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

async function publicApi(method, path, body, token) {
  const res = await fetch(`${baseUrl}/chat/v1${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

const browser = await launch();
try {
  const agent = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const item = (text) => agent.locator('.inbox-items > li').filter({ hasText: text });
  const openId = () => agent.locator('.inbox-items > li[aria-current="true"]').getAttribute('data-activity');
  const subject = env('SB_EMAIL_SUBJECT');
  let chat;

  await step('the agent logs in, lands in the inbox and goes ready', async () => {
    await agent.goto(`${baseUrl}/`);
    await agent.waitForURL('**/login');
    await agent.fill('input[name=email]', env('SB_AGENT_EMAIL'));
    await agent.fill('input[name=password]', env('SB_AGENT_PASSWORD'));
    await agent.click('button[type=submit]');
    await agent.waitForURL('**/inbox');
    await agent.locator('h1', { hasText: 'Inbox' }).waitFor();
    await agent.click('button[data-action=ready]');
    await agent.locator('#availability .badge.ready').waitFor();
  });

  await step('the email is offered in the list and accepted there: it opens beside it', async () => {
    const row = item(subject);
    await row.locator('.badge.offered').waitFor({ timeout: 20000 });
    assert.match(await row.innerText(), /Carol Customer/);
    assert.match(await row.innerText(), /Desk · waiting/);
    await accessible(agent, 'the inbox with an offer');
    await screenshot(agent, 'inbox-offer');
    await row.locator('button[data-action=accept]').click();
    await agent.waitForURL(/\/inbox\/\d+\?view=mine/);
    await agent.locator('#activity-title', { hasText: subject }).waitFor();
  });

  await step('three panes side by side at 1280 px', async () => {
    const list = await agent.locator('.inbox-list').boundingBox();
    const main = await agent.locator('.main-column').boundingBox();
    const side = await agent.locator('.side-column').boundingBox();
    assert.ok(list.x + list.width <= main.x && main.x + main.width <= side.x, 'list, conversation, customer from left to right');
    assert.ok(side.x + side.width <= 1280, 'all within the window');
    await agent.locator('.side-column').getByText('Carol Customer').first().waitFor();
    await accessible(agent, 'the email beside the list');
    await screenshot(agent, 'inbox-email');
  });

  await step('a chat is offered while she reads: she accepts it with the keyboard', async () => {
    const started = await publicApi('POST', `/entry-points/${env('SB_CHAT_EP')}/chats`, {
      answers: { name: 'Carla Chat', email: 'carla@customer.test', question: 'Do you ship to Iceland?' },
    });
    chat = started;
    await publicApi('POST', `/chats/${started.chat_id}/messages`, { body: 'Hello, anyone there?' }, started.token);
    await item('Carla Chat').locator('.badge.offered').waitFor({ timeout: 20000 });
    await agent.locator('body').press('a');
    await agent.locator('#chat-log').getByText('Hello, anyone there?').waitFor({ timeout: 15000 });
    assert.equal(await item('Carla Chat').getAttribute('aria-current'), 'true');
  });

  await step('a callback is offered and accepted from the list', async () => {
    await publicApi('POST', `/entry-points/${env('SB_CALLBACK_EP')}/callbacks`, {
      name: 'Cody Callback', phone: '+1 415 555 2671', note: 'About my invoice',
    });
    const row = item('Cody Callback');
    await row.locator('.badge.offered').waitFor({ timeout: 20000 });
    await row.locator('button[data-action=accept]').click();
    await agent.locator('.callback a[href^="tel:"]').waitFor();
    assert.equal(await agent.locator('.inbox-items > li').count(), 3, 'email, chat and callback together');
    for (const channel of ['Email', 'Chat', 'Callback']) {
      await agent.locator('.inbox-items .channel', { hasText: channel }).first().waitFor();
    }
    await accessible(agent, 'the callback beside the list');
    await screenshot(agent, 'inbox-callback');
  });

  await step('she keeps a view of her calls and walks the list with the keyboard', async () => {
    await agent.locator('.inbox-list nav[aria-label=Channels]').getByRole('link', { name: 'Callback', exact: true }).click();
    await agent.waitForURL(/channel=callback/);
    assert.equal(await agent.locator('.inbox-items > li').count(), 1);
    await agent.locator('.saved-views summary').click();
    await agent.locator('#view-name').fill('My calls');
    await agent.locator('.save-view button[type=submit]').click();
    await agent.locator('.saved-views a', { hasText: 'My calls' }).waitFor();
    await agent.locator('.inbox-list nav[aria-label=Channels]').getByRole('link', { name: 'All', exact: true }).click();
    await agent.waitForURL((u) => !u.search.includes('channel='));
    await agent.locator('body').press('j');
    await agent.waitForURL(/\/inbox\/\d+/);
    const first = await openId();
    assert.equal(first, await agent.locator('.inbox-items > li').first().getAttribute('data-activity'), 'j opens the first item');
    await agent.locator('body').press('j');
    await agent.waitForURL((u) => !u.pathname.endsWith(`/${first}`));
    assert.notEqual(await openId(), first, 'j opens the next item');
    await agent.locator('body').press('k');
    await agent.waitForURL((u) => u.pathname.endsWith(`/${first}`));
    await agent.locator('body').press('?');
    await agent.locator('#shortcuts').getByText('Next item').waitFor();
    await accessible(agent, 'the shortcut sheet');
    await screenshot(agent, 'inbox-shortcuts');
    await agent.keyboard.press('Escape');
    await agent.locator('#shortcuts').waitFor({ state: 'hidden' });
  });

  await step('she answers the email with Send & Complete: the chat opens next', async () => {
    await item(subject).locator('a.inbox-link').click();
    await agent.locator('#editor').waitFor();
    await agent.locator('#editor').click();
    await agent.keyboard.type('Your parcel left our warehouse today.');
    await agent.click('button[data-action=send][data-complete=true]');
    await agent.locator('#chat-log').waitFor({ timeout: 15000 });
    assert.equal(await item(subject).count(), 0, 'the email left the list');
    assert.match(agent.url(), /\/inbox\/\d+\?view=mine/);
  });

  await step('she writes in the chat and completes it: the callback opens next', async () => {
    await agent.locator('#chat-text').fill('Yes, we ship to Iceland.');
    await agent.locator('#chat-compose button[type=submit]').click();
    await agent.locator('#chat-log').getByText('Yes, we ship to Iceland.').waitFor();
    const seen = await publicApi('GET', `/chats/${chat.chat_id}/messages`, undefined, chat.token);
    assert.ok(JSON.stringify(seen).includes('Yes, we ship to Iceland.'), 'the customer has the answer');
    await agent.locator('.handle button[data-action=complete]').click();
    await agent.locator('.callback a[href^="tel:"]').waitFor({ timeout: 15000 });
  });

  await step('she records the call: the inbox is empty again', async () => {
    await agent.locator('#call-outcome').selectOption('reached');
    await agent.locator('#call-note').fill('Explained the invoice.');
    await agent.locator('button[data-action=record-call]').click();
    await agent.waitForURL(/\/inbox\?view=mine$/, { timeout: 15000 });
    await agent.getByText('Nothing here.').waitFor();
    await accessible(agent, 'the empty inbox');
    await screenshot(agent, 'inbox-empty');
  });

  await step('in German the inbox speaks German', async () => {
    await agent.goto(`${baseUrl}/me`);
    await agent.locator('#pref-language').selectOption('de');
    await agent.locator('#preferences button[type=submit]').click();
    await agent.locator('#prefs-result').getByText('Saved.').waitFor();
    await agent.goto(`${baseUrl}/inbox`);
    await agent.locator('h1', { hasText: 'Posteingang' }).waitFor();
    assert.equal(await agent.getAttribute('html', 'lang'), 'de');
    await agent.getByRole('link', { name: 'Wartend in meinen Warteschlangen' }).waitFor();
    await agent.locator('body').press('?');
    await agent.locator('#shortcuts').getByText('Nächster Eintrag').waitFor();
    await accessible(agent, 'the German inbox');
    await screenshot(agent, 'inbox-german');
    await agent.keyboard.press('Escape');
  });

  await step('on a phone the panes stack and fit', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    await phone.goto(`${baseUrl}/login`);
    await phone.fill('input[name=email]', env('SB_AGENT_EMAIL'));
    await phone.fill('input[name=password]', env('SB_AGENT_PASSWORD'));
    await phone.click('button[type=submit]');
    await phone.waitForURL('**/inbox');
    await phone.goto(`${baseUrl}/inbox?view=mine`);
    const over = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(over <= 0, `overflows sideways by ${over} px`);
    const list = await phone.locator('.inbox-list').boundingBox();
    const rest = await phone.locator('.inbox-empty').boundingBox();
    assert.ok(rest.y >= list.y + list.height, 'stacked');
    await screenshot(phone, 'inbox-phone');
  });
  console.log('inbox: ok');
} finally {
  await browser.close();
}
