// Drives Debian's chromium through the school desk (docs/desk.md).
// Environment (from desk_e2e.sh): DESK_LINK (the one-time token link), XLSX,
// EVIDENCE, OUT_DIR (screenshots and PDFs are kept there), RECTIFY, SYNC_ADDR,
// WORK_DIR (the auditor's ledger and identity), NODE_PATH. Exits non-zero
// after the run if any expectation failed, naming each.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH, 'x.js'));
const { chromium } = require('playwright-core');

const link = process.env.DESK_LINK;
const base = new URL(link).origin;
const out = process.env.OUT_DIR;
const work = process.env.WORK_DIR;
let failures = 0;
function expect(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}
function auditor(...args) {
  return execFileSync(process.env.RECTIFY, ['--db', path.join(work, 'aud.db'), '--author', '区巡察办', ...args],
                      { encoding: 'utf8' });
}
async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'rectify-chromium-'));
const browser = await chromium.launchPersistentContext(userData, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1366, height: 768 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = browser.pages()[0] ?? await browser.newPage();

  // Without the token: refused.
  const before = await page.goto(base + '/');
  expect(before.status() === 401, 'no token → 401');

  // The token link opens the session (and works only once).
  await page.goto(link);
  expect(new URL(page.url()).pathname === '/', 'token link → today');
  expect((await page.textContent('h1')) === '今日待办', 'today page in Chinese');
  expect(await page.locator('meta[name=renderer][content=webkit]').count() === 1, 'renderer meta');
  const again = await browser.request.get(link, { maxRedirects: 0 });
  expect(again.status() === 401, 'the token link works once');

  // Import the .xlsx ledger: preview first, nothing written until confirmed.
  await page.goto(base + '/import');
  await page.setInputFiles('input[type=file]', process.env.XLSX);
  await submit(page, '#preview');
  const previewRows = await page.locator('#preview tr').count() - 1;
  expect(previewRows === 33, `preview shows 33 rows (got ${previewRows})`);
  if (previewRows < 0) console.log(await page.textContent('main'));
  const early = await browser.request.get(base + '/ledger');
  expect(!(await early.text()).includes('<tr id="p1">'), 'nothing imported before confirming');
  await submit(page, '#apply');
  expect(new URL(page.url()).pathname === '/ledger', 'import → ledger');
  expect((await page.textContent('#flash')).includes('新建问题 33 个'), 'import summary: 33 problems');
  const rows = await page.locator('#ledger tbody tr').count();
  expect(rows === 33, `ledger table has 33 rows (got ${rows})`);
  const header = (await page.locator('#ledger thead th').allTextContents()).join(',');
  expect(header === '序号,方面,类别,问题,整改措施,责任部门,责任人,整改时限,整改类型,整改状态,整改结果',
         'the school\'s columns');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width <= 1366, `fits 1366 px wide (${width})`);
  await page.screenshot({ path: path.join(out, 'desk-ledger.png'), fullPage: false });

  // The printable notices, both editions, to A4 PDFs (checked by the script).
  for (const [edition, query] of [['internal', ''], ['public', '?edition=public']]) {
    await page.goto(base + '/notice' + query);
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: path.join(out, `notice-${edition}.pdf`), format: 'A4',
                     preferCSSPageSize: true });
    await page.emulateMedia({ media: 'screen' });
  }
  await page.goto(base + '/notice?edition=public');
  await page.screenshot({ path: path.join(out, 'desk-notice-public.png') });

  // Filters, and a status change from the row's picker.
  await page.goto(base + '/ledger?q=' + encodeURIComponent('工会'));
  expect(await page.locator('#ledger tbody tr').count() >= 1, 'keyword filter finds 工会');
  await page.goto(base + '/ledger');
  await page.selectOption('#p5 select[name=status]', 'long_term');
  await submit(page, '#p5 button[type=submit]');
  expect((await page.textContent('#p5 .status')) === '长期坚持', 'problem 5 now 长期坚持');

  // Evidence attached to problem 1.
  await page.goto(base + '/problems/1');
  await page.setInputFiles('input[name=file]', process.env.EVIDENCE);
  await submit(page, 'form[enctype="multipart/form-data"] button[type=submit]');
  const ev = await page.textContent('#evidence');
  expect(ev.includes('整改照片.txt') && ev.includes('未上传'), 'evidence listed, not yet at the district');
  expect(/[0-9a-f]{64}/.test(ev), 'evidence shows its SHA-256');

  // Sync: one button, a summary in Chinese.
  await page.goto(base + '/sync');
  await submit(page, '#sync');
  const summary = await page.textContent('#summary');
  console.log('  ' + summary.replace(/\s+/g, ' ').trim());
  expect(summary.includes('同步完成') && /报送 \d+ 条修改/.test(summary), 'sync summary');
  expect(/拒绝 0 条/.test(summary), 'nothing rejected');
  expect(/本次上传 1 个/.test(summary), 'the evidence file was uploaded');
  await page.screenshot({ path: path.join(out, 'desk-sync.png') });
  await page.goto(base + '/problems/1');
  expect((await page.textContent('#evidence')).includes('已收到'), 'the district has the evidence');

  // The district verifies problem 2 (an auditor device), then the desk syncs.
  auditor('sync', '--server', process.env.SYNC_ADDR, '--identity', path.join(work, 'id-aud'),
          '--school', 'zhongshanlu');
  auditor('problem', 'status', '2', '已销号');
  auditor('sync');
  await page.goto(base + '/sync');
  await submit(page, '#sync');
  expect(/取回 [1-9]\d* 条/.test(await page.textContent('#summary')), 'the second sync pulled');
  await page.goto(base + '/ledger');
  expect((await page.textContent('#p2 .status')) === '已销号', 'problem 2 shows 已销号');
  expect(await page.locator('#p2 select').count() === 0, 'no status picker on a verified problem');
  await page.goto(base + '/');
  expect((await page.textContent('#changes')).includes('已销号'), 'today lists the district\'s 销号');
  await page.screenshot({ path: path.join(out, 'desk-today.png'), fullPage: true });
} finally {
  await browser.close();
  fs.rmSync(userData, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`${failures} expectation(s) failed`);
  process.exit(1);
}
console.log('desk browser run: OK');
