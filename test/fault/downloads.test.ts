// Fault scenarios 5 and 9, through clone-file in a runner process against a loopback origin: the disk
// fills up while a file downloads, and a remote server never answers or trickles a byte a second.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { loadTasksConfig } from '../../src/tasks/config.ts';
import { uploadTasks } from '../../src/tasks/uploads/index.ts';
import { loadIfdbSchema, type TestDatabase } from '../helpers/db.ts';
import { insertUrl } from '../tasks/uploads/fixtures.ts';
import { Children } from './harness/children.ts';
import { clusterDatabase, startCluster, type FaultDatabase, type PgCluster } from './harness/cluster.ts';
import { RUNNER_TIMING, clientRunner, seconds, waitFor } from './harness/common.ts';
import { installLedger, report } from './harness/ledger.ts';
import { startOrigin, type Origin } from './harness/origin.ts';

const run = promisify(execFile);
let cluster: PgCluster;
let db: FaultDatabase;
let pool: pg.Pool;
let origin: Origin;
let work: string;
let disk: string | null = null;
const children = new Children();
const clients: { close(): Promise<void> }[] = [];

before(async () => {
  cluster = await startCluster();
  db = await clusterDatabase(cluster, 'downloads');
  await loadIfdbSchema(db as unknown as TestDatabase);
  await installLedger(db.query);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  origin = await startOrigin();
  work = await mkdtemp(path.join(tmpdir(), 'ifq-fault-dl-'));
});

after(async () => {
  await children.stopAll();
  for (const c of clients) await c.close();
  if (disk) await run('umount', [disk]).catch(() => {});
  if (disk) await rmdir(disk).catch(() => {});
  await origin?.close();
  await pool?.end().catch(() => {});
  await db?.close();
  await cluster?.destroy();
  await rm(work, { recursive: true, force: true });
});

/** A runner process with the upload tasks, and a client that can enqueue them, both on this env. */
async function uploadRunner(name: string, env: Record<string, string>) {
  const full = { IFQUEUE_ALLOW_HOSTS: '127.0.0.1', IFQUEUE_TMP_DIR: path.join(work, `${name}-tmp`), ...env };
  const runner = await children.startRunner(name, db.url, { ...RUNNER_TIMING, uploads: true, queues: ['clone-file'] }, full);
  const config = loadTasksConfig(full);
  const client = await clientRunner(db.url, uploadTasks({ pool, config }));
  clients.push(client);
  return { runner, client: client.runner };
}

async function firstAttempt(jobId: string) {
  return waitFor('the first attempt to end', async () => {
    const { rows } = await db.query(`SELECT outcome, error, started_at, finished_at FROM ifqueue.job_attempt WHERE job_id = $1 AND attempt = 1`, [jobId]);
    return rows[0] && rows[0].outcome !== 'running' ? rows[0] : null;
  }, 60_000, 50);
}

/** slack on a deadline for a busy machine; the first-attempt wait outlasts deadline + slack */
const DEADLINE_MARGIN_MS = 30_000;

const urlRow = async (id: number) => (await db.query(`SELECT row_to_json(u) AS row FROM games_url u WHERE id = $1`, [id])).rows[0].row;

describe('downloads under faults', () => {
  // a scenario that failed half-way must not leave its processes to the next one
  afterEach(() => children.stopAll());

  test('the disk fills up while a file downloads: the job fails clearly, no partial file is left, the database is unchanged', async (t) => {
    disk = await mkdtemp('/tmp/ifq-fault-disk-');
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', disk]);
    const { runner, client } = await uploadRunner('disk', { IFQUEUE_FILES_DIR: disk });
    // 4 MiB at 1 MiB/s into a 1 MiB file system: it fills up about a second into the download.
    const urlId = await insertUrl(pool, { originalUrl: origin.url('/big-game.zip', { size: 4 * 1024 * 1024, rate: 1024 * 1024 }) });
    const before = await urlRow(urlId);
    const jobId = await client.enqueue('clone-file', { urlId });
    const attempt = await firstAttempt(jobId);
    const job = (await db.query(`SELECT state FROM pgboss.job WHERE id = $1`, [jobId])).rows[0];
    const left = (await readdir(disk, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory());
    const { stdout: df } = await run('df', ['--output=used', '-B1', disk]);

    assert.equal(attempt.outcome, 'failed');
    assert.match(attempt.error, /ENOSPC|no space/i, 'the error names the full disk');
    assert.doesNotMatch(attempt.error, /\n/, 'in one line');
    assert.deepEqual(left.map((e) => e.name), [], 'no partial or temporary file is left');
    assert.deepEqual(await urlRow(urlId), before, 'games_url is unchanged');
    assert.ok(['retry', 'failed'].includes(job.state), `the job is settled (${job.state})`);
    assert.ok(origin.bytesSent() > 1024 * 1024, 'the download was under way when the disk filled');
    await client.cancelJob(jobId);
    runner.kill('SIGTERM');
    await runner.exited;
    report(t, [
      `disk full: attempt failed after ${seconds(attempt.finished_at - attempt.started_at)} with "${attempt.error}"; job ${job.state}; files left 0; tmpfs used ${df.trim().split('\n')[1].trim()} bytes`,
    ]);
  });

  test('a server that never answers, or trickles a byte a second: the request deadline fails the attempt long before the job expires', async (t) => {
    const requestTimeoutMs = 3000;
    const { runner, client } = await uploadRunner('deadline', {
      IFQUEUE_FILES_DIR: path.join(work, 'files'),
      IFQUEUE_REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
      // the idle timeout is far away, so only the request deadline can end these requests
      IFQUEUE_IDLE_TIMEOUT_MS: '120000',
    });
    const expireSeconds = client.tasks().find((x) => x.name === 'clone-file')!.expireSeconds;
    assert.ok(requestTimeoutMs + DEADLINE_MARGIN_MS < expireSeconds * 1000, 'the bound ends long before the expiry');
    const cases = [
      { label: 'never answers', url: origin.url('/silent.zip', { stall: 'headers' }) },
      { label: 'trickles 1 byte/s', url: origin.url('/slow.zip', { size: 1_000_000, rate: 1 }) },
    ];
    const lines: string[] = [];
    for (const c of cases) {
      const urlId = await insertUrl(pool, { originalUrl: c.url });
      const before = await urlRow(urlId);
      const jobId = await client.enqueue('clone-file', { urlId });
      const attempt = await firstAttempt(jobId);
      const tookMs = attempt.finished_at - attempt.started_at;
      assert.equal(attempt.outcome, 'failed', `${c.label}: failed by the deadline, not expired`);
      assert.match(attempt.error, new RegExp(`no complete response within ${requestTimeoutMs} ms`), c.label);
      // Ended by the request deadline: not before it, and within it plus a margin for a busy machine
      // (a bound that ends long before the expiry, so an expiry cannot pass for the deadline).
      assert.ok(tookMs >= requestTimeoutMs, `${c.label}: ran until the deadline (${tookMs} ms)`);
      assert.ok(tookMs < requestTimeoutMs + DEADLINE_MARGIN_MS, `${c.label}: ended within ${requestTimeoutMs} ms + ${DEADLINE_MARGIN_MS} ms (${tookMs} ms)`);
      assert.deepEqual(await urlRow(urlId), before, `${c.label}: games_url is unchanged`);
      await client.cancelJob(jobId);
      lines.push(`${c.label}: attempt failed after ${seconds(tookMs)} (request deadline ${requestTimeoutMs} ms, job expiry ${expireSeconds} s): "${attempt.error}"`);
    }
    await waitFor('the origin to see every connection closed', () => origin.openSockets() === 0, 10_000);
    const stored = (await readdir(path.join(work, 'files'), { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => !e.isDirectory());
    assert.deepEqual(stored.map((e) => e.name), [], 'no partial file is left');
    runner.kill('SIGTERM');
    await runner.exited;
    report(t, lines);
  });
});
