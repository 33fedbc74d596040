// `npm run screenshots`: drives the real dashboard (bin/ifqueue.js --demo on a fresh PostgreSQL database) in tmux
// and writes PNG captures of its main screens to screenshots/, at 80×24 and 120×40, with and without colour.
// The demo's stand-in legacy queue (src/legacy/demo.ts) makes the Legacy screen one of them.
// Needs tmux, a PostgreSQL reachable as TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
// and Chromium (installed with apt-get when missing and allowed).
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase } from '../../test/helpers/db.ts';
import { startTmux, selectRow, paneExitStatus, type TmuxSession } from './tmux-driver.ts';
import { findChromium, renderPng } from './render-png.ts';
import { launchChromium, type Browser } from './chromium-cdp.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const node = process.execPath;
const outDir = path.join(root, 'screenshots');
const SIZES = [
  [80, 24],
  [120, 40],
] as const;

async function ensureChromium(): Promise<string> {
  const found = await findChromium();
  if (found) return found;
  process.stderr.write('screenshots: Chromium is missing; installing it with apt-get\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], { env, timeout: 900_000 }).catch((error) => {
    throw new Error('cannot install Chromium (run: apt-get install chromium fonts-dejavu-core)', { cause: error });
  });
  const installed = await findChromium();
  if (!installed) throw new Error('Chromium is still missing after apt-get install');
  return installed;
}

/** Resizes the window and waits until the dashboard has redrawn for it and the screen holds still. */
async function resizeAndSettle(t: TmuxSession, columns: number, rows: number): Promise<void> {
  const before = await t.capture();
  await t.resize(columns, rows);
  await t.waitFor((s) => s !== before, 10_000).catch(() => {});
  let last = await t.capture();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await t.capture();
    if (now === last) return;
    last = now;
  }
}

interface Shot {
  name: string;
  /** from the overview to the screen */
  open(t: TmuxSession): Promise<void>;
  /** from the screen back to the overview */
  close(t: TmuxSession): Promise<void>;
}

const back = (n: number) => async (t: TmuxSession) => {
  for (let i = 0; i < n; i++) await t.keys('Escape');
  await t.waitFor('─ Queues');
};

const SHOTS: Shot[] = [
  { name: 'overview', open: async () => {}, close: async () => {} },
  {
    name: 'failed-jobs',
    async open(t) {
      await selectRow(t, 'demo-fail');
      await t.keys('Enter');
      await t.waitFor('CloneUrl(10231)');
    },
    close: back(1),
  },
  {
    name: 'confirm-dialog',
    async open(t) {
      await selectRow(t, 'demo-fail');
      await t.keys('Enter');
      await t.waitFor('CloneUrl(10231)');
      await t.keys('R');
      await t.waitFor('[Enter] yes');
    },
    close: back(2),
  },
  {
    name: 'job-detail-live-log',
    async open(t) {
      await selectRow(t, 'demo-sleep');
      await t.keys('Enter', '3');
      await t.waitFor('long import');
      await selectRow(t, 'long import');
      await t.keys('Enter');
      await t.waitFor((s) => (s.match(/slept \d+s of 300s/g) ?? []).length >= 6, 30_000);
    },
    close: back(2),
  },
  {
    name: 'schedules',
    async open(t) {
      await t.keys('s');
      await t.waitFor('next five:');
    },
    close: back(1),
  },
  {
    name: 'job-error-stack',
    async open(t) {
      await selectRow(t, 'demo-fail');
      await t.keys('Enter');
      await t.waitFor('CloneUrl(10231)');
      await selectRow(t, 'CloneUrl(10231)');
      await t.keys('Enter');
      await t.waitFor('e: stack');
      await t.keys('e');
      await t.waitFor('─ Error stack');
    },
    close: back(2),
  },
  {
    name: 'new-job-form',
    async open(t) {
      await t.keys('n');
      await t.waitFor('─ New job');
      await t.keys('Up');
      for (let i = 0; i < 20 && !(await t.capture()).includes('‹ import-games ›'); i++) await t.keys('Right');
      await t.waitFor('‹ import-games ›');
      await t.keys('Tab');
      await t.waitFor('appendUrls?');
    },
    close: back(1),
  },
  {
    name: 'cleanup-form',
    async open(t) {
      await t.keys('c');
      await t.waitFor('─ Cleanup all queues');
    },
    close: back(1),
  },
  {
    name: 'legacy',
    async open(t) {
      await t.keys('L');
      await t.waitFor('old worker: running');
    },
    close: back(1),
  },
  {
    name: 'help',
    async open(t) {
      await t.keys('?');
      await t.waitFor('─ Keys');
    },
    close: back(1),
  },
];

async function shoot(browser: Browser, mode: 'colour' | 'mono'): Promise<string[]> {
  const db = await createTestDatabase(`shots_${mode}`);
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    PATH: `${path.dirname(node)}:${process.env.PATH}`,
    TERM: 'xterm-256color',
    HOME: process.env.HOME ?? '/tmp',
    IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '5',
    IFQUEUE_DEMO_TASKS: '1',
    ...(mode === 'mono' ? { NO_COLOR: '1' } : { FORCE_COLOR: '1' }),
  };
  const cli = (...args: string[]) => run(node, ['bin/ifqueue.js', ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 });
  const [columns, rows] = SIZES[0];
  const t = await startTmux({ columns, rows, cwd: root, env, command: [node, 'bin/ifqueue.js', '--demo'] });
  const written: string[] = [];
  try {
    await t.waitFor((s) => s.includes('● live') && /demo-fail\s+\d+\s+\d+\s+\d+\s+\d+\s+[1-9]/.test(s), 60_000);
    // A second schedule that has run once, so the schedules screen shows a last outcome.
    await cli('schedules', 'set', 'demo-log-burst', '*/15 * * * *', '--args', '{"lines":20}');
    await t.keys('s');
    await t.waitFor('demo-log-burst');
    await selectRow(t, 'demo-log-burst');
    await t.keys('r');
    await t.waitFor((screen) => screen.includes('Started demo-log-burst now') || /last run \d/.test(screen));
    await t.keys('Escape');
    // Let the demo jobs move: some finish, the long one logs.
    await new Promise((r) => setTimeout(r, 8000));
    for (const shot of SHOTS) {
      await shot.open(t);
      for (const [c, r] of SIZES) {
        await resizeAndSettle(t, c, r);
        const file = path.join(outDir, `${shot.name}-${c}x${r}${mode === 'mono' ? '-mono' : ''}.png`);
        await renderPng(browser, await t.capture({ ansi: true }), c, r, file);
        written.push(path.relative(root, file));
      }
      await resizeAndSettle(t, columns, rows);
      await shot.close(t);
    }
    await t.keys('C-c');
    const status = await paneExitStatus(t, 60_000);
    if (status !== 0) throw new Error(`the dashboard exited with ${status}`);
  } finally {
    await t.kill();
    await db.drop();
  }
  return written;
}

async function main(): Promise<void> {
  const browser = await launchChromium(await ensureChromium());
  try {
    await mkdir(outDir, { recursive: true });
    for (const f of await readdir(outDir)) if (f.endsWith('.png')) await rm(path.join(outDir, f));
    const written = [...(await shoot(browser, 'colour')), ...(await shoot(browser, 'mono'))];
    process.stdout.write(`${written.join('\n')}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  process.stderr.write(`screenshots: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
