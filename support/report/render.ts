// A generated page, rendered to PDF and PNG for release tickets.
import { pathToFileURL } from 'node:url';
import { launchChromium } from './browser.ts';

export async function renderPage(htmlPath: string, outputs: { pdf?: string; png?: string }): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(pathToFileURL(htmlPath).href);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
    if (outputs.png) await page.screenshot({ path: outputs.png, fullPage: true });
    if (outputs.pdf)
      await page.pdf({
        path: outputs.pdf,
        format: 'A4',
        landscape: true,
        printBackground: true,
        margin: { top: '10mm', bottom: '10mm', left: '8mm', right: '8mm' },
      });
  } finally {
    await browser.close();
  }
}
