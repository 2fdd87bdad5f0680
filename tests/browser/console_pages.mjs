// Every console page, as a desk user meets it: the login page, the inbox (the list, the waiting work, an item beside the list), the agent's console and search,
// an activity, its case, a customer, the search across departments, the user's own settings, the supervisor's monitor, review and outbox, and the administration's index,
// services, and each kind's list, new form and edit form. Each is checked with axe-core's WCAG
// 2.x A/AA rules at 1280×800 and on a phone (390×844), where nothing may overflow sideways; each
// page has one <h1>. Every finding is collected, the figures written to the artifacts
// (`axe-figures.json`), and the test fails listing them all.
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_ADMIN_EMAIL,
// SB_ADMIN_PASSWORD, SB_ACTIVITY (an activity id), SB_CUSTOMER (its customer), SB_CASE (its case), SB_OBJECTS (JSON: admin kind → an object id).

import { writeFileSync, mkdirSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { artifactsDir, baseUrl, launch, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const objects = JSON.parse(env('SB_OBJECTS'));
const pages = [
  '/inbox',
  '/inbox?view=waiting',
  `/inbox/${env('SB_ACTIVITY')}`,
  '/agent',
  '/agent/search?q=refund',
  `/activities/${env('SB_ACTIVITY')}`,
  `/customers/${env('SB_CUSTOMER')}`,
  `/cases/${env('SB_CASE')}`,
  '/search?q=carla',
  '/me',
  '/supervisor',
  '/supervisor/review',
  '/supervisor/outbox',
  '/reports',
  '/reports?kind=email_volume&granularity=hour',
  '/docs/data-dictionary',
  '/reports/saved',
  '/admin',
  '/admin/services',
  '/admin/setup',
  '/admin/no-such-page',
];
for (const [kind, id] of Object.entries(objects)) {
  pages.push(`/admin/${kind}`, `/admin/${kind}/new`);
  if (id) pages.push(`/admin/${kind}/${id}`);
}

const findings = [];
const figures = { pages: 0, checks: 0, violations: { critical: 0, serious: 0, moderate: 0, minor: 0 } };

async function check(page, path, size) {
  const what = `${path} at ${size}`;
  figures.checks += 1;
  // The phone's check is what the viewport changes: touch targets, scrolling regions, zoom.
  const axe = new AxeBuilder({ page });
  const r = await (size === 'phone'
    ? axe.withRules(['target-size', 'scrollable-region-focusable', 'meta-viewport', 'meta-viewport-large'])
    : axe.withTags(WCAG)
  ).analyze();
  for (const v of r.violations) {
    figures.violations[v.impact] = (figures.violations[v.impact] || 0) + v.nodes.length;
    findings.push(`${what}: ${v.id} [${v.impact}] ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }
  const h1 = await page.locator('h1').count();
  if (h1 !== 1) findings.push(`${what}: ${h1} <h1> elements (one names the page)`);
  const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (over > 0) findings.push(`${what}: overflows sideways by ${over} px`);
  if (r.violations.length || h1 !== 1 || over > 0) await screenshot(page, `page-${size}-${path.replace(/[^a-z0-9]+/gi, '-')}`);
}

const browser = await launch();
try {
  for (const [size, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
    await step(`every console page on the ${size}`, async () => {
      const context = await browser.newContext({ viewport, isMobile: size === 'phone' });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/login`);
      await check(page, '/login', size);
      await page.fill('input[name=email]', env('SB_ADMIN_EMAIL'));
      await page.fill('input[name=password]', env('SB_ADMIN_PASSWORD'));
      await page.click('button[type=submit]');
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      for (const path of pages) {
        await page.goto(`${baseUrl}${path}`);
        await page.waitForLoadState('load');
        await page.waitForTimeout(100);
        if (size === 'desktop') figures.pages += 1;
        await check(page, path, size);
      }
      await context.close();
    });
  }
} finally {
  await browser.close();
  mkdirSync(artifactsDir, { recursive: true });
  writeFileSync(`${artifactsDir}/axe-figures.json`, JSON.stringify({ ...figures, findings }, null, 2));
}
console.log(`axe-core: ${figures.pages} pages, ${figures.checks} checks, violations ${JSON.stringify(figures.violations)}`);
if (findings.length) {
  throw new Error(`${findings.length} findings:\n  ${findings.join('\n  ')}`);
}
