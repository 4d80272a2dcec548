// Debian's Chromium through playwright-core: for rendering pages to PDF and PNG, for checking
// pages as a person sees them, and for running a device inside a browser.
import { existsSync } from 'node:fs';
// loaded when a browser is launched: most processes never need it, and it takes half a second
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.C8Y_HIL_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `Chromium is not installed at ${CHROMIUM}: ` +
        'apt-get install -y --no-install-recommends chromium (or set C8Y_HIL_CHROMIUM)';
}

export async function launchChromium(): Promise<Browser> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  // without the background-networking flags Chromium keeps trying hosts it cannot reach
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}
