// The real binary in a real terminal (tmux) against a real PostgreSQL: demo data, a failed job, a retry that
// completes, a live log, and a graceful Ctrl+C.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startTmux, selectRow, paneExitStatus, type TmuxSession } from '../../scripts/screenshots/tmux-driver.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const node = path.join(root, 'node_modules/.bin/node');
const run = promisify(execFile);

describe('dashboard end to end (tmux, real PostgreSQL)', { timeout: 240_000 }, () => {
  let db: TestDatabase;
  let tmux: TmuxSession | null = null;
  let env: Record<string, string>;

  // The PostgreSQL server is shared with other test runs; ride out a moment when all its connections are taken.
  const cli = async (...args: string[]): Promise<string> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await run(node, ['bin/ifqueue.js', ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 })).stdout.trim();
      } catch (error) {
        if (attempt >= 10 || !/too many clients/.test(String((error as { stderr?: string }).stderr))) throw error;
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  };
  // Read straight from pg-boss's table: a CLI process per poll would cost connections the shared server may not have.
  const jobState = async (id: string) => (await db.query<{ state: string }>('SELECT state FROM pgboss.job WHERE id = $1', [id])).rows[0]?.state;
  const until = async (id: string, state: string) => {
    for (let i = 0; i < 240 && (await jobState(id)) !== state; i++) await new Promise((r) => setTimeout(r, 250));
    return jobState(id);
  };

  before(async () => {
    db = await createTestDatabase('ui_e2e');
    env = {
      DATABASE_URL: db.url,
      PATH: `${path.dirname(node)}:${process.env.PATH}`,
      IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '5',
      // the one-shot commands below enqueue demo tasks (the dashboard knows them through --demo)
      IFQUEUE_DEMO_TASKS: '1',
      TERM: 'xterm-256color',
      HOME: process.env.HOME ?? '/tmp',
    };
  });

  after(async () => {
    await tmux?.kill();
    await db?.drop();
  });

  test('demo jobs, a failed job retried to completion, a live log, and Ctrl+C', async () => {
    tmux = await startTmux({ columns: 80, rows: 24, cwd: root, env, command: [node, 'bin/ifqueue.js', '--demo'] });
    const t = tmux;

    // The demo data: a running job, a failure, finished work.
    let screen = await t.waitFor((s) => s.includes('● live') && /demo-fail\s+\d+\s+\d+\s+\d+\s+\d+\s+[1-9]/.test(s), 60_000);
    assert.match(screen, /ifq_ui_e2e_\w+/, 'the header names the database');
    // What start-up had to say is in the dashboard (not on stderr behind it), until the first key.
    assert.match(screen, /─ Started · any key hides this/);
    assert.match(screen, /seeded \d+ demo jobs/);
    assert.match(screen, /started a stand-in old worker \(pid \d+\)/);

    assert.match(screen, /demo-sleep\s+\d+\s+\d+\s+[1-9]/, 'demo-sleep has running jobs');
    // The demo's stand-in legacy queue makes the Legacy screen reachable.
    await t.keys('L');
    screen = await t.waitFor((s) => s.includes('─ Legacy queue') && s.includes('old worker:'));
    assert.match(screen, /old worker: running \(pid \d+\)/);
    assert.match(screen, /rows in core_taskqueueelement: 3 pending, 0 running, 1 orphaned/);
    await t.keys('Escape');
    await t.waitFor('─ Queues');

    // Open the failed demo job and read its error.
    await selectRow(t, 'demo-fail');
    await t.keys('Enter');
    await t.waitFor('ifqueue › demo-fail');
    await selectRow(t, 'CloneUrl(10231)');
    await t.keys('Enter');
    screen = await t.waitFor('✗ failed');
    assert.match(screen, /HTTP 404 Not Found \(demo\)/);
    await t.keys('Escape', 'Escape');
    await t.waitFor('─ Queues');

    // A job that fails because its dependency was cancelled; once the dependency has run, retrying it from the dashboard completes it.
    const parent = await cli('enqueue', 'demo-log-burst', '--args', '{"lines":1}', '--name', 'e2e-parent', '--delay', '1h');
    const child = await cli('enqueue', 'demo-log-burst', '--args', '{"lines":3}', '--name', 'e2e-child', '--depends-on', parent);
    await selectRow(t, 'demo-log-burst');
    await t.keys('Enter', '2');
    await t.waitFor('e2e-parent');
    await selectRow(t, 'e2e-parent');
    await t.keys('x');
    await t.waitFor('Cancelled job');
    assert.equal(await until(child, 'failed'), 'failed', 'the dependent failed when its dependency was cancelled');
    await t.keys('7');
    await t.waitFor('e2e-parent');
    await selectRow(t, 'e2e-parent');
    await t.keys('r');
    await t.waitFor('Retried job');
    assert.equal(await until(parent, 'completed'), 'completed');

    await t.keys('5');
    await t.waitFor('e2e-child');
    await selectRow(t, 'e2e-child');
    await t.keys('Enter');
    screen = await t.waitFor((s) => s.includes('✗ failed') && s.includes('e2e-child'));
    assert.match(screen, /dependency/);
    await t.keys('r');
    await t.waitFor('Retried job');
    screen = await t.waitFor('✓ done', 60_000);
    assert.match(screen, /line 3 of 3/, 'the completed attempt logged its lines');
    await t.keys('Escape', 'Escape');
    await t.waitFor('─ Queues');

    // Follow the long demo job's log as lines arrive.
    await selectRow(t, 'demo-sleep');
    await t.keys('Enter');
    await t.waitFor('ifqueue › demo-sleep');
    await t.keys('3');
    await t.waitFor('long import');
    await selectRow(t, 'long import');
    await t.keys('Enter');
    screen = await t.waitFor(/slept \d+s of 300s/);
    const first = Number(/slept (\d+)s of 300s\s*$/m.exec(screen)?.[1] ?? /slept (\d+)s of 300s/.exec(screen)![1]);
    screen = await t.waitFor((s) => [...s.matchAll(/slept (\d+)s of 300s/g)].some((m) => Number(m[1]) >= first + 2), 20_000);
    assert.match(screen, /following/);

    // Ctrl+C: the countdown while the embedded runner returns its jobs, then exit code 0.
    await t.keys('C-c');
    await t.waitFor('Stopping the embedded runner');
    assert.equal(await paneExitStatus(t, 60_000), 0);
    assert.doesNotMatch(await t.capture(), /seeded \d+ demo jobs/, 'nothing was left on stderr behind the dashboard');
  });
});
