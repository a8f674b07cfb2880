// End-to-end check of the dashboard in Debian's Chromium (playwright-core):
// sign in, open every page, compare what the charts and tables show with
// what the API answers, edit tags and segments, save screenshots at 1280 px
// and on a phone. Env: BASE (server URL), TOKEN (an operator-or-higher
// token), VIEWER (optional viewer token), ANALYST (optional analyst token),
// OUT (screenshot directory).
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const BASE = process.env.BASE.replace(/\/$/, '');
const TOKEN = process.env.TOKEN;
const OUT = process.env.OUT || 'e2e-screenshots';
mkdirSync(OUT, { recursive: true });

async function api(path, token = TOKEN) {
  const r = await fetch(BASE + path, { headers: { Authorization: 'Bearer ' + token } });
  assert.equal(r.status, 200, `${path}: HTTP ${r.status}`);
  return r.json();
}
async function apiText(path) {
  const r = await fetch(BASE + path, { headers: { Authorization: 'Bearer ' + TOKEN } });
  assert.equal(r.status, 200, `${path}: HTTP ${r.status}`);
  return r.text();
}
const pct = (x) => (x * 100).toFixed(1) + '%';

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


  await step('pyramid & RFM page matches the API', async () => {
    await page.goto(BASE + '/#/pyramid');
    await ready('#/pyramid');
    const ov = await api('/v1/members/overview');
    const rfm = await api('/v1/members/rfm');
    const levels = [...ov.pyramid.levels].reverse();
    assert.deepEqual((await chartData('pyramid'))[0], levels.map((l) => l.count));
    for (const l of ov.pyramid.levels) {
      const cells = await page.locator(`#pyramid-table tr[data-level="${l.level}"] td`).allTextContents();
      assert.equal(cells[2], pct(l.share), `level ${l.level} share`);
    }
    assert.equal(await page.textContent('[data-kpi=transition] .kpi-value'), pct(ov.pyramid.transition.transition_rate));
    assert.equal(await page.textContent('[data-kpi=top20] .kpi-value'), pct(ov.contribution.top20_share));
    assert.equal(await page.textContent('[data-kpi=gini] .kpi-value'), ov.contribution.gini.toFixed(3));
    const stages = ['newcomer', 'active', 'silent', 'churn-risk', 'churned', 'resurrected'];
    assert.deepEqual((await chartData('stages'))[0], stages.map((x) => ov.stages[x] || 0));
    const cells = (await chartData('rfm'))[0];
    for (const [fm, r, n] of cells) assert.equal(n, rfm.grid.counts[r][fm], `RFM cell R${r + 1} FM${fm + 1}`);
    assert.equal(cells.reduce((a, c) => a + c[2], 0), Object.values(rfm.rfm.tiers).reduce((a, b) => a + b, 0));
    for (const [slug, n] of Object.entries(rfm.rfm.tiers)) {
      const row = await page.locator(`#rfm-table tr[data-tier="${slug}"] td`).allTextContents();
      assert.equal(row[1].replace(/[^0-9]/g, ''), String(n), `tier ${slug}`);
    }
    assert.deepEqual((await chartData('lorenz'))[0], ov.contribution.lorenz);
    await page.screenshot({ path: join(OUT, '10-pyramid.png'), fullPage: true });
  });

  await step('health page matches the API (en and zh)', async () => {
    await page.goto(BASE + '/#/health');
    await ready('#/health');
    const hs = await api('/v1/health?lang=en');
    assert.equal((await chartData('health'))[0][0].value, hs.score);
    assert.equal(await page.getAttribute('#health-grade', 'data-grade'), hs.grade);
    assert.equal(await page.locator('#indicators tbody tr').count(), 10);
    for (const i of hs.indicators) {
      const row = page.locator(`#indicators tr[data-id="${i.id}"]`);
      assert.equal(await row.locator('td').nth(0).textContent(), i.name);
      assert.equal(await row.locator('td[data-score]').getAttribute('data-score'), String(i.score));
      assert.equal(await row.locator('td').nth(3).textContent(), i.value_text);
    }
    const weak = hs.indicators.filter((i) => i.weak);
    assert.equal(await page.locator('#suggestions li').count(), weak.length);
    if (weak.length) assert.equal(await page.textContent(`#suggestions li[data-id="${weak[0].id}"] p`), weak[0].suggestion);
    await page.screenshot({ path: join(OUT, '11-health.png'), fullPage: true });
    await page.click('header .tools button.link:not(#signout)');
    await ready('#/health');
    const zh = await api('/v1/health?lang=zh');
    assert.equal(await page.textContent(`#indicators tr[data-id="${zh.indicators[0].id}"] td`), zh.indicators[0].name);
    const wz = zh.indicators.filter((i) => i.weak);
    if (wz.length) assert.equal(await page.textContent(`#suggestions li[data-id="${wz[0].id}"] p`), wz[0].suggestion);
    await page.screenshot({ path: join(OUT, '12-health-zh.png'), fullPage: true });
    await page.click('header .tools button.link:not(#signout)');
    await ready('#/health');
  });

  await step('weekly report: shown, week picker, downloads equal the API', async () => {
    await page.goto(BASE + '/#/report');
    await ready('#/report');
    const doc = await api('/v1/reports/weekly?format=json&lang=en');
    assert.equal(await page.getAttribute('#report-week-label', 'data-week'), doc.week);
    const frame = page.frameLocator('#report-frame');
    await frame.locator('body').waitFor();
    const html = await apiText('/v1/reports/weekly?format=html&lang=en&week=' + doc.week);
    assert.equal(await page.evaluate(() => document.querySelector('#report-frame').srcdoc), html);
    assert.ok((await frame.locator('body').textContent()).includes(doc.week), 'the frame shows the report');
    await page.screenshot({ path: join(OUT, '13-report.png'), fullPage: true });
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download-md')]);
    const md = await apiText('/v1/reports/weekly?format=md&lang=en&week=' + doc.week);
    const { readFileSync } = await import('node:fs');
    assert.equal(readFileSync(await dl.path(), 'utf8'), md);
    const [y, w] = doc.week.split('-W').map(Number);
    if (w > 1) {
      const prev = `${y}-W${String(w - 1).padStart(2, '0')}`;
      await page.fill('#report-week', prev);
      await page.click('form.toolbar button[type=submit]');
      await ready('#/report?week=' + prev);
      assert.equal(await page.getAttribute('#report-week-label', 'data-week'), prev);
    }
  });

  await step('members filters, saved segments and the API agree', async () => {
    await page.goto(BASE + '/#/members');
    await ready('#/members');
    await page.selectOption('#f-stage', 'active');
    await page.selectOption('#f-level', 'L3+');
    await page.click('#apply-filters');
    const want = await api('/v1/members?stage=active&level=L3%2B&limit=25');
    await page.waitForFunction((n) => document.querySelector('#members-total')?.dataset.total === String(n), want.total);
    const ids = await page.locator('#members-table tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.dataset.id)));
    assert.deepEqual(ids, want.members.map((m) => m.id));
    await page.screenshot({ path: join(OUT, '14-members-filtered.png'), fullPage: true });
    await page.fill('#segment-name', 'e2e-core');
    await page.click('#segment-save button[type=submit]');
    await ready('#/members?segment=e2e-core');
    const seg = await api('/v1/segments/e2e-core/members?limit=25');
    assert.equal(seg.total, want.total, 'the saved segment holds the filtered members');
    assert.equal(await page.getAttribute('#members-total', 'data-total'), String(seg.total));
    const listed = (await api('/v1/segments')).segments.find((x) => x.name === 'e2e-core');
    const row = await page.locator('#segments-table tr[data-segment="e2e-core"] td').allTextContents();
    assert.equal(row[2].replace(/[^0-9]/g, ''), String(listed.members));
    page.once('dialog', (d) => d.accept());
    await page.click('#segments-table tr[data-segment="e2e-core"] button');
    await page.waitForFunction(() => !document.querySelector('#segments-table tr[data-segment="e2e-core"]'));
    assert.equal((await api('/v1/segments')).segments.some((x) => x.name === 'e2e-core'), false);
  });

  await step('member profile: intelligence and tag editing', async () => {
    const m = (await api('/v1/members?limit=1&sort=contribution')).members[0];
    await page.goto(BASE + '/#/members/' + m.id);
    await ready('#/members/' + m.id);
    const p = await api(`/v1/members/${m.id}/profile`);
    assert.equal(await page.getAttribute('#member-profile td[data-level]', 'data-level'), String(p.level));
    assert.equal(await page.getAttribute('#member-profile td[data-stage]', 'data-stage'), p.stage || '');
    await page.fill('#tag-input', '种子用户');
    await page.click('#tag-form button[type=submit]');
    await page.waitForSelector('#member-tags .chip.manual[data-tag="种子用户"]');
    assert.ok((await api(`/v1/members/${m.id}/profile`)).manual_tags.includes('种子用户'));
    await page.screenshot({ path: join(OUT, '15-member-tags.png'), fullPage: true });
    await page.click('#member-tags .chip[data-tag="种子用户"] button');
    await page.waitForFunction(() => !document.querySelector('#member-tags .chip[data-tag="种子用户"]'));
    assert.ok(!(await api(`/v1/members/${m.id}/profile`)).manual_tags.includes('种子用户'));
  });

  await step('moderation: queue total, highlighted spans and a decision agree with the API', async () => {
    await page.goto(BASE + '/#/moderation');
    await ready('#/moderation');
    const q = await api('/v1/review?limit=25');
    assert.ok(q.total > 0, 'the e2e data directory has moderation on, so the queue has items');
    assert.equal(await page.getAttribute('#review-total', 'data-total'), String(q.total));
    assert.equal(await page.locator('#review-table tbody tr').count(), q.items.length);
    // Masked by default: no original word shown; "Show original" marks exactly the findings' byte spans.
    const it = q.items.find((x) => /[^\x00-\x7f]/.test(x.text)) || q.items[0];
    const want = it.findings.map((f) => Buffer.from(it.text, 'utf8').subarray(f.start, f.end).toString('utf8'));
    assert.equal(await page.locator(`#review-table tr[data-id="${it.id}"] mark`).count(), 0);
    assert.ok(await page.locator(`#review-table tr[data-id="${it.id}"] .masked`).count() > 0);
    await page.check('#r-original');
    await page.waitForSelector(`#review-table tr[data-id="${it.id}"] mark`);
    assert.deepEqual(await page.locator(`#review-table tr[data-id="${it.id}"] mark`).allTextContents(), want);
    await page.screenshot({ path: join(OUT, '19-moderation.png'), fullPage: true });
    await page.click(`#review-table tr[data-id="${it.id}"]`);
    await page.waitForSelector('#review-confirm');
    assert.deepEqual(await page.locator('#review-text mark').allTextContents(), want);
    await page.fill('#review-note', 'e2e: 确认');
    await page.click('#review-confirm');
    await page.waitForSelector('#review-audit tr[data-decision="confirm"]');
    const d = await api('/v1/review/' + it.id);
    assert.equal(d.status, 'confirmed');
    const last = d.decisions[d.decisions.length - 1];
    assert.equal(last.decision, 'confirm');
    assert.equal(last.note, 'e2e: 确认');
    assert.equal(last.reviewer, 'e2e');
    const after = await api('/v1/review?limit=25');
    assert.equal(after.total, q.total - 1);
    await page.waitForFunction((n) => document.querySelector('#review-total')?.dataset.total === String(n), after.total);
    const stats = (await api('/v1/review/stats')).rules;
    for (const r of stats) {
      const cells = await page.locator(`#review-stats tr[data-rule="${r.rule}"] td`).allTextContents();
      assert.deepEqual(cells.slice(1, 4).map((c) => Number(c.replace(/[^0-9]/g, ''))), [r.pending, r.confirmed, r.overturned], r.rule);
      assert.equal(cells[4], r.false_positive_rate === null ? '–' : pct(r.false_positive_rate));
    }
    assert.ok(stats.some((r) => r.confirmed > 0));
    await page.screenshot({ path: join(OUT, '20-moderation-decided.png'), fullPage: true });
    // Filter by rule: the total shown follows the API.
    const rule = stats[0].rule;
    await page.selectOption('#r-rule', rule);
    await page.click('#r-apply');
    const byRule = await api('/v1/review?limit=25&rule=' + encodeURIComponent(rule));
    await page.waitForFunction((n) => document.querySelector('#review-total')?.dataset.total === String(n), byRule.total);
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
    const shots = [['#/members', '08-phone-members'], ['#/pyramid', '16-phone-pyramid'], ['#/health', '17-phone-health'],
      ['#/report', '18-phone-report'], ['#/moderation', '21-phone-moderation']];
    for (const [hash, name] of shots) {
      await p.goto(BASE + '/' + hash);
      await p.waitForFunction((hh) => document.body.dataset.ready === hh, hash, { timeout: 20000 });
      await p.waitForTimeout(300);
      const wide = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(wide <= 1, `${hash} is ${wide}px wider than the phone`);
      assert.equal(await p.locator('main .error').count(), 0, `${hash} shows an error`);
      await p.screenshot({ path: join(OUT, name + '.png'), fullPage: true });
    }
    await p.close();
  });

  if (process.env.VIEWER) {
    await step('a viewer sees pyramid and health but not members or the report', async () => {
      const v = await ctx.newPage();
      await v.goto(BASE + '/');
      await v.evaluate((tok) => localStorage.setItem('qun.token', tok), process.env.VIEWER);
      await v.goto(BASE + '/#/health');
      await v.reload();  // a hash-only goto keeps the document (and the signed-in state)
      await v.waitForFunction(() => document.body.dataset.ready === '#/health', null, { timeout: 20000 });
      assert.equal((await v.textContent('header .who')).trim(), 'e2e-viewer · viewer');
      const links = await v.locator('header nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(links.includes('#/pyramid') && links.includes('#/health'));
      assert.ok(!links.includes('#/members') && !links.includes('#/report') && !links.includes('#/moderation'));
      await v.evaluate(() => localStorage.removeItem('qun.token'));
      await v.close();
    });
  }

  if (process.env.ANALYST) {
    await step('an analyst sees the moderation statistics but not the queue or bans', async () => {
      const v = await ctx.newPage();
      await v.goto(BASE + '/');
      await v.evaluate((tok) => localStorage.setItem('qun.token', tok), process.env.ANALYST);
      await v.goto(BASE + '/#/moderation');
      await v.reload();
      await v.waitForFunction(() => document.body.dataset.ready === '#/moderation', null, { timeout: 20000 });
      const links = await v.locator('header nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(links.includes('#/moderation'));
      const stats = (await api('/v1/review/stats', process.env.ANALYST)).rules;
      assert.equal(await v.locator('#review-stats tbody tr').count(), stats.length);
      assert.equal(await v.locator('#review-table, #bans-table, #review-filters').count(), 0);
      assert.equal(await v.locator('main .error').count(), 0);
      await v.evaluate(() => localStorage.removeItem('qun.token'));
      await v.close();
    });
  }

  await step('no console errors', async () => {
    assert.deepEqual(consoleErrors.filter((e) => !e.includes('401')), []);
  });
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`dashboard e2e: ${passed} passed, ${failed} failed (screenshots in ${OUT})`);
process.exit(failed ? 1 : 0);
