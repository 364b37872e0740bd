// Loads a `vouch report --format html` page in headless chromium with the
// network off and checks it against the JSON report: every AI line is
// highlighted with its approval colour and tool on hover, no other line is,
// nothing is fetched, the chart shows the shares. Usage: check.js HTML JSON PNG
'use strict';
const { chromium } = require('playwright-core');
const assert = require('node:assert/strict');
const fs = require('node:fs');

(async () => {
  const [html, json, png] = process.argv.slice(2);
  const report = JSON.parse(fs.readFileSync(json, 'utf8'));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  try {
    const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    const dialogs = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
    await page.goto('file://' + html, { waitUntil: 'load' });
    assert.deepEqual(requests.filter((u) => !u.startsWith('file://')), [], 'no network requests');
    assert.equal(requests.length, 1, 'the page loads nothing else: ' + requests.join(', '));
    assert.deepEqual(dialogs, [], 'no script ran');

    const headline = await page.textContent('#headline');
    assert.equal(headline, report.headline);

    // What the page highlights, per file and line.
    const rows = await page.$$eval('section.file', (sections) => sections.map((s) => ({
      path: s.dataset.path,
      rows: [...s.querySelectorAll('tr[data-line]')].map((tr) => ({
        line: Number(tr.dataset.line),
        cls: tr.className,
        title: tr.title,
        bg: getComputedStyle(tr).backgroundColor,
      })),
    })));
    const colours = {};
    let aiChecked = 0;
    for (const f of report.files) {
      const shown = rows.find((r) => r.path === f.path);
      assert.ok(shown, 'file shown: ' + f.path);
      assert.equal(shown.rows.length, f.added_lines, 'every added line of ' + f.path);
      const ai = new Map(f.lines.map((l) => [l.line, l]));
      for (const r of shown.rows) {
        const l = ai.get(r.line);
        if (!l) {
          assert.ok(!r.cls.split(' ').includes('ai'), `${f.path}:${r.line} is not AI: ${r.cls}`);
          continue;
        }
        aiChecked++;
        const colour = l.approval === 'approved' ? 'approved' : l.approval === 'unapproved' ? 'unapproved' : 'exempt';
        assert.equal(r.cls, 'ai ' + colour, `${f.path}:${r.line}`);
        const who = l.model ? `${l.tool} (${l.model})` : l.tool;
        assert.ok(r.title.startsWith(who), `hover names ${who}: ${r.title}`);
        assert.ok(r.title.includes(l.approval), `hover says ${l.approval}: ${r.title}`);
        colours[l.approval] = colours[l.approval] || new Set();
        colours[l.approval].add(r.bg);
      }
    }
    assert.equal(aiChecked, report.ai_lines, 'every AI line checked');
    assert.ok(colours.approved && colours.unapproved, 'both approved and unapproved lines present');
    const [a] = colours.approved; const [u] = colours.unapproved;
    assert.notEqual(a, u, 'approved and unapproved lines differ in colour');
    assert.notEqual(a, 'rgba(0, 0, 0, 0)');

    // The chart: one segment per tool share, widths as the shares.
    const segs = await page.$$eval('figure.chart:first-of-type .seg', (s) => s.map((e) => e.getBoundingClientRect().width));
    assert.equal(segs.length, report.shares.tools.length);
    const total = segs.reduce((x, y) => x + y, 0);
    report.shares.tools.forEach((s, i) => {
      assert.ok(Math.abs(segs[i] / total - s.share) < 0.01, `share ${s.label}`);
    });
    await page.screenshot({ path: png, fullPage: true });
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
