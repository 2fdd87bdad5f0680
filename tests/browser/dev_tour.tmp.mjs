import { chromium } from 'playwright-core';
const base = process.env.URL;
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const p = await b.newPage({ viewport: { width: 1280, height: 800 } });
p.on('console', (m) => console.log('console:', m.text()));
p.on('pageerror', (e) => console.log('pageerror:', e.message));
await p.goto(base + '/login');
await p.fill('input[name=email]', 'admin@switchboard.localhost');
await p.fill('input[name=password]', 'admin-password-123');
await p.click('button[type=submit]');
await p.waitForLoadState();
console.log('landed', p.url());
for (const path of (process.env.PAGES || '/admin/departments').split(',')) {
  await p.goto(base + path);
  await p.screenshot({ path: `/tmp/shots/${path.replace(/\W+/g, '_')}.png`, fullPage: true });
  console.log(path, (await p.title()));
}
await b.close();
