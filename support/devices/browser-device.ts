// A device inside real Chromium: the reference firmware built for the browser, on mqtt.js'
// browser bundle, over WebSocket and secure WebSocket, driven through the same console protocol
// and profile as the emulated device.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import type { TrafficRecord } from '../record/record.ts';
import { launchChromium } from '../report/browser.ts';
import { ConsoleError, LineConsole } from './console.ts';
import { EMULATED_PROFILE } from './emulated.ts';
import { loadProfile } from './profile.ts';
import { ProfileDevice } from './profile-device.ts';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
let bundle: Promise<string> | undefined;

/** the firmware for the page, bundled once per process */
function firmwareBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [join(here, 'browser', 'entry.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome120',
    alias: { mqtt: join(here, 'browser', 'mqtt-global.ts'), 'node:fs': join(here, 'browser', 'fs-stub.ts') },
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]!.text);
  return bundle;
}

class BrowserConsole extends LineConsole {
  constructor(device: string, record: TrafficRecord | undefined, private readonly page: Page) {
    super(device, record, 'the browser page');
    page.on('console', (m) => { const t = m.text(); if (t.startsWith('c8y-hil ')) this.receive(t.slice('c8y-hil '.length)); });
    page.on('pageerror', (err) => this.record?.add('console', { device, dir: 'stderr', line: err.message }));
    page.on('crash', () => this.breakWith(new ConsoleError(`${device}: the browser page crashed`)));
  }
  protected async write(line: string): Promise<void> {
    await this.page.evaluate((l) => (globalThis as unknown as { c8yHil: { command(l: string): void } }).c8yHil.command(l), line);
  }
  async close(): Promise<void> { await this.page.close().catch(() => {}); }
}

export async function startBrowserDevice(serial: string, record?: TrafficRecord): Promise<ProfileDevice> {
  const browser: Browser = await launchChromium();
  try {
    // the broker's certificate comes from a throwaway CA the browser does not know
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.addScriptTag({ path: require.resolve('mqtt/dist/mqtt.min') });
    await page.addScriptTag({ content: await firmwareBundle() });
    await page.evaluate((s) => (globalThis as unknown as { c8yHil: { start(s: string): void } }).c8yHil.start(s), serial);
    const console = new BrowserConsole(serial, record, page);
    record?.add('device', { device: serial, action: 'browser-started', browser: browser.version() });
    return new ProfileDevice(serial, loadProfile(EMULATED_PROFILE), console, record, async () => { await browser.close(); });
  } catch (err) {
    await browser.close();
    throw err;
  }
}
