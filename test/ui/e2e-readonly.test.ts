// `ifqueue --readonly` (the real binary in tmux, real PostgreSQL) never runs jobs: read-only implies --no-runner.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, bossJob, waitForState } from '../runner/support.ts';
import { buildDemoTasks } from '../../src/tasks/registry.ts';
import { startTmux, paneExitStatus, type TmuxSession } from '../../scripts/screenshots/tmux-driver.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const node = path.join(root, 'node_modules/.bin/node');
/** the runner's default fallback poll (RunnerOptions.pollSeconds.fallback): a working dashboard claims a due job within it */
const FALLBACK_POLL_MS = 2000;

describe('a --readonly dashboard (tmux, real PostgreSQL)', { timeout: 180_000 }, () => {
  let db: TestDatabase;
  let runners: RunnerPool;
  let tmux: TmuxSession | null = null;

  before(async () => {
    db = await createTestDatabase('ui_readonly');
    runners = new RunnerPool(db);
  });

  after(async () => {
    await tmux?.kill();
    await runners?.stopAll();
    await db?.drop();
  });

  test('a job enqueued while it is open stays waiting; a real runner then runs it', async () => {
    const producer = await runners.start(buildDemoTasks(), { work: false });
    const env = { DATABASE_URL: db.url, PATH: `${path.dirname(node)}:${process.env.PATH}`, TERM: 'xterm-256color', HOME: process.env.HOME ?? '/tmp' };
    tmux = await startTmux({ columns: 100, rows: 30, cwd: root, env, command: [node, 'bin/ifqueue.js', '--readonly'] });
    let screen = await tmux.waitFor((s) => s.includes('● live') && s.includes('readonly'), 60_000);
    assert.match(screen, /watching \(no runner here\)/, 'the header says this process runs no jobs');

    // The dashboard registered as a watcher: no queues.
    const { rows } = await db.query<{ queues: string[] }>(`SELECT queues FROM ifqueue.runner WHERE kind = 'dashboard' AND stopped_at IS NULL`);
    assert.deepEqual(rows.map((r) => r.queues), [[]]);

    const id = await producer.enqueue('demo-sleep', { seconds: 0 }, { name: 'must-not-run-here' });
    screen = await tmux.waitFor(/demo-sleep\s+1\s/, 30_000);
    // Several of the poll periods in which a working runner would have claimed it.
    await new Promise((r) => setTimeout(r, 3 * FALLBACK_POLL_MS));
    assert.equal((await bossJob(db, id))?.state, 'created', 'the read-only dashboard did not run the job');
    const attempts = await db.query('SELECT 1 FROM ifqueue.job_attempt WHERE job_id = $1', [id]);
    assert.equal(attempts.rowCount, 0);

    // The job was runnable all along: a working runner picks it up and completes it.
    await runners.start(buildDemoTasks());
    await waitForState(db, id, 'completed', { timeoutMs: 30_000 });

    await tmux.keys('q');
    assert.equal(await paneExitStatus(tmux, 60_000), 0);
  });
});
