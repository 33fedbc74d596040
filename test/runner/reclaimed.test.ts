// A job given up while its handler still runs (it ignored its signal) can be claimed again by the same
// runner when it has a free slot. The new attempt must stay tracked when the old handler finally
// returns: otherwise shutdown, cancel and expiry no longer reach it, and it is left active with
// nobody owning it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, bossJob, gate, waitFor } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
const gates = new Map<number, () => void>();

const twoSlots = defineTask({
  name: 'reclaimed',
  description: 'attempt 1 ignores its signal; later attempts honour it',
  schema: z.object({}),
  concurrency: 2,
  retry: { retries: 3, delaySeconds: 0, backoff: false },
  async handler(_args, ctx) {
    const g = gate();
    gates.set(ctx.job.attempt, g.open);
    if (ctx.job.attempt > 1) ctx.signal.addEventListener('abort', g.open, { once: true });
    await g.promise;
    return { attempt: ctx.job.attempt };
  },
});

before(async () => {
  db = await createTestDatabase('runner_reclaimed');
  runners = new RunnerPool(db);
});

after(async () => {
  for (const open of gates.values()) open();
  await runners.stopAll();
  await db.drop();
});

const attempts = async (id: string) => (await db.query(`SELECT attempt, outcome FROM ifqueue.job_attempt WHERE job_id = $1 ORDER BY attempt`, [id])).rows;

test('the old handler of a job claimed again by the same runner returning does not untrack the new attempt', async () => {
  const worker = await runners.start([twoSlots]);
  const id = await worker.enqueue('reclaimed', {});
  await waitFor('attempt 1 to run', async () => (await attempts(id))[0]?.outcome === 'running');
  // cancelled: attempt 1 is settled after the abort grace, its handler still running
  assert.equal(await worker.cancelJob(id), 1);
  await waitFor('attempt 1 to be settled as cancelled', async () => (await attempts(id))[0]?.outcome === 'cancelled', { timeoutMs: 15_000 });
  // retried: the runner's second slot claims it again while attempt 1's handler holds the first
  assert.equal(await worker.retryJob(id), 1);
  await waitFor('attempt 2 to run', async () => (await attempts(id))[1]?.outcome === 'running');
  assert.equal(worker.runningCount(), 2, "attempt 1's handler (given up, still running) and attempt 2");
  gates.get(1)!();
  await waitFor('attempt 1 to note its discarded result', async () =>
    (await worker.getLog(id, { attempt: 1 })).some((l) => /returned after the job was cancelled: its result is discarded/.test(l.text)),
  );
  await waitFor("attempt 1's handler to be done", () => worker.runningCount() === 1);
  // shutdown reaches attempt 2 (it honours its signal) and gives the job back
  await worker.stop({ timeoutMs: 100 });
  assert.deepEqual((await attempts(id)).map((a) => a.outcome), ['cancelled', 'returned']);
  assert.equal((await bossJob(db, id))!.state, 'created');
});
