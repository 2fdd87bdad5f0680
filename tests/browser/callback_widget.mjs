// Web callback and delayed callback in a real browser: a shop on another origin embeds the
// snippet of each kind on its own page. The agent goes ready (the console now shows readiness for
// callbacks); the customer asks to be called now — a wrong number is refused beside its field,
// then the booking is confirmed with the number in E.164; the agent gets the offer live, opens
// the callback, finds the number as a tel: link and the phone system's link, and records that the
// customer was reached. On the other page the customer picks a day and a time on their own clock
// and books a delayed callback. Each state is checked with axe-core; screenshots are kept.
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_NOW, SB_LATER (the entry
// points), SB_SHOP_PORT (a free port for the shop), SB_AGENT_EMAIL, SB_AGENT_PASSWORD.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { accessible, baseUrl, launch, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const shopPort = Number(env('SB_SHOP_PORT'));
const shop = `http://localhost:${shopPort}`;
const page = (ep) => `<!doctype html><html lang="en"><head><title>Shop</title><meta name="viewport" content="width=device-width, initial-scale=1">
</head><body><h1>Shop</h1><p>Call us.</p><script src="${baseUrl}/chat/widget.js" data-entry-point="${ep}" async></script></body></html>`;
const server = createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(page(req.url.startsWith('/later') ? env('SB_LATER') : env('SB_NOW')));
});
await new Promise((ok) => server.listen(shopPort, 'localhost', ok));

const browser = await launch();
try {
  const customer = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'America/New_York' })).newPage();
  const agent = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const button = customer.locator('[data-switchboard-chat] button');
  const frame = customer.frameLocator('[data-switchboard-chat] iframe');

  await step('the agent goes ready for callbacks', async () => {
    await agent.goto(`${baseUrl}/agent`);
    await agent.waitForURL('**/login');
    await agent.fill('input[name=email]', env('SB_AGENT_EMAIL'));
    await agent.fill('input[name=password]', env('SB_AGENT_PASSWORD'));
    await agent.click('button[type=submit]');
    await agent.waitForURL('**/inbox');
    await agent.goto(`${baseUrl}/agent`);
    await agent.click('button[data-action=ready]');
    await agent.locator('#availability .badge.ready').waitFor();
    assert.ok(await agent.isChecked('input[data-channel=callback]'));
    assert.ok(await agent.isChecked('input[data-channel=delayed_callback]'));
  });

  let activity;
  await step('the customer asks to be called now', async () => {
    await customer.goto(`${shop}/now`);
    await button.waitFor({ state: 'visible', timeout: 15000 });
    assert.match(await button.innerText(), /Call me now/);
    await button.click();
    await frame.locator('#cb-form').waitFor();
    assert.equal(await frame.locator('#cb-at-field').isVisible(), false, 'no time for an immediate callback');
    await accessible(customer, 'the callback form');
    await frame.locator('#cb-name').fill('Carla Customer');
    await frame.locator('#cb-phone').fill('12');
    await frame.getByRole('button', { name: 'Call me back' }).click();
    await frame.locator('#cb-phone-error').getByText(/not a phone number/).waitFor();
    assert.equal(await frame.locator('#cb-phone').getAttribute('aria-invalid'), 'true');
    await frame.locator('#cb-phone').fill('(415) 555-2671');
    await frame.locator('#cb-note').fill('My invoice 42');
    await frame.getByRole('button', { name: 'Call me back' }).click();
    await frame.locator('#booked').getByText('We will call you at +14155552671 as soon as an agent is free.').waitFor();
    await screenshot(customer, 'callback-booked');
    await accessible(customer, 'the booked callback');
  });

  await step('the agent gets the offer, calls and records the outcome', async () => {
    const row = agent.locator('#work tr[data-activity]').filter({ hasText: 'My invoice 42' });
    await row.locator('.badge.offered').waitFor({ timeout: 15000 });
    activity = await row.getAttribute('data-activity');
    await Promise.all([
      agent.waitForResponse((r) => r.url().endsWith(`/activities/${activity}/actions`) && r.ok()),
      row.locator('button[data-action=accept]').click(),
    ]);
    await agent.goto(`${baseUrl}/activities/${activity}`);
    const call = agent.locator('.callback a[href^="tel:"]');
    assert.equal(await call.getAttribute('href'), 'tel:+14155552671');
    const dial = agent.locator('.callback a', { hasText: 'Open in the phone system' });
    assert.equal(await dial.getAttribute('href'), `https://cti.example.com/dial?to=%2B14155552671&ref=${activity}`);
    await screenshot(agent, 'callback-agent');
    await accessible(agent, "the agent's callback");
    await agent.locator('#call-outcome').selectOption('call_again');
    await agent.locator('#call-again-label').waitFor();
    await agent.locator('#call-outcome').selectOption('reached');
    await agent.locator('#call-note').fill('Explained invoice 42.');
    await agent.locator('button[data-action=record-call]').click();
    await agent.locator('#call-result').getByText('Recorded and completed.').waitFor();
  });

  await step('the customer books a delayed callback on their own clock', async () => {
    await customer.goto(`${shop}/later`);
    await button.waitFor({ state: 'visible', timeout: 15000 });
    assert.match(await button.innerText(), /Call me later/);
    await button.click();
    await frame.locator('#cb-at-field').waitFor();
    await frame.locator('#cb-zone').getByText('America/New_York').waitFor();
    const days = await frame.locator('#cb-day option').count();
    assert.ok(days >= 2, `days offered: ${days}`);
    await frame.locator('#cb-day').selectOption({ index: 1 });
    const times = await frame.locator('#cb-at option').count();
    assert.ok(times >= 1, 'times offered on the second day');
    await frame.locator('#cb-name').fill('Carla Customer');
    await frame.locator('#cb-phone').fill('+1 415 555 2671');
    await frame.locator('#cb-email').fill('carla@customer.test');
    await accessible(customer, 'the delayed callback form');
    await screenshot(customer, 'callback-delayed-form');
    await frame.getByRole('button', { name: 'Call me at this time' }).click();
    await frame.locator('#booked').getByText(/We will call you at \+14155552671 on /).waitFor();
    await frame.locator('#booked').getByText(/confirmation is on its way/).waitFor();
    await screenshot(customer, 'callback-delayed-booked');
  });

  await step('on a phone the form fits the screen', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    await phone.goto(`${shop}/later`);
    const b = phone.locator('[data-switchboard-chat] button');
    await b.waitFor({ state: 'visible' });
    await b.click();
    const f = phone.frameLocator('[data-switchboard-chat] iframe');
    await f.locator('#cb-form').waitFor();
    const wide = await f.locator('body').evaluate((el) => el.scrollWidth - el.clientWidth);
    assert.ok(wide <= 0, `the form overflows by ${wide} px`);
    await screenshot(phone, 'callback-phone');
  });
} finally {
  await browser.close();
  server.close();
}
