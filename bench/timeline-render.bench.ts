// Rendering the traffic timeline of a million-packet record: time and peak memory to build it,
// and how the page behaves in Chromium (time to first page, a filter that scans every chunk,
// the page's JS heap). Prints the figures and writes reports/bench/timeline-render.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mqttPacket from 'mqtt-packet';
import { TrafficRecord } from '../support/record/record.ts';
import { chromiumMissing, launchChromium } from '../support/report/browser.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PACKETS = Number(process.env.BENCH_PACKETS ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-timeline-bench-'));
const recordPath = join(dir, 'million.jsonl');
const out = join(dir, 'timeline');

// 1. a record of PACKETS packets, written by the real recorder: a device publishing SmartREST at
//    QoS 1 and the broker acknowledging, with a refused line now and then
const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet);
const t0 = performance.now();
const record = new TrafficRecord({ path: recordPath });
const conn = record.openConnection('mqtt', '127.0.0.1:1');
conn.in(gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'd:BENCH-1' }));
const payloads = ['211,21.5', '200,c8y_Pressure,P,1013.2,hPa', '400,c8y_Door,"opened, front"', '301,c8y_Hot,"too hot, 80 C"'];
for (let i = 0; i < PACKETS / 2; i++) {
  const id = (i % 65535) + 1;
  conn.in(gen({ cmd: 'publish', topic: 's/us', payload: Buffer.from(payloads[i % payloads.length]!), qos: 1, messageId: id, retain: false, dup: false }));
  conn.out(gen({ cmd: 'puback', messageId: id }));
  if (i % 5000 === 0) record.add('decision', { decision: 'smartrest-error', code: 45, reason: 'a refused line, now and then', clientId: 'd:BENCH-1' });
  if (i % 20000 === 0) record.flush();
}
record.close();
const writeMs = performance.now() - t0;
const recordBytes = statSync(recordPath).size;

// 2. build the timeline in a child process, so its peak memory is its own
const build = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
  const { buildTimeline } = await import(${JSON.stringify(join(here, '..', 'support', 'report', 'timeline.ts'))});
  const t = performance.now();
  const index = await buildTimeline(${JSON.stringify(recordPath)}, ${JSON.stringify(out)});
  console.log(JSON.stringify({ ms: performance.now() - t, maxRssMiB: process.resourceUsage().maxRSS / 1024, events: index.events, chunks: index.chunks.length }));
`, '--input-type=module'], { encoding: 'utf8', cwd: join(here, '..') });
if (build.status !== 0) throw new Error(`building the timeline failed: ${build.stderr}`);
const built = JSON.parse(build.stdout.trim().split('\n').pop()!) as { ms: number; maxRssMiB: number; events: number; chunks: number };

// 3. the page in Chromium
let pageFigures: Record<string, number> | { skipped: string } = { skipped: chromiumMissing() ?? '' };
if (!chromiumMissing()) {
  const browser = await launchChromium();
  const page = await browser.newPage();
  let t = performance.now();
  await page.goto(pathToFileURL(join(out, 'index.html')).href);
  await page.waitForSelector('body[data-ready="1"]');
  const firstPageMs = performance.now() - t;
  t = performance.now();
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await page.check('#findings');
  await page.waitForSelector('body[data-ready="1"]');
  const findingsMs = performance.now() - t;
  const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN);
  await browser.close();
  pageFigures = { firstPageMs, findingsFilterMs: findingsMs, pageJsHeapMiB: heap / 2 ** 20 };
}

const result = { bench: 'timeline-render', when: new Date().toISOString(), packets: PACKETS, recordMiB: recordBytes / 2 ** 20, recordWriteMs: writeMs, build: built, page: pageFigures };
console.log(`record: ${PACKETS} packets, ${built.events} events, ${(recordBytes / 2 ** 20).toFixed(0)} MiB, written in ${(writeMs / 1000).toFixed(1)} s`);
console.log(`timeline build: ${(built.ms / 1000).toFixed(1)} s, peak RSS ${built.maxRssMiB.toFixed(0)} MiB, ${built.chunks} chunks`);
if ('firstPageMs' in pageFigures) console.log(`page: first page ${pageFigures.firstPageMs!.toFixed(0)} ms; "findings only" over every chunk ${pageFigures.findingsFilterMs!.toFixed(0)} ms; page JS heap ${pageFigures.pageJsHeapMiB!.toFixed(0)} MiB`);
else console.log(`page: skipped (${pageFigures.skipped})`);
const file = join(here, '..', 'reports', 'bench', 'timeline-render.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
console.log(`written: ${file}`);
