// The reports console: a supervisor runs the email volume report per hour, sees its chart (an
// SVG with a bar per hour, its table below), exports it as CSV, XLSX and PDF, filters it by
// several queues and a channel, pages through it at 15 minutes (every page with the whole
// period's totals), saves it for today and runs it by hand; the fields do not overlap at 1280 px; the pages pass axe-core in light
// and dark colours.
//
// Environment (set by crates/cli/tests/browser.rs): SWITCHBOARD_URL, SB_EMAIL, SB_PASSWORD,
// SB_ARRIVED (how many emails arrived today).

import assert from 'node:assert/strict';
import { accessible, baseUrl, launch, login, screenshot, step } from './lib/harness.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const browser = await launch();
try {
  const page = await login(browser, env('SB_EMAIL'), env('SB_PASSWORD'), '/reports');
  // Runs the email volume report of the default period per `per` (a granularity), in UTC.
  const emailVolume = async (per) => {
    await page.goto(`${baseUrl}/reports`);
    await page.getByLabel('Report', { exact: true }).selectOption('email_volume');
    await page.getByLabel('Per', { exact: true }).selectOption(per);
    await page.getByLabel('Time zone', { exact: true }).fill('UTC');
    await page.getByRole('button', { name: 'Run report' }).click();
  };

  await step('run the email volume report per hour', async () => {
    await emailVolume('hour');
    await page.locator('svg.chart rect.bar').first().waitFor({ timeout: 15000 });
    const total = await page.locator('.report-table tfoot td.num').first().innerText();
    assert.equal(total.trim(), env('SB_ARRIVED'));
    assert.ok((await page.locator('svg.chart rect.bar').count()) >= 1);
    await screenshot(page, 'report-chart');
    await accessible(page, 'a report with its chart');
    // At 1280 px each field stays in its column: no select runs under the next field.
    const boxes = [];
    for (const id of ['#r-kind', '#r-preset', '#r-from', '#r-to', '#r-granularity', '#r-tz']) {
      boxes.push({ id, ...(await page.locator(id).boundingBox()) });
    }
    for (const a of boxes) {
      for (const b of boxes) {
        const apart = a === b || a.x + a.width <= b.x + 0.5 || b.x + b.width <= a.x + 0.5
          || a.y + a.height <= b.y + 0.5 || b.y + b.height <= a.y + 0.5;
        assert.ok(apart, `${a.id} overlaps ${b.id}`);
      }
    }
  });

  await step('the chart reads in dark mode too', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'report-chart-dark');
    await accessible(page, 'a report in dark mode');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await step('drill down from a row to the activities behind it', async () => {
    await page.locator('.report-table tbody th a').first().click();
    await page.getByRole('heading', { name: 'Activities behind a report' }).waitFor();
    const rows = page.locator('table.drill-table tbody tr');
    assert.ok((await rows.count()) >= 1);
    await accessible(page, 'the activities behind a report row');
    await page.goBack();
    await page.locator('svg.chart rect.bar').first().waitFor({ timeout: 15000 });
  });

  await step('export it as CSV', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(path, 'utf8');
    assert.match(text.split('\n')[0], /^period,id,name,arrived/);
    assert.match(text, new RegExp(`,0,Total,${env('SB_ARRIVED')},`));
  });

  await step('export it as a workbook and as a PDF', async () => {
    const { readFileSync } = await import('node:fs');
    for (const [name, magic, file] of [['XLSX', 'PK', /\.xlsx$/], ['PDF', '%PDF-', /\.pdf$/]]) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: `Export ${name}` }).click(),
      ]);
      assert.match(download.suggestedFilename(), file);
      const bytes = readFileSync(await download.path());
      assert.equal(bytes.subarray(0, magic.length).toString('latin1'), magic, name);
    }
  });

  await step('filter by several queues and a channel', async () => {
    const queues = page.getByLabel('Queues', { exact: true });
    const values = await queues.locator('option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(values.length >= 1);
    await queues.selectOption(values);
    await page.locator('input[name=channel][value=inbound_email]').check();
    await Promise.all([
      page.waitForURL(/queue_id=/),
      page.getByRole('button', { name: 'Run report' }).click(),
    ]);
    await page.locator('svg.chart rect.bar').first().waitFor({ timeout: 15000 });
    const total = await page.locator('.report-table tfoot td.num').first().innerText();
    assert.equal(total.trim(), env('SB_ARRIVED'));
    const chosen = await page.getByLabel('Queues', { exact: true }).evaluate((s) => s.selectedOptions.length);
    assert.equal(chosen, values.length, 'the choices stay chosen');
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.ok(href.includes(`queue_id=${values.join(',')}`), href);
    assert.ok(href.includes('channel=inbound_email'), href);
    await accessible(page, 'a report filtered by queues and a channel');
  });

  await step('a long report shows a page of periods at a time', async () => {
    await emailVolume('15m');
    const nav = page.getByRole('navigation', { name: 'Pages of the report' });
    await nav.waitFor({ timeout: 15000 });
    const pages = Number((await nav.innerText()).match(/Page 1 \/ (\d+)/)[1]);
    assert.ok(pages >= 2, `${pages} pages`);
    await accessible(page, 'the first page of a long report');
    // Every page has the whole period's totals; the mail of today is on the last page.
    for (let n = 2; n <= pages; n += 1) {
      const total = await page.locator('.report-table tfoot td.num').first().innerText();
      assert.equal(total.trim(), env('SB_ARRIVED'), `totals on page ${n - 1}`);
      await Promise.all([
        page.waitForURL(new RegExp(`page=${n}`)),
        nav.getByRole('link', { name: 'Later periods' }).click(),
      ]);
      await nav.waitFor();
      assert.match(await nav.innerText(), new RegExp(`Page ${n} / ${pages}`));
    }
    assert.equal(await nav.getByRole('link', { name: 'Later periods' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Earlier periods' }).count(), 1);
    assert.ok((await page.locator('.report-table tbody tr').count()) >= 1, 'today on the last page');
    await screenshot(page, 'report-pages');
    const total = await page.locator('.report-table tfoot td.num').first().innerText();
    assert.equal(total.trim(), env('SB_ARRIVED'));
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.ok(!href.includes('page='), `the exports hold every period: ${href}`);
  });

  await step('save it, run it by hand and find its files', async () => {
    await page.getByLabel('Period', { exact: true }).selectOption('today');
    await Promise.all([
      page.waitForURL(/preset=today/),
      page.getByRole('button', { name: 'Run report' }).click(),
    ]);
    await page.locator('svg.chart rect.bar').first().waitFor({ timeout: 15000 });
    await page.getByLabel('Save as').fill('Mail today');
    await Promise.all([
      page.waitForURL(/\/reports\/saved$/),
      page.getByRole('button', { name: 'Save report' }).click(),
    ]);
    const saved = page.locator('section.saved-report', { hasText: 'Mail today' });
    await saved.waitFor();
    await saved.getByRole('button', { name: 'Run now' }).click();
    const files = page.locator('section.saved-report table a[download]');
    await files.first().waitFor({ timeout: 15000 });
    assert.equal(await files.count(), 3, 'a run by hand makes every format');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      files.filter({ hasText: '.pdf' }).first().click(),
    ]);
    assert.match(download.suggestedFilename(), /^email_volume_.*\.pdf$/);
    await saved.locator('summary').click();
    await accessible(page, 'the saved reports with a schedule form open');
  });
} finally {
  await browser.close();
}
