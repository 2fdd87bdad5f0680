// Smoke test: a real browser opens the server's health check and sees it answer "ok".
// Exits 0 on success, 1 (after printing the error) on any failure.

import assert from 'node:assert/strict';
import { baseUrl, launch, screenshot, step } from './lib/harness.mjs';

let browser;
try {
  browser = await launch();
  const page = await browser.newPage();
  await step('open healthz', async () => {
    const response = await page.goto(`${baseUrl}/healthz`);
    assert.equal(response?.status(), 200, 'GET /healthz status');
  });
  await step('healthz says ok', async () => {
    const text = await page.locator('body').innerText();
    assert.match(text, /\bok\b/, `healthz page text: ${text}`);
    await screenshot(page, 'smoke-healthz');
  });
  await browser.close();
  console.log('smoke: ok');
  process.exit(0);
} catch (err) {
  console.error(err);
  await browser?.close().catch(() => {});
  process.exit(1);
}
