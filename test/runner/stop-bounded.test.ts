// stop() is bounded even when returning a job cannot complete (its row is locked by another session,
// or the network path to PostgreSQL froze), and a runner that leaves an attempt unsettled is not
// recorded as cleanly stopped: its liveness lock goes with its session, so the lost-runner pass of
// any other runner restarts the job at once instead of it sitting active until pg-boss expires it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { z } from 'zod';
import { ABORT_GRACE_MS } from '../../src/runner/job-run.ts';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;

const polite = defineTask({
  name: 'polite',
  description: 'runs until its signal is aborted',
  schema: z.object({}),
  retry: { retries: 2, delaySeconds: 0, backoff: false },
  async handler(_args, ctx) {
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
  },
});

before(async () => {
  db = await createTestDatabase('runner_stop_bounded');
  runners = new RunnerPool(db);
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

const attempts = async (id: string) => (await db.query(`SELECT attempt, outcome FROM ifqueue.job_attempt WHERE job_id = $1 ORDER BY attempt`, [id])).rows;

test('stop() ends while the job it returns is locked by another session; the job is then recovered by another runner', async () => {
  const worker = await runners.start([polite]);
  const id = await worker.enqueue('polite', {});
  await waitFor('the job to run', async () => (await attempts(id))[0]?.outcome === 'running');
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM pgboss.job WHERE id = $1 FOR UPDATE`, [id]);
    const t0 = Date.now();
    const stopped = worker.stop({ timeoutMs: 100 }).then(() => Date.now() - t0);
    // shutdown timeout + abort grace + settle and teardown bounds (3 s each) + a wide margin for a busy machine
    const boundMs = 100 + ABORT_GRACE_MS + 3000 + 3000 + 3000 + 15_000;
    const took = await Promise.race([stopped, new Promise<string>((r) => setTimeout(() => r('not stopped'), boundMs).unref())]);
    assert.equal(typeof took, 'number', `stop() ended within ${boundMs} ms (${took})`);
    // the give-back never lands (its statement is cancelled): the job is still active, its attempt running
    await db.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`, [
      (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid,
    ]);
    await holder.query('ROLLBACK');
  } finally {
    await holder.end();
  }
  assert.deepEqual((await attempts(id)).map((a) => a.outcome), ['running']);
  // another runner finds the stopped one's session gone and restarts the job now
  const rescuer = await runners.start([polite]);
  await waitFor('the job to run again elsewhere', async () => (await attempts(id)).map((a) => a.outcome).join() === 'lost,running', { timeoutMs: 20_000 });
  await rescuer.cancelJob(id);
  await waitForState(db, id, 'cancelled');
  await rescuer.stop({ timeoutMs: 500 });
});
