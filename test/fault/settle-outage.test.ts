// PostgreSQL goes away exactly while jobs settle (README, "If PostgreSQL restarts or the connection
// drops"): a completion or failure that cannot be recorded is retried until the attempt's deadline, so
// the job is settled soon after the server is back — not left active until it expires — and it does not
// run again because of the outage. A failure is then retried like any other.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { Runner } from '../../src/runner/runner.ts';
import { defineTask } from '../../src/runner/task.ts';
import { clusterDatabase, startCluster, type FaultDatabase, type PgCluster } from './harness/cluster.ts';
import { RUNNER_TIMING, seconds, sleep, waitFor } from './harness/common.ts';
import { report } from './harness/ledger.ts';

/** The task's deadline: the settlement must land long before it. */
const EXPIRE_SECONDS = 120;
/** How long the server stays down once the jobs have finished their work. */
const OUTAGE_MS = 4000;
/** The longest wait between two settlement retries (settleWithRetry's backoff cap). */
const RETRY_CAP_MS = 5000;
/** Slack for a busy machine (the server's start-up and the pools' reconnection included). */
const MARGIN_MS = 30_000;

let cluster: PgCluster;
let db: FaultDatabase;
let runner: Runner;
const errors: string[] = [];
const released = new Map<string, () => void>();
const runs: { key: string; attempt: number; at: number }[] = [];

const settling = defineTask({
  name: 'settling',
  description: 'does its work when the test says, then completes or fails (fails on its first attempt when asked)',
  schema: z.object({ key: z.string(), failFirst: z.boolean().default(false) }),
  concurrency: 4,
  expireSeconds: EXPIRE_SECONDS,
  retry: { retries: 2, delaySeconds: 0, backoff: false },
  async handler({ key, failFirst }, ctx) {
    runs.push({ key, attempt: ctx.job.attempt, at: Date.now() });
    if (ctx.job.attempt === 1) await new Promise<void>((resolve) => released.set(key, resolve));
    if (failFirst && ctx.job.attempt === 1) throw new Error(`first attempt of ${key} failed on purpose`);
    return { key };
  },
});

before(async () => {
  cluster = await startCluster();
  db = await clusterDatabase(cluster, 'settle_outage');
  runner = new Runner({ databaseUrl: db.url, tasks: [settling], kind: 'test', ...RUNNER_TIMING, poolSize: 4, onError: (where, message) => errors.push(`${where}: ${message}`) });
  await runner.start();
});

after(async () => {
  for (const release of released.values()) release();
  await runner?.stop({ timeoutMs: 1000 }).catch(() => {});
  await db?.close();
  await cluster?.destroy();
});

const attempts = async (id: string) => (await db.query(`SELECT attempt, outcome, error FROM ifqueue.job_attempt WHERE job_id = $1 ORDER BY attempt`, [id])).rows;
const state = async (id: string) => (await db.query(`SELECT state, retry_count FROM pgboss.job WHERE id = $1`, [id])).rows[0];

test('a completion and a failure that happen while PostgreSQL is down are recorded once it is back, long before the deadline; nothing runs again because of the outage', async (t) => {
  const bound = RETRY_CAP_MS + MARGIN_MS;
  assert.ok(OUTAGE_MS + bound < EXPIRE_SECONDS * 1000, 'the bound ends long before the deadline, so an expiry cannot pass for a settlement');
  const done = await runner.enqueue('settling', { key: 'completes' });
  const failed = await runner.enqueue('settling', { key: 'fails', failFirst: true });
  await waitFor('both jobs to be working', () => released.has('completes') && released.has('fails'), 60_000);

  await cluster.stop('fast');
  // the work ends while the server is away: both settlements fail and must be retried
  released.get('completes')!();
  released.get('fails')!();
  await sleep(OUTAGE_MS);
  await cluster.start();
  const backAt = Date.now();

  await waitFor('the completion to be recorded', async () => (await state(done).catch(() => null))?.state === 'completed', bound);
  const completedAfterMs = Date.now() - backAt;
  await waitFor('the failed job to be retried and completed', async () => (await state(failed).catch(() => null))?.state === 'completed', bound);
  const retriedAfterMs = Date.now() - backAt;

  assert.deepEqual((await attempts(done)).map((a) => a.outcome), ['completed'], 'one attempt, completed');
  assert.deepEqual(runs.filter((r) => r.key === 'completes').map((r) => r.attempt), [1], 'the completed job did not run again');
  const failedAttempts = await attempts(failed);
  assert.deepEqual(failedAttempts.map((a) => a.outcome), ['failed', 'completed'], 'the failure was recorded as such (not expired), then retried');
  assert.match(failedAttempts[0].error, /first attempt of fails failed on purpose/);
  assert.equal((await state(failed)).retry_count, 1, 'the failure used one attempt, the outage none');
  assert.deepEqual(runs.filter((r) => r.key === 'fails').map((r) => r.attempt), [1, 2]);
  assert.ok(errors.some((e) => /retrying/.test(e)), 'the runner reported the settlement retries');
  report(t, [
    `server down ${seconds(OUTAGE_MS)} while two jobs settled; completion recorded ${seconds(completedAfterMs)} after it was back, the failure retried and completed after ${seconds(retriedAfterMs)} (bound ${seconds(bound)}, deadline ${EXPIRE_SECONDS} s)`,
  ]);
});
