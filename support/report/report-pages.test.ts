// The pages people read, checked in real Chromium: the timeline (decoded lines, findings,
// filters, paging), its PDF and PNG, the cucumber report of a failing run with its traffic, the
// JUnit record paths, and the summary across runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { C8yBroker } from '../broker/broker.ts';
import { connected } from '../broker/clients.ts';
import { Platform } from '../broker/platform/platform.ts';
import { TrafficRecord } from '../record/record.ts';
import { socatMissing } from '../devices/emulated.ts';
import { chromiumMissing, launchChromium } from './browser.ts';
import { renderPage } from './render.ts';
import { buildSummary } from './summary.ts';
import { buildTimeline, CHUNK_SIZE } from './timeline.ts';

const skip = chromiumMissing();
const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-pages-'));
let browser: Browser;

before(async () => {
  if (!skip) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

async function open(html: string, query = ''): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(pathToFileURL(html).href + query);
  await page.waitForSelector('body[data-ready="1"]');
  return page;
}

/** a real broker session: registration, data, a bad line, an operation */
async function sessionRecord(path: string): Promise<void> {
  const broker = await C8yBroker.start({
    credentials: [{ tenant: 't', user: 'u', password: 'p' }],
    recordPath: path,
    ports: { mqtt: 0, mqtts: null, ws: null, wss: null },
  });
  const platform = new Platform(broker);
  const c = await connected({ ports: broker.ports }, 'mqtt', { clientId: 'PAGE-1', username: 't/u', password: 'p' });
  await c.subscribeAsync('s/e', { qos: 0 });
  await c.publishAsync('s/us', '100,Page device\n211,21.5\n999,nonsense', { qos: 2 });
  await c.subscribeAsync('s/ds', { qos: 1 });
  await platform.createOperation({ device: 'PAGE-1', fragment: 'c8y_Command', params: ['ls'] });
  await new Promise((r) => setTimeout(r, 100));
  await c.endAsync();
  await broker.close();
}

test(
  'the timeline shows lanes, decoded SmartREST with template names, and highlighted findings',
  { skip },
  async () => {
    const record = join(dir, 'session.jsonl');
    await sessionRecord(record);
    const out = join(dir, 'session.timeline');
    await buildTimeline(record, out);
    const page = await open(join(out, 'index.html'));
    const text = await page.locator('#rows').innerText();
    assert.match(text, /100,Page device \[create device\]/);
    assert.match(text, /211,21.5 \[temperature\]/);
    assert.match(text, /511,PAGE-1,ls \[c8y_Command\]/);
    assert.match(text, /40,999,No static template for this message id \[error: unknown template\]/);
    const findings = await page.locator('tr.finding').allInnerTexts();
    assert.ok(
      findings.some((t) => /smartrest-error/.test(t)),
      'the refused line is highlighted',
    );
    // the platform lane (fourth column) holds the platform's changes
    assert.match(
      await page
        .locator('#rows tr td:nth-child(4)')
        .allInnerTexts()
        .then((x) => x.join('\n')),
      /device-created PAGE-1/,
    );
    // filters: only s/e traffic, then only findings
    await page.selectOption('#topic', 's/e');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#rows tr').length > 0 &&
        [...document.querySelectorAll('#rows tr')].every((r) => r.textContent!.includes('s/e')),
    );
    await page.selectOption('#topic', '');
    await page.check('#findings');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#rows tr')].every((r) => r.classList.contains('finding')),
    );
    await page.close();
  },
);

/** a device that takes an operation at QoS 2 and answers it 501, then 503 */
async function qos2OperationRecord(path: string): Promise<void> {
  const broker = await C8yBroker.start({
    credentials: [{ tenant: 't', user: 'u', password: 'p' }],
    recordPath: path,
    ports: { mqtt: 0, mqtts: null, ws: null, wss: null },
  });
  const platform = new Platform(broker);
  const c = await connected({ ports: broker.ports }, 'mqtt', { clientId: 'SEQ-1', username: 't/u', password: 'p' });
  await c.publishAsync('s/us', '100,Sequence device', { qos: 1 });
  await c.subscribeAsync('s/ds', { qos: 2 });
  const answered = new Promise<void>((resolve) =>
    c.on('message', async () => {
      await c.publishAsync('s/us', '501,c8y_Restart', { qos: 1 });
      await c.publishAsync('s/us', '503,c8y_Restart', { qos: 1 });
      resolve();
    }),
  );
  await platform.createOperation({ device: 'SEQ-1', fragment: 'c8y_Restart' });
  await answered;
  await new Promise((r) => setTimeout(r, 100));
  await c.endAsync();
  await broker.close();
}

test(
  'the sequence diagram of a QoS 2 operation: the handshake and 501 → 503 in order; the first row shows',
  { skip },
  async () => {
    const record = join(dir, 'qos2.jsonl');
    await qos2OperationRecord(record);
    const out = join(dir, 'qos2.timeline');
    await buildTimeline(record, out);
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    await page.goto(pathToFileURL(join(out, 'sequence.svg')).href);
    const texts = await page.locator('text').allTextContents();
    const at = (re: RegExp) => texts.findIndex((t) => re.test(t));
    const order = [/^PUBLISH (\d+) QoS 2$/, /^PUBREC \d+$/, /^PUBREL \d+$/, /^PUBCOMP \d+$/].map(at);
    assert.ok(
      order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)),
      `QoS 2 handshake in order: ${order}`,
    );
    const id = /^PUBLISH (\d+) QoS 2$/.exec(texts[order[0]!]!)![1];
    assert.ok(
      texts.includes(`PUBREC ${id}`) && texts.includes(`PUBCOMP ${id}`),
      'the handshake carries the message id',
    );
    const lifecycle = [/^operation 1 created \(c8y_Restart\)$/, /510,SEQ-1/, /501,c8y_Restart/, /503,c8y_Restart/].map(
      at,
    );
    assert.ok(
      lifecycle.every((i, k) => i >= 0 && (k === 0 || i > lifecycle[k - 1]!)),
      `510 → 501 → 503: ${lifecycle}`,
    );
    assert.ok(
      at(/operation 1 → EXECUTING/) < at(/operation 1 → SUCCESSFUL/),
      'the operation goes EXECUTING, then SUCCESSFUL',
    );
    // the diagram as a person sees it, inline in a page (Chromium does not screenshot a bare SVG document)
    const shot = await browser.newPage({ viewport: { width: 920, height: 900 } });
    await shot.setContent(
      `<!doctype html><body style="margin:0">${readFileSync(join(out, 'sequence.svg'), 'utf8')}</body>`,
    );
    const box = (await shot.locator('svg').boundingBox())!;
    assert.ok(box.width === 900 && box.height > 300, `the diagram is drawn: ${JSON.stringify(box)}`);
    await shot.screenshot({ path: join(dir, 'sequence.png') });
    await shot.close();
    // the timeline links the diagram; its first row is not hidden under the sticky header, even when it wraps
    const narrow = await browser.newPage({ viewport: { width: 520, height: 600 } });
    await narrow.goto(pathToFileURL(join(out, 'index.html')).href);
    await narrow.waitForSelector('body[data-ready="1"]');
    assert.equal(await narrow.locator('#sequence').getAttribute('href'), 'sequence.svg');
    const head = (await narrow.locator('thead th').first().boundingBox())!;
    const first = (await narrow.locator('#rows tr').first().boundingBox())!;
    assert.ok(first.y >= head.y + head.height - 1, `first row at ${first.y}, head ends at ${head.y + head.height}`);
    await narrow.screenshot({ path: join(dir, 'timeline-narrow.png') });
    await narrow.close();
    await page.close();
  },
);

test('a record of many events is paged through chunks, never loaded whole', { skip }, async () => {
  const path = join(dir, 'big.jsonl');
  const r = new TrafficRecord({ path });
  for (let i = 0; i < CHUNK_SIZE * 3 + 10; i++)
    r.add('decision', {
      decision: i % 1000 === 0 ? 'publish-refused' : 'connection-accepted',
      clientId: `C${i % 7}`,
      reason: `event ${i}`,
    });
  r.close();
  const out = join(dir, 'big.timeline');
  const index = await buildTimeline(path, out);
  assert.equal(index.chunks.length, 4);
  const page = await open(join(out, 'index.html'));
  const loaded: string[] = [];
  page.on('request', (req) => loaded.push(req.url().split('/').pop()!));
  assert.match(await page.locator('#status').innerText(), /page 1 · 200 events shown · 6010 in the record/);
  for (let i = 0; i < 12; i++) {
    await page.click('#next');
    await page.waitForFunction((n) => document.querySelector('#status')!.textContent!.startsWith(`page ${n}`), i + 2);
  }
  assert.match(await page.locator('#rows').innerText(), /event 2/);
  assert.deepEqual(loaded, ['chunk-1.js'], 'page 13 needs the second chunk, and only it');
  // client filter: every shown row names the client
  await page.selectOption('#client', 'C3');
  await page.waitForFunction(() => document.querySelector('#status')!.textContent!.startsWith('page 1'));
  const rows = await page.locator('#rows tr').allInnerTexts();
  assert.ok(rows.length === 200 && rows.every((t) => t.includes('C3')));
  await page.close();
});

test('the timeline renders to a PDF with pages and a PNG', { skip }, async () => {
  const out = join(dir, 'session.timeline');
  if (!existsSync(out)) await buildTimeline(join(dir, 'session.jsonl'), out);
  const pdf = join(dir, 't.pdf'),
    png = join(dir, 't.png');
  await renderPage(join(out, 'index.html'), { pdf, png });
  const bytes = readFileSync(pdf);
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  const pages = (bytes.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.ok(pages >= 1, `the PDF has ${pages} pages`);
  assert.deepEqual([...readFileSync(png).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
});

test(
  'a run broken by the lab (an info rule): exit 3, JUnit <error>, the timeline built and linked, the metadata',
  { skip: skip ?? socatMissing() },
  async () => {
    const features = join(dir, 'features');
    mkdirSync(features, { recursive: true });
    writeFileSync(
      join(features, 'failing.feature'),
      `Feature: A deliberately failing check
  Scenario: expecting the wrong CONNACK
    Given the device is set up for the broker over mqtt
    When the device connects
    Then the broker answers the device CONNACK 5
`,
    );
    const reports = join(dir, 'run');
    const res = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin', 'c8y-hil.mjs'),
        'run',
        join(features, 'failing.feature'),
        '--name',
        'expecting the wrong CONNACK',
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, C8Y_HIL_REPORTS: reports, C8Y_HIL_RUN_ID: 'test-run' } },
    );
    assert.equal(res.status, 3, `a lab expectation that breaks is the run's, not the device's: ${res.stdout}`);
    assert.match(res.stdout, /c8y-hil: BROKEN: 1 scenarios \(0 passed, 0 failed, 1 broken, 0 skipped\)/);
    const junit = readFileSync(join(reports, 'junit.xml'), 'utf8');
    const recordPath = /<property name="record" value="([^"]+)"/.exec(junit)?.[1];
    assert.ok(recordPath && existsSync(recordPath), `the JUnit test case names its record: ${junit}`);
    assert.match(junit, /<error type="broken" message="[^"]*\[platform\.behaviour, info\] CONNACK 5/);
    assert.match(junit, /<system-out><!\[CDATA\[.*CONNACK/s);
    const timeline = /<property name="timeline" value="([^"]+)"/.exec(junit)?.[1];
    assert.ok(timeline && existsSync(timeline), `the failed scenario's timeline was built: ${timeline}`);
    const meta = JSON.parse(readFileSync(join(reports, 'run.json'), 'utf8')) as Record<string, string>;
    assert.match(meta['device.driver'] ?? '', /emulated/);
    assert.match(junit, /<property name="device.driver" value="emulated"\/>/);
    assert.match(junit, /<property name="device.firmware" value="[^"]+"\/>/, 'the firmware the device reported (115)');
    const report = JSON.parse(readFileSync(join(reports, 'report.json'), 'utf8')) as { metadata?: object }[];
    assert.deepEqual(Object.keys(report[0]!.metadata ?? {}).slice(0, 3), ['device', 'device.id', 'device.driver']);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(reports, 'report.html')).href);
    await page.getByText('expecting the wrong CONNACK').first().waitFor();
    const body = await page.locator('body').innerText();
    assert.match(
      body,
      /c8y-hil run: device HIL-EMU-\d+ · device\.id .* device\.driver emulated .* device\.firmware c8y-hil-emulator/,
    );
    assert.match(body, /the broker answers the device CONNACK 5/);
    assert.match(
      body,
      /\[platform\.behaviour, info\] CONNACK 5 for the device's latest connection\.\s+The device's latest connection got CONNACK 0/,
    );
    assert.match(body, /broker → device CONNACK return code 0/, 'the failure quotes the record, decoded');
    // the traffic and the timeline link hang off the After hook, which the report folds away
    await page
      .getByText(/^\d+ hooks?$/)
      .first()
      .click();
    const link = page.locator('a[href$="index.html"]').filter({ hasText: /timeline/ });
    assert.ok((await link.count()) >= 1, 'the report links the timeline');
    const traffic = page.getByText('traffic.txt');
    if (await traffic.count()) await traffic.first().click();
    await page
      .getByText(/100,Emulated HIL-EMU-\d+,c8y_HilEmulator\s+\[create device\]/)
      .first()
      .waitFor({ timeout: 5000 });
    await page.close();
  },
);

test(
  'the summary: per feature and rule, broken and skipped apart, flaky only on a retry, devices, a trend',
  { skip },
  async () => {
    const reports = join(dir, 'reports');
    type Sc = [uri: string, status: string, flaky?: boolean, rules?: string[], measurements?: object[]];
    const run = (id: string, device: string, started: number, scenarios: Sc[]) => {
      mkdirSync(join(reports, id), { recursive: true });
      const outcome = {
        meta: { device },
        started,
        finished: started + 30,
        scenarios: scenarios.map(([uri, status, flaky = false, rules = [], measurements]) => ({
          uri,
          name: `scenario ${uri}`,
          feature: uri.replace(/.*\//, ''),
          status,
          flaky,
          attempts: [{ rules, ...(measurements ? { measurements } : {}) }],
        })),
      };
      writeFileSync(join(reports, id, 'outcome.json'), JSON.stringify(outcome));
    };
    const t501 = (at: number, ok: boolean) => ({
      name: 'time to 501',
      unit: 'ms',
      values: [at - 5, at],
      limit: { max: 2000, percentile: 90 },
      at,
      ok,
    });
    run('2026-01-01T00-00-00-001', 'ACME-7', 1000, [
      ['f/a', 'passed', false, [], [t501(800, true), { name: 'rate', unit: 'msg/s', values: [3, 9, 5], ok: true }]],
      ['f/b', 'skipped'],
      ['f/b', 'skipped'],
    ]);
    // an outline: one example failed, the other passed; it is failed, not flaky
    run('2026-01-01T00-00-00-002', 'ACME-7', 2000, [
      ['f/a', 'failed', false, ['qos.as-configured'], [t501(2400, false)]],
      ['f/a', 'passed'],
      ['f/b', 'broken'],
    ]);
    run('2026-01-01T00-00-00-003', 'emulated', 3000, [
      ['f/a', 'passed', true],
      ['f/b', 'passed'],
    ]);
    const html = buildSummary(reports);
    const page = await open(html);
    const cells = (table: string) =>
      page.locator(`#${table} tbody td`).evaluateAll((tds) => tds.map((td) => td.className || td.textContent));
    assert.deepEqual(await cells('features'), ['passed', 'failed', 'flaky', 'skipped', 'broken', 'passed']);
    assert.deepEqual(await cells('rules'), ['none', 'failed', 'none']);
    const measured = await page
      .locator('#measurements tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => `${c.className}:${c.textContent}`)));
    assert.deepEqual(measured, [
      [':scenario f/a: rate (msg/s)', 'passed:5', 'none:', 'none:'],
      [':scenario f/a: time to 501 (ms)', 'passed:800', 'failed:2400', 'none:'],
    ]);
    assert.deepEqual(await page.evaluate('measures.data.datasets[1].data'), [800, 2400, null]);
    const heads = await page.locator('#features th.run').allInnerTexts();
    assert.equal(new Set(heads).size, 3, `distinct column labels: ${heads.join(' | ')}`);
    assert.equal(await page.evaluate('chart.data.labels.length'), 3, 'one point per run');
    assert.deepEqual(await page.evaluate('chart.data.datasets[0].data'), [100, 33.3, 100]);
    await page.selectOption('#device', 'ACME-7');
    assert.equal(await page.evaluate('chart.data.labels.length'), 2);
    assert.deepEqual(await page.evaluate('measures.data.datasets[1].data'), [800, 2400], 'the device filter too');
    assert.equal(await page.locator('#features th.run:not(.hidden)').count(), 2);
    await page.screenshot({ path: join(dir, 'summary.png') });
    await page.close();
  },
);
