// Drives Debian's chromium through the district console (docs/console.md).
// Environment (from console_e2e.sh): CONSOLE_URL, ENROL_LINK, STATS_JSON,
// SCREENSHOT, NODE_PATH (build/node_modules). Exits non-zero on the first
// failed expectation, naming it.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH, 'x.js'));
const { chromium, request } = require('playwright-core');

const base = process.env.CONSOLE_URL;
const stats = JSON.parse(fs.readFileSync(process.env.STATS_JSON, 'utf8'));
let failures = 0;
function expect(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'rectify-chromium-'));
const browser = await chromium.launchPersistentContext(userData, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  ignoreHTTPSErrors: true,  // the district CA is not in this fresh profile
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = browser.pages()[0] ?? await browser.newPage();
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });

  // No session: the login page.
  await page.goto(base + '/');
  expect(new URL(page.url()).pathname === '/login', 'no session → /login');

  // Enrol through the one-time link.
  await page.goto(process.env.ENROL_LINK);
  expect((await page.textContent('#account')) === 'wang', 'enrolment page names the account');
  await page.fill('input[name=password]', 'wang-pass-123');
  await page.fill('input[name=password2]', 'wang-pass-123');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  expect(new URL(page.url()).pathname === '/login', 'enrolment → login page');
  const again = await page.goto(process.env.ENROL_LINK);
  expect(again.status() === 404, 'the enrolment link works once');

  // Log in.
  await page.goto(base + '/login');
  await page.fill('input[name=name]', 'wang');
  await page.fill('input[name=password]', 'wang-pass-123');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  expect(new URL(page.url()).pathname === '/', 'login → overview');

  // The overview shows the school's real numbers (as the device computes them).
  const row = page.locator('tr[data-school=xinghua]');
  expect((await row.locator('td.total').textContent()) === String(stats.total),
         `xinghua total ${stats.total}`);
  expect((await row.locator('td.rate').textContent()) === stats.completion_percent,
         `xinghua completion ${stats.completion_percent}`);
  expect((await row.textContent()).includes('杏花学校'), 'xinghua shows its name');
  await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  expect(fs.statSync(process.env.SCREENSHOT).size > 1000, 'overview screenshot written');

  // A problem's history, then 销号.
  await Promise.all([page.waitForNavigation(), row.locator('a').first().click()]);
  expect(new URL(page.url()).pathname === '/schools/xinghua', 'school page');
  await Promise.all([page.waitForNavigation(),
                     page.click('tr[data-number="2"] a')]);
  expect(new URL(page.url()).pathname === '/schools/xinghua/problems/2', 'problem page');
  const history = await page.locator('#history li').count();
  expect(history >= 1, `problem 2 has ${history} history entries`);
  expect((await page.textContent('#history')).includes('办公室'), 'history names the author');
  expect((await page.textContent('#status')) === '已完成', 'problem 2 is 已完成 before');
  await page.fill('#verify input[name=password]', 'wang-pass-123');
  await Promise.all([page.waitForNavigation(), page.click('#verify button')]);
  expect((await page.textContent('#status')) === '已销号', 'problem 2 is 已销号 after 销号');
  expect((await page.textContent('#history')).includes('console-wang'),
         'the 销号 op is in the history as console-wang');

  // A markup title is text.
  await page.goto(base + '/schools/lihua');
  const titles = await page.locator('#problems tbody td a').allTextContents();
  expect(titles.includes('<script>alert(1)</script>'), 'markup title shown as text');
  expect(dialogs === 0, 'no script ran');

  // A form without its CSRF token: 403.
  const noCsrf = await page.request.post(base + '/schools/xinghua/problems/1/verify',
                                         { form: { password: 'wang-pass-123' }, maxRedirects: 0 });
  expect(noCsrf.status() === 403, `POST without CSRF → ${noCsrf.status()}`);
} finally {
  await browser.close();
  fs.rmSync(userData, { recursive: true, force: true });
}

// Other accounts over HTTPS without a browser: viewer, limited account,
// throttling, JSON login.
async function session(name, password) {
  const ctx = await request.newContext({ baseURL: base, ignoreHTTPSErrors: true });
  const r = await ctx.post('/login', { data: { name, password } });
  return { ctx, status: r.status(), body: r.ok() ? await r.json() : null };
}
const viewer = await session('zhao', 'viewer-pass-1');
expect(viewer.status === 200 && viewer.body.csrf.length === 64, 'JSON login answers the CSRF token');
const vpost = await viewer.ctx.post('/schools/xinghua/problems/1/verify', {
  data: { password: 'viewer-pass-1' }, headers: { 'X-CSRF-Token': viewer.body.csrf } });
expect(vpost.status() === 403, `viewer POST → ${vpost.status()}`);
const overview = await viewer.ctx.get('/', { headers: { Accept: 'application/json' } });
const ov = await overview.json();
expect(ov.schools.some((s) => s.id === 'xinghua' && s.stats.verified >= 1),
       'JSON overview counts the 销号');

const limited = await session('li', 'limited-pass-1');
const other = await limited.ctx.get('/schools/xinghua');
expect(other.status() === 404, `account limited to lihua asking xinghua → ${other.status()}`);
const own = await limited.ctx.get('/schools/lihua');
expect(own.status() === 200, 'limited account sees its own school');

const attacker = await request.newContext({ baseURL: base, ignoreHTTPSErrors: true });
const codes = [];
for (let i = 0; i < 5; i++)
  codes.push((await attacker.post('/login', { data: { name: 'li', password: 'wrong' } })).status());
expect(codes.slice(0, 4).every((c) => c === 401) && codes[4] === 429,
       `five wrong passwords → ${codes.join(',')}`);
const blocked = await attacker.post('/login', { data: { name: 'li', password: 'limited-pass-1' } });
expect(blocked.status() === 429, 'throttled account refuses even the right password');

if (failures) {
  console.error(`${failures} expectation(s) failed`);
  process.exit(1);
}
console.log('console_e2e.mjs: all expectations met');
