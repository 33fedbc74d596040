// The embedded PostgreSQL as users meet it (no DATABASE_URL; real processes, a real server per data
// directory): the password never in a file another user can read; SIGTERM is the graceful shutdown;
// daemons and dashboards share one server, the last to leave stops it, and a survivor starts it again
// when it goes away.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { watch, type FSWatcher } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { serverUser, startServer, stopServer } from '../../src/runner/embedded/server.ts';
import { startTmux, paneExitStatus, type TmuxSession } from '../../scripts/screenshots/tmux-driver.ts';
import { Children, pidAlive, type Child } from '../fault/harness/children.ts';
import { waitFor } from '../helpers/wait.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const children = new Children();
const dataDirs: string[] = [];
let work: string;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'ifq-embedded-'));
  // as root the server runs as `postgres`, which must pass through to the data directory
  await chmod(work, 0o755);
});

after(async () => {
  await children.stopAll();
  for (const dir of dataDirs) await stopServer(path.join(dir, 'pg')).catch(() => {});
  await rm(work, { recursive: true, force: true });
});

function newDataDir(name: string): string {
  const dir = path.join(work, name);
  dataDirs.push(dir);
  return dir;
}

function env(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: '', IFQUEUE_DATA_DIR: dataDir, IFQUEUE_FILES_DIR: path.join(work, 'files'), IFQUEUE_HEARTBEAT_SECONDS: '1', ...extra };
}

/** The running server's pid, or null. */
async function serverPid(dataDir: string): Promise<number | null> {
  const text = await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return pid > 0 && (await pidAlive(pid)) ? pid : null;
}

async function query<T extends pg.QueryResultRow = any>(dataDir: string, text: string): Promise<T[]> {
  const { password } = JSON.parse(await readFile(path.join(dataDir, 'credentials.json'), 'utf8'));
  const port = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[3]);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'ifqueue' });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs `fn` with the server of a data directory started (no ifqueue process attached), then stops it. */
async function withServer<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  const { port } = JSON.parse(await readFile(path.join(dataDir, 'server.json'), 'utf8'));
  await startServer(path.join(dataDir, 'pg'), port, await serverUser());
  try {
    return await fn();
  } finally {
    await stopServer(path.join(dataDir, 'pg'));
  }
}

/** A one-shot command; resolves with its exit and output. */
async function oneShot(name: string, args: string[], environment: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const child = children.spawnCli(name, args, environment);
  const exit = await child.exited;
  return { code: exit.code, out: child.lines.join('\n'), err: child.stderr() };
}

async function daemon(name: string, dataDir: string, extra: Record<string, string> = {}): Promise<Child> {
  const child = children.spawnCli(name, ['--daemon'], env(dataDir, extra));
  await child.waitForLine(/ifqueue daemon running/, 180_000);
  return child;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

afterEach(() => children.stopAll());

describe('embedded PostgreSQL', { timeout: 600_000 }, () => {
  test('the superuser password never lands in a file another user can read', async () => {
    const dataDir = newDataDir('secret');
    // every file created in the temp directories while the cluster is made, read the moment it appears
    const privateTmp = path.join(work, 'tmp');
    await mkdir(privateTmp, { mode: 0o755 });
    const seen = new Map<string, { mode: number; content: string }>();
    const watchers: FSWatcher[] = [];
    for (const dir of [tmpdir(), privateTmp]) {
      watchers.push(
        watch(dir, (_event, name) => {
          if (!name) return;
          const file = path.join(dir, name);
          void Promise.all([stat(file), readFile(file, 'utf8')])
            .then(([info, content]) => seen.set(file, { mode: info.mode & 0o777, content }))
            .catch(() => {});
        }),
      );
    }
    let first;
    try {
      first = await oneShot('first start', ['jobs'], env(dataDir, { TMPDIR: privateTmp }));
    } finally {
      for (const w of watchers) w.close();
    }
    assert.equal(first.code, 0, first.err);
    assert.match(first.err, /using the embedded PostgreSQL in .* \(created now\)/);

    const { password } = JSON.parse(await readFile(path.join(dataDir, 'credentials.json'), 'utf8'));
    assert.ok(password.length >= 20);
    const leaked = [...seen].filter(([, f]) => f.content.includes(password));
    assert.deepEqual(leaked.map(([file]) => file), [], 'no temporary file ever held the password');

    const modeOf = async (p: string) => (await stat(p)).mode & 0o777;
    assert.equal(await modeOf(path.join(dataDir, 'credentials.json')), 0o600);
    assert.equal(await modeOf(path.join(dataDir, 'server.json')), 0o600);
    assert.equal(await modeOf(path.join(dataDir, 'pg')), 0o700);
    // root runs the server as `postgres`, which must pass through (not list) the directory
    assert.equal(await modeOf(dataDir), process.getuid?.() === 0 ? 0o711 : 0o700);
    const holders: string[] = [];
    for (const file of await walk(dataDir)) {
      if ((await readFile(file)).includes(password)) holders.push(path.relative(dataDir, file));
    }
    assert.deepEqual(holders, ['credentials.json'], 'the cluster keeps only a SCRAM verifier, and nothing else holds the password');
    assert.equal(await serverPid(dataDir), null, 'the only process stopped the server when it left');

    // a credentials file left readable (an older version, a restored backup) is made private again
    await chmod(path.join(dataDir, 'credentials.json'), 0o644);
    const again = await oneShot('second start', ['jobs'], env(dataDir));
    assert.equal(again.code, 0, again.err);
    assert.equal(await modeOf(path.join(dataDir, 'credentials.json')), 0o600);
  });

  test('SIGTERM on an embedded daemon is the graceful shutdown: running jobs finish or go back, then the server stops', async () => {
    const dataDir = newDataDir('sigterm');
    const timeoutSeconds = 3;
    // a fresh database is seeded with demo jobs, four of them long demo-sleeps that start at once
    const d = await daemon('daemon', dataDir, { IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: String(timeoutSeconds) });
    await d.waitForLine(/job started {3}demo-sleep/, 60_000);
    const sentAt = Date.now();
    d.kill('SIGTERM');
    const exit = await d.exited;
    const tookMs = Date.now() - sentAt;

    assert.deepEqual(exit, { code: 0, signal: null }, d.stderr());
    assert.ok(d.lines.some((l) => /^received SIGTERM: not taking new jobs; waiting for [1-9]\d* running job\(s\)$/.test(l)), d.lines.join('\n'));
    assert.equal(d.lines.at(-1), 'stopped');
    assert.ok(tookMs >= timeoutSeconds * 1000, `it waited for the running jobs (${tookMs} ms), it did not die at once`);
    assert.equal(await serverPid(dataDir), null, 'the server stopped after the runner');

    // started again only to look: nothing was left active, and every attempt the daemon began was settled
    const [left] = await withServer(dataDir, () =>
      query<{ active: number; open: number }>(
        dataDir,
        `SELECT (SELECT count(*) FROM pgboss.job WHERE state = 'active')::int AS active,
                (SELECT count(*) FROM ifqueue.job_attempt WHERE outcome = 'running')::int AS open`,
      ),
    );
    assert.deepEqual(left, { active: 0, open: 0 }, 'no job left active, no attempt left open');
    // the long demo-sleeps it was running went back to the queue without using an attempt
    const sleeps = await withServer(dataDir, () =>
      query<{ state: string; retry_count: number; outcomes: string[] }>(
        dataDir,
        `SELECT j.state, j.retry_count, array_agg(a.outcome ORDER BY a.attempt) AS outcomes
           FROM pgboss.job j JOIN ifqueue.job_attempt a ON a.job_id = j.id
          WHERE j.name = 'demo-sleep' GROUP BY j.id, j.state, j.retry_count`,
      ),
    );
    assert.ok(sleeps.length >= 1, 'the daemon had started demo-sleeps');
    for (const job of sleeps) assert.deepEqual(job, { state: 'created', retry_count: 0, outcomes: ['returned'] });
  });

  test('daemons share one server; the last to leave stops it, and a survivor starts it again when it goes away', async () => {
    const dataDir = newDataDir('shared');
    const a = await daemon('A', dataDir);
    const b = await daemon('B', dataDir);
    assert.match(a.stderr() + a.lines.join('\n'), /using the embedded PostgreSQL in .* \(created now\)/);
    assert.doesNotMatch(b.lines.join('\n'), /using the embedded PostgreSQL/, 'B attached to the running server');
    const enqueue = async (label: string) => {
      const r = await oneShot(`enqueue ${label}`, ['enqueue', 'demo-noop', '--name', label], env(dataDir));
      assert.equal(r.code, 0, r.err);
      return r.out.trim().slice(0, 8);
    };
    const completedBy = (id: string, ...ds: Child[]) => Promise.race(ds.map((d) => d.waitForLine(new RegExp(`job completed demo-noop ${id}`), 60_000)));

    // the server dies under both (kill -9 of the postmaster): they start it again and carry on
    const pid = (await serverPid(dataDir))!;
    process.kill(pid, 'SIGKILL');
    await Promise.all([a, b].map((d) => d.waitForLine(/the embedded PostgreSQL went away; starting it again on port \d+/, 60_000)));
    await Promise.all([a, b].map((d) => d.waitForLine(/the embedded PostgreSQL is running again \(after [\d.]+ s\)/, 120_000)));
    await Promise.all([a, b].map((d) => d.waitForLine(/database connection restored/, 120_000)));
    const newPid = (await serverPid(dataDir))!;
    assert.notEqual(newPid, pid);
    await completedBy(await enqueue('after-restart'), a, b);

    // A leaves while B is attached: the server keeps running for B
    a.kill('SIGTERM');
    assert.deepEqual(await a.exited, { code: 0, signal: null });
    assert.match(a.lines.at(-1)!, /^stopped \(the embedded PostgreSQL keeps running for 1 other ifqueue process\)$/);
    assert.equal(await serverPid(dataDir), newPid, 'still the same server');
    await completedBy(await enqueue('after-a-left'), b);

    // B is the last: it stops the server
    b.kill('SIGTERM');
    assert.deepEqual(await b.exited, { code: 0, signal: null });
    assert.equal(b.lines.at(-1), 'stopped');
    assert.equal(await serverPid(dataDir), null);

    // a process killed with -9 cannot stop the server; the next one uses it and stops it when it leaves
    const c = await daemon('C', dataDir);
    const cPid = (await serverPid(dataDir))!;
    c.kill('SIGKILL');
    await c.exited;
    assert.equal(await serverPid(dataDir), cPid, 'the server outlives a killed process');
    const next = await oneShot('next', ['jobs', '--limit', '1'], env(dataDir));
    assert.equal(next.code, 0, next.err);
    assert.equal(await serverPid(dataDir), null, 'the next process, the only one attached, stopped it');
  });

  test('a dashboard and a daemon share the server; SIGTERM quits the dashboard gracefully and leaves the server to the daemon', async () => {
    const dataDir = newDataDir('dashboard');
    const d = await daemon('daemon', dataDir, { IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '3' });
    let tmux: TmuxSession | null = null;
    try {
      const node = path.join(root, 'node_modules/.bin/node');
      tmux = await startTmux({
        columns: 100,
        rows: 30,
        cwd: root,
        env: { ...env(dataDir, { IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '3' }), PATH: `${path.dirname(node)}:${process.env.PATH}`, TERM: 'xterm-256color', HOME: process.env.HOME ?? '/tmp' },
        command: [node, 'bin/ifqueue.js'],
      });
      await tmux.waitFor('● live', 120_000);
      const dashboardPid = await tmux.pid();
      const runners = await waitFor('both runners to be registered', async () => {
        const rows = await query<{ n: number }>(dataDir, `SELECT count(*)::int AS n FROM ifqueue.runner WHERE stopped_at IS NULL`);
        return rows[0].n >= 2 ? rows[0].n : null;
      }, { timeoutMs: 30_000 });
      assert.ok(runners >= 2);
      process.kill(dashboardPid, 'SIGTERM');
      await tmux.waitFor('Stopping the embedded runner', 20_000);
      assert.equal(await paneExitStatus(tmux, 90_000), 0, 'the dashboard quit gracefully, exit code 0');
      assert.ok(await serverPid(dataDir), 'the server kept running for the daemon');
      const r = await oneShot('enqueue', ['enqueue', 'demo-noop'], env(dataDir));
      assert.equal(r.code, 0, r.err);
      await d.waitForLine(new RegExp(`job completed demo-noop ${r.out.trim().slice(0, 8)}`), 60_000);
    } finally {
      await tmux?.kill();
    }
    d.kill('SIGTERM');
    assert.deepEqual(await d.exited, { code: 0, signal: null });
    assert.equal(await serverPid(dataDir), null);
  });
});

