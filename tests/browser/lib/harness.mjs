// Shared harness for the browser tests: starts the system Chromium through playwright-core (which
// downloads no browser of its own), names the server under test and keeps screenshots.
//
// Environment:
//   SWITCHBOARD_URL        base URL of the running server under test (required)
//   SWITCHBOARD_CHROMIUM   Chromium executable (default /usr/bin/chromium; the cargo test sets it
//                          from SWITCHBOARD_TEST_CHROMIUM, as the server rejects unknown SWITCHBOARD_*)
//   SWITCHBOARD_ARTIFACTS  where screenshots go (default tests/browser/artifacts)
//   SWITCHBOARD_SPKI       for a server on HTTPS with a test certificate: the base64 SHA-256 of
//                          its public key, the one certificate Chromium then accepts

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';

/** Base URL of the server under test, without a trailing slash. */
export const baseUrl = (process.env.SWITCHBOARD_URL || '').replace(/\/+$/, '');
if (!baseUrl) {
  throw new Error('SWITCHBOARD_URL is not set: run the browser tests through cargo test');
}

/** Directory for screenshots and other artifacts. */
export const artifactsDir = process.env.SWITCHBOARD_ARTIFACTS || 'tests/browser/artifacts';

// The browser launched last; `step` screenshots its pages when a step fails.
let current = null;

/** Launches headless Chromium; the caller closes it. */
export async function launch() {
  current = await chromium.launch({
    executablePath: process.env.SWITCHBOARD_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', // we may run as root, where the sandbox refuses to start
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      // No traffic of Chromium's own: updates, sync, background fetches, reporting.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-domain-reliability',
      '--no-pings',
      // Only loopback names resolve, so a stray request fails at once instead of leaving the machine.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
      // A test certificate is trusted by its public key alone, not by turning checks off.
      ...(process.env.SWITCHBOARD_SPKI
        ? [`--ignore-certificate-errors-spki-list=${process.env.SWITCHBOARD_SPKI}`]
        : []),
    ],
  });
  return current;
}

/** Saves a full-page PNG of `page` as `<artifacts>/<name>.png` and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Runs one named step; on failure screenshots the open pages as `failure-<name>`, then rethrows. */
export async function step(name, fn) {
  console.log(`step: ${name}`);
  try {
    return await fn();
  } catch (err) {
    const pages = current ? current.contexts().flatMap((c) => c.pages()) : [];
    for (const [i, page] of pages.entries()) {
      const shot = `failure-${name}${pages.length > 1 ? `-${i + 1}` : ''}`;
      try {
        console.error(`saved ${await screenshot(page, shot)}`);
      } catch (shotErr) {
        console.error(`no screenshot for ${shot}: ${shotErr.message}`);
      }
    }
    throw err;
  }
}

/** Opens a new 1280×800 context, logs in as `email` and waits to land on `landing`. */
export async function login(browser, email, password, landing) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error (${email}): ${e.message}`));
  await page.goto(`${baseUrl}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  // Each role lands on its home; a test that works elsewhere goes there next.
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  if (new URL(page.url()).pathname !== landing) await page.goto(`${baseUrl}${landing}`);
  return page;
}

/** The WCAG 2.2 A and AA rules axe-core checks. */
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Checks `page` as it is now (frames included) with axe-core's WCAG A/AA rules and fails with
 * each violation's rule, impact and elements. Each state of a page needs its own check: axe sees
 * only the current DOM.
 */
export async function accessible(page, what) {
  const r = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  if (r.violations.length) {
    const each = r.violations.map(
      (v) => `${v.id} [${v.impact}]: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
    await screenshot(page, `axe-${what}`);
    throw new Error(`${what} is not accessible:\n  ${each.join('\n  ')}`);
  }
}
