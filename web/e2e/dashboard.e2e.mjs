// End-to-end check of the dashboard in Debian's Chromium (playwright-core):
// sign in, open every page, compare what the charts and tables show with
// what the API answers, save screenshots. Env: BASE (server URL), TOKEN
// (an analyst-or-higher token), OUT (screenshot directory).
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const BASE = process.env.BASE.replace(/\/$/, '');
const TOKEN = process.env.TOKEN;
const OUT = process.env.OUT || 'e2e-screenshots';
mkdirSync(OUT, { recursive: true });

async function api(path) {
  const r = await fetch(BASE + path, { headers: { Authorization: 'Bearer ' + TOKEN } });
  assert.equal(r.status, 200, `${path}: HTTP ${r.status}`);
  return r.json();
}

const profile = mkdtempSync(join(tmpdir(), 'qun-e2e-'));
// A persistent context is how Playwright takes a fresh --user-data-dir.
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 860 },
  locale: 'en-US',
});
let passed = 0;
let failed = 0;
async function step(name, fn) {
  try { await fn(); passed++; console.log('ok  ', name); } catch (e) { failed++; console.log('FAIL', name, '\n    ', e.message); }
}

try {
  const page = ctx.pages()[0] || await ctx.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const ready = async (hash) => {
    await page.waitForFunction((h) => document.body.dataset.ready === h, hash, { timeout: 20000 });
    await page.waitForTimeout(300);
  };
  const chartData = (name) => page.evaluate((n) => {
    const c = window.__qunCharts[n];
    return c ? c.getOption().series.map((s) => s.data) : null;
  }, name);

  await step('sign-in rejects a bad token', async () => {
    await page.goto(BASE + '/');
    await page.fill('#token', 'qun_wrong');
    await page.click('#signin');
    await page.waitForSelector('.error:not([hidden])');
    await page.screenshot({ path: join(OUT, '00-signin.png') });
  });

  await step('sign in and overview matches the API', async () => {
    await page.fill('#token', TOKEN);
    await page.click('#signin');
    await ready('#/overview');
    const active = (await api('/v1/metrics/active?granularity=day')).series;
    const last = active[active.length - 1];
    const kpi = async (id) => (await page.textContent(`[data-kpi=${id}] .kpi-value`)).replace(/[^0-9]/g, '');
    assert.equal(await kpi('dau'), String(last.dau));
    assert.equal(await kpi('mau'), String(last.mau));
    const stats = await api('/v1/stats');
    assert.equal(await kpi('members'), String(stats.members));
    const [dau, wau, mau] = await chartData('active');
    assert.deepEqual(dau, active.map((p) => p.dau));
    assert.deepEqual(wau, active.map((p) => p.wau));
    assert.deepEqual(mau, active.map((p) => p.mau));
    const life = (await api('/v1/metrics/lifecycle?granularity=week')).series;
    const lc = await chartData('lifecycle');
    assert.deepEqual(lc[0], life.map((p) => p.new));
    assert.deepEqual(lc[3], life.map((p) => -p.dormant));
    const peak = await api('/v1/metrics/peak-hours');
    const cells = (await chartData('heatmap'))[0];
    assert.equal(cells.reduce((s, c) => s + c[2], 0), peak.total);
    await page.screenshot({ path: join(OUT, '01-overview.png'), fullPage: true });
  });

  await step('community filter changes the numbers to that community', async () => {
    const comms = (await api('/v1/communities')).communities;
    const c = comms[0];
    await page.selectOption('#community', c.key);
    await ready('#/overview');
    const active = (await api('/v1/metrics/active?granularity=day&community=' + encodeURIComponent(c.key))).series;
    assert.deepEqual((await chartData('active'))[0], active.map((p) => p.dau));
    await page.selectOption('#community', '');
    await ready('#/overview');
  });

  await step('members table and search match the API', async () => {
    await page.click('nav a[href="#/members"]');
    await ready('#/members');
    const list = await api('/v1/members?limit=25');
    assert.equal(await page.getAttribute('#members-total', 'data-total'), String(list.total));
    assert.equal(await page.locator('#members-table tbody tr').count(), list.members.length);
    await page.screenshot({ path: join(OUT, '02-members.png'), fullPage: true });
    const q = list.members[0].accounts[0];
    await page.fill('#member-search', q);
    const hits = await api('/v1/members?limit=25&q=' + encodeURIComponent(q));
    await page.waitForFunction((n) => document.querySelector('#members-total')?.dataset.total === String(n), hits.total);
  });

  await step('member profile and timeline', async () => {
    const list = await api('/v1/members?limit=1');
    const m = list.members[0];
    await page.goto(BASE + '/#/members/' + m.id);
    await ready('#/members/' + m.id);
    assert.equal(await page.locator('#timeline tbody tr').count(), Math.min(50, m.events));
    assert.equal((await page.textContent('[data-kpi=events] .kpi-value')).replace(/[^0-9]/g, ''), String(m.events));
    await page.screenshot({ path: join(OUT, '03-member.png'), fullPage: true });
  });

  await step('retention matrix matches the API', async () => {
    await page.goto(BASE + '/#/retention');
    await ready('#/retention');
    const cohorts = (await api('/v1/metrics/retention?granularity=week')).cohorts.filter((c) => c.size > 0);
    const cells = (await chartData('retention'))[0];
    for (const [k, i, pct, n] of cells) assert.equal(n, cohorts[i].retained[k]);
    assert.equal(await page.locator('#retention-table tbody tr').count(), cohorts.length);
    await page.screenshot({ path: join(OUT, '04-retention.png'), fullPage: true });
  });

  await step('funnel matches the API', async () => {
    await page.goto(BASE + '/#/funnels');
    await ready('#/funnels');
    await page.fill('#funnel-steps', 'member.joined,checkin');
    await page.click('form.toolbar button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#funnel-table tbody tr code')?.textContent === 'member.joined');
    const f = await api('/v1/metrics/funnel?steps=member.joined,checkin&window=604800');
    assert.deepEqual((await chartData('funnel'))[0], f.steps.map((s) => s.count));
    await page.screenshot({ path: join(OUT, '05-funnel.png'), fullPage: true });
  });

  await step('communities page', async () => {
    await page.goto(BASE + '/#/communities');
    await ready('#/communities');
    const comms = (await api('/v1/communities')).communities;
    assert.equal(await page.locator('#communities-table tbody tr').count(), comms.length);
  });

  await step('Chinese UI', async () => {
    await page.goto(BASE + '/#/overview');
    await ready('#/overview');
    await page.click('header .tools button.link:not(#signout)');
    await ready('#/overview');
    assert.equal(await page.textContent('nav a[href="#/overview"]'), '概览');
    await page.screenshot({ path: join(OUT, '06-overview-zh.png'), fullPage: true });
    await page.click('header .tools button.link:not(#signout)');
    await ready('#/overview');
  });

  await step('phone layout has no horizontal overflow', async () => {
    const p = await ctx.newPage();
    await p.setViewportSize({ width: 390, height: 844 });
    await p.goto(BASE + '/#/overview');
    await p.waitForFunction(() => document.body.dataset.ready === '#/overview', null, { timeout: 20000 });
    await p.waitForTimeout(300);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
    await p.screenshot({ path: join(OUT, '07-phone-overview.png'), fullPage: true });
    await p.goto(BASE + '/#/members');
    await p.waitForFunction(() => document.body.dataset.ready === '#/members');
    await p.screenshot({ path: join(OUT, '08-phone-members.png'), fullPage: true });
    await p.close();
  });

  await step('no console errors', async () => {
    assert.deepEqual(consoleErrors.filter((e) => !e.includes('401')), []);
  });
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`dashboard e2e: ${passed} passed, ${failed} failed (screenshots in ${OUT})`);
process.exit(failed ? 1 : 0);
