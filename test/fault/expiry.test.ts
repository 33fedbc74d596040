// Fault scenario 2: a job runs past its expiry. A task that honours its AbortSignal stops at once,
// and the child process it started (and that child's own child) are killed with it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Children, pidAlive } from './harness/children.ts';
import { clusterDatabase, startCluster, type FaultDatabase, type PgCluster } from './harness/cluster.ts';
import { RUNNER_TIMING, clientRunner, seconds, waitFor } from './harness/common.ts';
import { installLedger, report } from './harness/ledger.ts';

let cluster: PgCluster;
let db: FaultDatabase;
let client: Awaited<ReturnType<typeof clientRunner>>;
let dir: string;
const children = new Children();
const EXPIRE_SECONDS = 2;

before(async () => {
  cluster = await startCluster();
  db = await clusterDatabase(cluster, 'expiry');
  await installLedger(db.query);
  client = await clientRunner(db.url);
  dir = await mkdtemp(path.join(tmpdir(), 'ifq-fault-expiry-'));
});

after(async () => {
  await children.stopAll();
  await client?.close();
  await db?.close();
  await cluster?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('expiry', () => {
  test('a job past its expiry stops with its child process tree, and the attempt is recorded as expired', async (t) => {
    await children.startRunner('R', db.url, { ...RUNNER_TIMING, ledger: { execExpireSeconds: EXPIRE_SECONDS } });
    const pidFile = path.join(dir, 'exec.pids');
    // The child would sleep for two minutes: only the expiry can end it within the wait below.
    const id = await client.runner.enqueue('ledger-exec', { key: 'expiry', sleepSeconds: 120, pidFile }, { name: 'expiry' });
    const pids = await waitFor('the child to write its pids', async () => {
      const text = await readFile(pidFile, 'utf8').catch(() => '');
      const found = text.trim().split(/\s+/).map(Number).filter(Boolean);
      return found.length === 2 ? found : null;
    }, 30_000, 20);
    const { rows: started } = await db.query(`SELECT started_at FROM ifqueue.job_attempt WHERE job_id = $1 AND attempt = 1`, [id]);
    const expiresAt = started[0].started_at.getTime() + EXPIRE_SECONDS * 1000;

    let stoppedAt = 0;
    await waitFor('the child and its grandchild to be gone', async () => {
      const alive = await Promise.all(pids.map(pidAlive));
      if (alive.some(Boolean)) return false;
      stoppedAt = Date.now();
      return true;
    }, 30_000, 20);
    const attempt = await waitFor('the attempt to be settled', async () => {
      const { rows } = await db.query(`SELECT outcome, error, finished_at FROM ifqueue.job_attempt WHERE job_id = $1 AND attempt = 1`, [id]);
      return rows[0]?.outcome !== 'running' ? rows[0] : null;
    });
    const job = (await db.query(`SELECT state FROM pgboss.job WHERE id = $1`, [id])).rows[0];
    const effects = Number((await db.query(`SELECT count(*) AS n FROM fault.effect WHERE key = 'expiry'`)).rows[0].n);
    assert.equal(attempt.outcome, 'expired');
    assert.match(attempt.error, /expired after 2s/);
    assert.equal(job.state, 'failed', 'no retries configured: the expiry is final');
    assert.equal(effects, 0, 'the task did not go on to its effect');

    const log = await client.runner.getLog(id);
    assert.ok(log.some((l) => /expired after 2s/.test(l.text)), 'the log says why it stopped');
    report(t, [
      `expiry ${EXPIRE_SECONDS} s: child tree gone ${seconds(stoppedAt - expiresAt)} after the deadline; attempt settled ${seconds(attempt.finished_at.getTime() - expiresAt)} after it`,
    ]);
  });
});
