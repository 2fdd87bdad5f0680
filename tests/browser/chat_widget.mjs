// Web chat in a real browser: a shop page on another origin embeds the snippet. With no agent
// ready the widget offers only its offline alternative, where the customer leaves an email; the
// agent goes ready; the customer fills the pre-chat form and sees their place in the queue; the
// agent gets the offer live, accepts and opens the chat; messages flow both ways with typing
// indicators; the customer reloads the page and finds the conversation whole; the agent inserts a
// knowledge-base answer and ends the chat; the customer answers the survey and asks for the
// transcript (the Rust side finds it in the customer's real mailbox); the agent wraps the chat up
// with a note and completes it. Each state of the window is checked with axe-core.
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_ENTRY_POINT,
// SB_SHOP_PORT (a free port for the shop page), SB_AGENT_EMAIL, SB_AGENT_PASSWORD.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { accessible, baseUrl, launch, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

// The shop: another origin (another host name and port) whose CSS tries to restyle every button.
const shopPort = Number(env('SB_SHOP_PORT'));
const shop = `http://localhost:${shopPort}`;
const snippet = `<script src="${baseUrl}/chat/widget.js" data-entry-point="${env('SB_ENTRY_POINT')}" async></script>`;
const server = createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><title>Shop</title><meta name="viewport" content="width=device-width, initial-scale=1">
<style>button, iframe { display: none !important; } * { font-family: serif !important; }</style>
</head><body><h1>Shop</h1><p>Our products.</p>${snippet}</body></html>`);
});
await new Promise((ok) => server.listen(shopPort, 'localhost', ok));

const browser = await launch();
try {
  const customer = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const agent = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const button = customer.locator('[data-switchboard-chat] button');
  const chat = customer.frameLocator('[data-switchboard-chat] iframe');

  await step('nobody ready: the offline alternative', async () => {
    await customer.goto(shop);
    await button.waitFor({ state: 'visible', timeout: 15000 });
    assert.match(await button.innerText(), /We cannot chat right now/);
    await button.click();
    await chat.locator('#offline-text').getByText('Leave us a message').waitFor();
    assert.equal(await chat.locator('#pre-chat').isVisible(), false);
    await screenshot(customer, 'chat-offline');
    await accessible(customer, 'the offline alternative');
  });

  await step('the customer leaves an email instead', async () => {
    await chat.getByRole('button', { name: 'Send email' }).click();
    await chat.locator('#l-email-error').getByText(/email address/).waitFor();
    await chat.locator('#l-name').fill('Olga Offline');
    await chat.locator('#l-email').fill('olga@customer.test');
    await chat.locator('#l-message').fill('Do you ship to Iceland?\nThanks, Olga');
    await chat.getByRole('button', { name: 'Send email' }).click();
    await chat.locator('#left').getByText('We will answer by email.').waitFor();
    assert.equal(await chat.locator('#leave').isVisible(), false);
  });

  await step('the agent goes ready', async () => {
    await agent.goto(`${baseUrl}/agent`);
    await agent.waitForURL('**/login');
    await agent.fill('input[name=email]', env('SB_AGENT_EMAIL'));
    await agent.fill('input[name=password]', env('SB_AGENT_PASSWORD'));
    await agent.click('button[type=submit]');
    await agent.waitForURL('**/inbox');
    await agent.goto(`${baseUrl}/agent`);
    await agent.click('button[data-action=ready]');
    await agent.locator('#availability .badge.ready').waitFor();
    assert.ok(await agent.isChecked('input[data-channel=chat]'));
  });

  let activity;
  await step('the customer starts a chat and waits', async () => {
    await customer.reload();
    await button.waitFor({ state: 'visible' });
    assert.match(await button.innerText(), /Chat with us/);
    await button.click();
    await chat.locator('#pre-chat').waitFor();
    await chat.getByRole('button', { name: 'Start chat' }).click();
    await chat.locator('#f-name-error').getByText('is required').waitFor();
    await chat.getByLabel('Your name').fill('Carla Customer');
    await chat.getByLabel('Your email address').fill('carla@customer.test');
    await chat.getByLabel('How can we help?').fill('Where is my order 4711? See https://shop.example.com/o/4711');
    await chat.getByRole('button', { name: 'Start chat' }).click();
    await chat.locator('#status').getByText(/number 1 in the queue/).waitFor({ timeout: 15000 });
    await accessible(customer, 'the waiting chat');
    const first = chat.locator('#log .msg.customer').first();
    await first.waitFor();
    assert.equal(await first.locator('a').getAttribute('href'), 'https://shop.example.com/o/4711');
    assert.equal(await first.locator('a').getAttribute('rel'), 'noopener noreferrer nofollow');
    await screenshot(customer, 'chat-waiting');
  });

  await step('the agent gets the offer live and accepts', async () => {
    const row = agent.locator('#work tr[data-activity]').filter({ hasText: 'Where is my order 4711?' });
    await row.locator('.badge.offered').waitFor({ timeout: 15000 });
    activity = await row.getAttribute('data-activity');
    await row.locator('button[data-action=accept]').click();
    await agent.goto(`${baseUrl}/activities/${activity}`);
    await agent.locator('#chat-log .msg.customer').getByText('Where is my order 4711?').waitFor();
    await chat.locator('#status').getByText('You are chatting with Ann Agent.').waitFor({ timeout: 15000 });
  });

  await step('messages and typing both ways', async () => {
    await agent.locator('#chat-text').pressSequentially('Hello Carla', { delay: 20 });
    await chat.locator('#typing').getByText('The agent is typing').waitFor();
    await agent.locator('#chat-text').press('Enter');
    await chat.locator('#log .msg.agent').getByText('Hello Carla').waitFor();
    await chat.locator('#text').pressSequentially('<b>Thanks</b>', { delay: 20 });
    await agent.locator('#chat-typing').getByText('The customer is typing').waitFor();
    await chat.getByRole('button', { name: 'Send' }).click();
    await agent.locator('#chat-log .msg.customer').getByText('<b>Thanks</b>').waitFor();
    assert.equal(await agent.locator('#chat-log b').count(), 0, 'customer text stays text');
    await chat.locator('#log .msg.customer .state').getByText('Sent').waitFor();
    await screenshot(customer, 'chat-talking');
    await screenshot(agent, 'chat-agent');
    await accessible(customer, 'the conversation');
    await accessible(agent, "the agent's chat");
  });

  await step('a reload finds the conversation whole', async () => {
    await customer.reload();
    await chat.locator('#log .msg.agent').getByText('Hello Carla').waitFor({ timeout: 15000 });
    await chat.locator('#log .msg.customer').getByText('<b>Thanks</b>').waitFor();
    const seqs = await chat.locator('#log .msg').evaluateAll((els) => els.map((e) => e.dataset.seq));
    assert.deepEqual(seqs, [...new Set(seqs)], 'every message once');
    assert.equal(seqs.length, 3, JSON.stringify(seqs));
  });

  await step('the agent inserts a knowledge-base answer', async () => {
    await agent.locator('#chat-kb').fill('delivery');
    await agent.locator('#chat-kb-hits button').first().click();
    await agent.waitForFunction(() => /Carla Customer/.test(document.getElementById('chat-text').value));
    await agent.locator('#chat-compose button[type=submit]').click();
    await chat.locator('#log .msg.agent').getByText(/Carla Customer, deliveries take two days/).waitFor();
  });

  await step('the customer sends a file; the agent downloads it', async () => {
    await chat.locator('#attach').setInputFiles({ name: 'receipt.txt', mimeType: 'text/plain', buffer: Buffer.from('Receipt 4711') });
    await chat.locator('#log .msg.customer button.file').getByText(/receipt\.txt/).waitFor();
    const link = agent.locator('#chat-log .msg.customer a[download]').filter({ hasText: 'receipt.txt' });
    await link.waitFor();
    const [download] = await Promise.all([agent.waitForEvent('download'), link.click()]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    assert.equal(readFileSync(path, 'utf8'), 'Receipt 4711');
  });

  await step('the agent ends the chat', async () => {
    await agent.locator('#chat-end').click();
    await agent.locator('#chat-state').getByText('The chat has ended.').waitFor();
    await chat.locator('#log .msg.system').getByText('The agent ended the chat.').waitFor();
    await chat.locator('#status').getByText('The chat has ended.').waitFor();
    assert.equal(await chat.locator('#compose').isVisible(), false);
    await chat.getByRole('button', { name: 'Start a new chat' }).waitFor();
    await screenshot(customer, 'chat-ended');
  });

  await step('the customer answers the survey and asks for the transcript', async () => {
    await chat.getByRole('button', { name: 'Send answers' }).click();
    await chat.locator('#q-score-error').getByText('please answer this question').waitFor();
    await chat.getByRole('radio', { name: '4' }).check();
    await chat.getByRole('button', { name: 'Send answers' }).click();
    await chat.locator('#survey-done').getByText('Thank you for your answers.').waitFor();
    await chat.getByRole('button', { name: 'Email me the transcript' }).click();
    await chat.locator('#transcript-status').getByText('on its way').waitFor();
    await screenshot(customer, 'chat-survey');
    await accessible(customer, 'the end of the chat');
  });

  await step('the agent wraps the chat up and completes it', async () => {
    await agent.reload();
    await agent.locator('#wrap-note').fill('Order 4711 ships Monday.');
    await accessible(agent, 'the wrap-up');
    await agent.locator('.handle button[data-action=complete]').click();
    await agent.locator('#handle-result').getByText('Completed.').waitFor();
  });

  await step('on a phone the window fills the screen', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    await phone.goto(shop);
    const b = phone.locator('[data-switchboard-chat] button');
    await b.waitFor({ state: 'visible' });
    await b.click();
    const box = await phone.locator('[data-switchboard-chat] iframe').boundingBox();
    assert.ok(box.width >= 380 && box.height >= 800, JSON.stringify(box));
    await screenshot(phone, 'chat-phone');
  });
} finally {
  await browser.close();
  server.close();
}
