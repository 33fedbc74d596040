// Stopping as users stop things, with real processes and a real terminal (tmux): one Ctrl+C is one
// stop request even through the launcher bin/ifqueue.js uses on an old Node; the launcher's child
// does not outlive it; a second request exits within SECOND_REQUEST_EXIT_MS; quitting while the
// database is down exits within DATABASE_DOWN_EXIT_MS instead of leaving a blank screen.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATABASE_DOWN_EXIT_MS, SECOND_REQUEST_EXIT_MS } from '../../src/cli/shutdown.ts';
import { demoTasks } from '../../src/tasks/demo/index.ts';
import { paneExitStatus, startTmux, type TmuxSession } from '../../scripts/screenshots/tmux-driver.ts';
import { Children, pidAlive, type Child } from '../fault/harness/children.ts';
import { clusterDatabase, startCluster, type FaultDatabase, type PgCluster } from '../fault/harness/cluster.ts';
import { clientRunner } from '../fault/harness/common.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const node24 = path.join(root, 'node_modules/.bin/node');
/** A busy machine: the bounds are the configured ones, the margin is for the scheduler. */
const MARGIN_MS = 3000;

/** The machine's own Node when it is older than 22.12 (the launcher path); else ours, told to take that path. */
function launcherNode(): { node: string; env: Record<string, string> } {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(candidate)) continue;
    const [major, minor] = execFileSync(candidate, ['-p', 'process.versions.node']).toString().trim().split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 12)) return { node: candidate, env: {} };
  }
  return { node: process.execPath, env: { IFQUEUE_LAUNCHER: '1' } };
}

const children = new Children();
let db: TestDatabase;
let work: string;
let client: Awaited<ReturnType<typeof clientRunner>>;

before(async () => {
  db = await createTestDatabase('cli_signals');
  work = await mkdtemp(path.join(tmpdir(), 'ifq-signals-'));
  client = await clientRunner(db.url, demoTasks);
});

after(async () => {
  await children.stopAll();
  await client?.close();
  await db.drop();
  await rm(work, { recursive: true, force: true });
});

afterEach(async () => {
  await children.stopAll();
  // A stopped daemon gives its running sleep back to the queue (never completed): cancel it, so the
  // next scenario's daemon runs only the sleep that scenario started.
  await db.query(`UPDATE pgboss.job SET state = 'cancelled', completed_on = now() WHERE name = 'demo-sleep' AND state IN ('created', 'retry', 'active')`);
});

function env(databaseUrl = db.url, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    IFQUEUE_DEMO_TASKS: '1',
    IFQUEUE_FILES_DIR: path.join(work, 'files'),
    IFQUEUE_HEARTBEAT_SECONDS: '1',
    IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '60',
    ...extra,
  };
}

function terminalEnv(extra: Record<string, string>): Record<string, string> {
  return { ...extra, PATH: `${path.dirname(node24)}:${process.env.PATH}`, TERM: 'xterm-256color', HOME: process.env.HOME ?? '/tmp' };
}

const daemonPid = (lines: string[] | string) => Number(/ifqueue daemon running .* \(pid (\d+)\)/.exec(Array.isArray(lines) ? lines.join('\n') : lines)?.[1]);
const count = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern, 'g')) ?? []).length;
const jobState = async (id: string) => (await db.query(`SELECT state FROM pgboss.job WHERE id = $1`, [id])).rows[0]?.state as string;

async function enqueueSleep(databaseUrl: string): Promise<void> {
  const r = children.spawnCli('enqueue', ['enqueue', 'demo-sleep', '--args', '{"seconds":300}'], env(databaseUrl));
  assert.equal((await r.exited).code, 0, r.stderr());
}

async function runningSleep(d: { waitForLine(m: RegExp, t?: number): Promise<string> } | null, seconds = 300): Promise<string> {
  const id = await client.runner.enqueue('demo-sleep', { seconds });
  if (d) await d.waitForLine(new RegExp(`job started {3}demo-sleep ${id.slice(0, 8)}`), 60_000);
  else await waitFor('the job to start', async () => (await jobState(id)) === 'active', { timeoutMs: 60_000 });
  return id;
}

describe('the launcher (bin/ifqueue.js on an old Node)', { timeout: 300_000 }, () => {
  const launcher = launcherNode();

  test('one Ctrl+C in a terminal is one stop request, and the daemon stops cleanly', async () => {
    let tmux: TmuxSession | null = null;
    try {
      tmux = await startTmux({
        columns: 120,
        rows: 30,
        cwd: root,
        env: terminalEnv({ ...env(db.url, { IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '3' }), ...launcher.env }),
        command: [launcher.node, 'bin/ifqueue.js', '--daemon', '--queues', 'demo-sleep'],
      });
      let screen = await tmux.waitFor('ifqueue daemon running', 90_000);
      const launcherPid = await tmux.pid();
      const childPid = daemonPid(screen);
      assert.ok(childPid > 0 && childPid !== launcherPid, `the daemon (${childPid}) runs under the launcher (${launcherPid})`);
      const id = await runningSleep(null);
      await tmux.waitFor(`job started   demo-sleep ${id.slice(0, 8)}`, 30_000);
      // the terminal sends SIGINT to the whole foreground process group: the launcher and its child
      await tmux.keys('C-c');
      assert.equal(await paneExitStatus(tmux, 60_000), 0);
      screen = await tmux.capture();
      assert.equal(count(screen, /received SIGINT/), 1, screen);
      assert.doesNotMatch(screen, /again|returning running jobs to the queue now/, 'no second request');
      assert.match(screen, /\nstopped\n/);
      assert.notEqual(await jobState(id), 'active');
    } finally {
      await tmux?.kill();
    }
  });

  test('SIGTERM to the launcher alone reaches the daemon once', async () => {
    const d = children.spawnCli('launcher', ['--daemon', '--queues', 'demo-sleep'], { ...env(db.url, { IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '3' }), ...launcher.env }, launcher.node);
    await d.waitForLine(/ifqueue daemon running/, 90_000);
    const childPid = daemonPid(d.lines);
    assert.notEqual(childPid, d.pid);
    d.kill('SIGTERM');
    assert.deepEqual(await d.exited, { code: 0, signal: null }, 'the launcher exits with its child\'s code');
    assert.equal(count(d.lines.join('\n'), /received SIGTERM/), 1);
    assert.equal(d.lines.at(-1), 'stopped');
    assert.equal(await pidAlive(childPid), false);
  });

  test('kill -9 of the launcher: its child stops at once instead of running on under init', async () => {
    const d = children.spawnCli('launcher', ['--daemon', '--queues', 'demo-sleep'], { ...env(), ...launcher.env }, launcher.node);
    await d.waitForLine(/ifqueue daemon running/, 90_000);
    const childPid = daemonPid(d.lines);
    const id = await runningSleep(d);
    d.kill('SIGKILL');
    try {
      // the child keeps writing to the pipe the test holds; its lines still arrive
      await waitFor('the child to exit', async () => !(await pidAlive(childPid)), { timeoutMs: SECOND_REQUEST_EXIT_MS + 20_000 });
    } finally {
      // a child that outlived its launcher (the bug this test is for) must not outlive the test
      if (await pidAlive(childPid)) process.kill(childPid, 'SIGKILL');
    }
    const out = d.lines.join('\n');
    assert.match(out, /the launcher exited: not taking new jobs/);
    assert.notEqual(await jobState(id), 'active', 'its running job was not left active');
  });
});

describe('a second request and a database that is down', { timeout: 300_000 }, () => {
  test('daemon: a second SIGTERM exits within the bound, however long the running jobs would take', async () => {
    const d = children.spawnCli('daemon', ['--daemon', '--queues', 'demo-sleep'], env());
    await d.waitForLine(/ifqueue daemon running/, 90_000);
    const id = await runningSleep(d);
    d.kill('SIGTERM');
    await d.waitForLine(/received SIGTERM: not taking new jobs; waiting for 1 running job/, 10_000);
    const secondAt = Date.now();
    d.kill('SIGTERM');
    const exit = await d.exited;
    const tookMs = Date.now() - secondAt;
    assert.ok(tookMs < SECOND_REQUEST_EXIT_MS + MARGIN_MS, `exited ${tookMs} ms after the second SIGTERM`);
    assert.ok(exit.code === 0 || exit.code === 130, JSON.stringify(exit));
    assert.ok(d.lines.some((l) => l === 'received SIGTERM again: returning running jobs to the queue now'));
    // hurried, not merely cut off by the exit bound: the daemon gave its running job back before it exited
    assert.equal(await jobState(id), 'created', 'the running job is back in the queue, not left active for the next runner to find');
  });

  test('dashboard: a second Ctrl+C quits within the bound', async () => {
    let tmux: TmuxSession | null = null;
    try {
      tmux = await startTmux({ columns: 100, rows: 30, cwd: root, env: terminalEnv(env()), command: [node24, 'bin/ifqueue.js'] });
      await tmux.waitFor('● live', 90_000);
      await runningSleep(null);
      await tmux.keys('C-c');
      await tmux.waitFor(/1 job still running; \d+ s left/, 20_000);
      const secondAt = Date.now();
      await tmux.keys('C-c');
      assert.equal(await paneExitStatus(tmux, SECOND_REQUEST_EXIT_MS + MARGIN_MS), 130);
      const tookMs = Date.now() - secondAt;
      assert.ok(tookMs < SECOND_REQUEST_EXIT_MS + MARGIN_MS, `quit ${tookMs} ms after the second Ctrl+C`);
    } finally {
      await tmux?.kill();
    }
  });

  describe('with the database down', () => {
    let cluster: PgCluster;
    let fault: FaultDatabase;

    before(async () => {
      cluster = await startCluster();
      fault = await clusterDatabase(cluster, 'signals_down');
    });

    after(async () => {
      await fault?.close();
      await cluster?.destroy();
    });

    test('daemon: SIGTERM exits within the bound, and the next runner recovers its job once the database is back', async () => {
      await cluster.start().catch(() => {});
      const d: Child = children.spawnCli('daemon', ['--daemon', '--queues', 'demo-sleep'], env(fault.url));
      await d.waitForLine(/ifqueue daemon running/, 90_000);
      // a running job that would hold a graceful stop for the whole 60 s timeout
      await enqueueSleep(fault.url);
      await d.waitForLine(/job started {3}demo-sleep/, 60_000);
      await cluster.stop('immediate');
      await d.waitForLine(/database connection lost/, 30_000);
      const sentAt = Date.now();
      d.kill('SIGTERM');
      const exit = await d.exited;
      const tookMs = Date.now() - sentAt;
      assert.ok(tookMs < DATABASE_DOWN_EXIT_MS + MARGIN_MS, `exited ${tookMs} ms after SIGTERM`);
      assert.notEqual(exit.code, null, 'it exited, it was not killed');
      assert.ok(d.lines.includes(`the database is unreachable: exiting within ${DATABASE_DOWN_EXIT_MS / 1000} s`), d.lines.join('\n'));

      // README, shutdown step 5: the job it could not give back is recovered by the next runner once the database is back
      await cluster.start();
      const active = (await fault.query(`SELECT id FROM pgboss.job WHERE name = 'demo-sleep' AND state = 'active'`)).rows;
      assert.equal(active.length, 1, 'the job it could not return is still active');
      const id: string = active[0].id;
      const next: Child = children.spawnCli('next daemon', ['--daemon', '--queues', 'demo-sleep'], env(fault.url));
      await next.waitForLine(new RegExp(`job started {3}demo-sleep ${id.slice(0, 8)}`), 120_000);
      const attempts = (await fault.query(`SELECT attempt, outcome FROM ifqueue.job_attempt WHERE job_id = $1 ORDER BY attempt`, [id])).rows;
      assert.deepEqual(attempts.map((a) => [a.attempt, a.outcome]), [[1, 'lost'], [2, 'running']]);
      next.kill('SIGKILL');
      await next.exited;
      await fault.query(`UPDATE pgboss.job SET state = 'cancelled', completed_on = now() WHERE name = 'demo-sleep' AND state IN ('created', 'retry', 'active')`);
    });

    test('dashboard: Ctrl+C says why and quits within the bound (no blank screen)', async () => {
      await cluster.start().catch(() => {});
      let tmux: TmuxSession | null = null;
      try {
        tmux = await startTmux({ columns: 100, rows: 30, cwd: root, env: terminalEnv(env(fault.url)), command: [node24, 'bin/ifqueue.js'] });
        await tmux.waitFor('● live', 90_000);
        await enqueueSleep(fault.url);
        await tmux.waitFor(/demo-sleep\s+\d+\s+\d+\s+[1-9]/, 60_000);
        await cluster.stop('immediate');
        await tmux.waitFor('database down', 30_000);
        const sentAt = Date.now();
        await tmux.keys('C-c');
        await tmux.waitFor('The database is unreachable: nothing can be recorded', 5000);
        await paneExitStatus(tmux, DATABASE_DOWN_EXIT_MS + MARGIN_MS);
        const tookMs = Date.now() - sentAt;
        assert.ok(tookMs < DATABASE_DOWN_EXIT_MS + MARGIN_MS, `quit ${tookMs} ms after Ctrl+C`);
      } finally {
        await tmux?.kill();
      }
    });
  });
});
