// Renders a tmux capture to PNG: ANSI → HTML cell grid → Chromium headless at the grid's exact size.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ansiToHtmlPage } from './ansi-html.ts';
import type { Browser } from './chromium-cdp.ts';

const run = promisify(execFile);

const FONT_PX = 15;
const LINE_PX = 18;
const PAD_PX = 10;
/** DejaVu Sans Mono's advance width is 1233/2048 em */
const CELL_PX = (FONT_PX * 1233) / 2048;

export async function findChromium(): Promise<string | null> {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      const { stdout } = await run('sh', ['-c', `command -v ${name}`]);
      if (stdout.trim()) return stdout.trim();
    } catch {
      // not this one
    }
  }
  return null;
}

export async function renderPng(browser: Browser, capture: string, columns: number, rows: number, out: string): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ifq-shot-'));
  try {
    const page = path.join(dir, 'page.html');
    await writeFile(page, ansiToHtmlPage(capture, { columns, rows, fontSizePx: FONT_PX, lineHeightPx: LINE_PX, paddingPx: PAD_PX, title: path.basename(out) }));
    const png = await browser.screenshot(pathToFileURL(page).href, Math.ceil(columns * CELL_PX) + 2 * PAD_PX, rows * LINE_PX + 2 * PAD_PX);
    await writeFile(out, png);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
