// bin/ifqueue.js starts the dashboard with a small young generation (its peak RSS, scripts/bench/p4),
// replacing itself rather than leaving a wrapper process behind; one-shot commands run as they are.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startTmux, type TmuxSession } from '../../scripts/screenshots/tmux-driver.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const node = process.execPath;
let db: TestDatabase;
let tmux: TmuxSession | null = null;

/** The processes whose environment holds this DATABASE_URL: the command lines of our ifqueue. */
async function processesOf(url: string): Promise<{ pid: number; argv: string[] }[]> {
  const found: { pid: number; argv: string[] }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = (await readFile(`/proc/${entry}/environ`, 'utf8')).split('\0');
      if (!environ.includes(`DATABASE_URL=${url}`)) continue;
      const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').filter(Boolean);
      if (argv.some((a) => a.endsWith(path.join('bin', 'ifqueue.js')))) found.push({ pid: Number(entry), argv });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

before(async () => {
  db = await createTestDatabase('cli_launcher');
  const prepared = await execa(node, [path.join(root, 'bin', 'ifqueue.js'), 'status'], { env: { DATABASE_URL: db.url }, reject: false });
  assert.equal(prepared.exitCode, 0, String(prepared.stderr));
});

after(async () => {
  await tmux?.kill();
  await db.drop();
});

test('the dashboard runs in one process with --max-semi-space-size, replacing the launcher', { timeout: 120_000 }, async () => {
  tmux = await startTmux({ columns: 100, rows: 30, cwd: root, env: { DATABASE_URL: db.url, TERM: 'xterm-256color', HOME: process.env.HOME ?? '/tmp', PATH: process.env.PATH ?? '' }, command: [node, 'bin/ifqueue.js', '--no-runner'] });
  await tmux.waitFor('● live', 60_000);
  const processes = await processesOf(db.url);
  assert.equal(processes.length, 1, `one process: ${JSON.stringify(processes)}`);
  assert.ok(processes[0].argv.includes('--max-semi-space-size=2'), processes[0].argv.join(' '));
  await tmux.keys('q');
  for (let i = 0; i < 150 && !(await tmux.exited()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await tmux.exited(), true, 'q quits');
});
