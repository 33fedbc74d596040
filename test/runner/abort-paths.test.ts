// A task that ignores its AbortSignal, on the abort paths the README promises to handle: graceful
// shutdown (its job goes back to the queue without using an attempt, and its late result is discarded)
// and cancel (the job stays cancelled whatever the handler returns). Every other fixture task honours
// its signal, which is how a "completed after shutdown" bug once shipped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, bossJob, gate, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;

/** Per key: lets the handler return, and what it saw. */
const holds = new Map<string, ReturnType<typeof gate>>();
const runs: { key: string; attempt: number; signal: AbortSignal; abortedWhenReturning: boolean }[] = [];

/** Waits for the test to let it go and never looks at ctx.signal. */
const stubborn = defineTask({
  name: 'stubborn',
  description: 'ignores its signal: returns only when the test lets it',
  schema: z.object({ key: z.string() }),
  concurrency: 2,
  retry: { retries: 2, delaySeconds: 0, backoff: false },
  async handler({ key }, ctx) {
    const run = { key, attempt: ctx.job.attempt, signal: ctx.signal, abortedWhenReturning: false };
    runs.push(run);
    await holds.get(key)!.promise;
    run.abortedWhenReturning = ctx.signal.aborted;
    return { key, attempt: ctx.job.attempt };
  },
});

/** The same, with a short deadline and one retry. */
const EXPIRE_SECONDS = 2;
const stubbornExpiring = defineTask({ ...stubborn, name: 'stubborn-expiring', expireSeconds: EXPIRE_SECONDS, retry: { retries: 1, delaySeconds: 0, backoff: false } });

function hold(key: string): ReturnType<typeof gate> {
  const g = gate();
  holds.set(key, g);
  return g;
}

const runsOf = (key: string) => runs.filter((r) => r.key === key);

before(async () => {
  db = await createTestDatabase('runner_abort_paths');
  runners = new RunnerPool(db);
});

after(async () => {
  for (const g of holds.values()) g.open();
  await runners.stopAll();
  await db.drop();
});

test('shutdown: a job whose task ignores its signal is put back in the queue when the timeout passes, without using an attempt; its late result is discarded', async () => {
  const shutdownTimeoutMs = 500;
  const worker = await runners.start([stubborn], { shutdownTimeoutMs });
  const client = await runners.start([stubborn], { work: false });
  const first = hold('shutdown-late');
  const id = await client.enqueue('stubborn', { key: 'shutdown-late' });
  await waitForState(db, id, 'active');
  await waitFor('the handler to be running', () => runsOf('shutdown-late').length === 1);

  // The runner's graceful stop: the timeout passes, the signal is aborted and ignored, the grace ends.
  await worker.stop();
  const back = await bossJob(db, id);
  assert.equal(back?.state, 'created', 'back in the queue once the runner has stopped');
  assert.equal(back?.retry_count, 0, 'the attempt is not counted');

  // The handler returns only now, long after its signal fired: nothing it returns may settle the job.
  first.open();
  await waitFor('the late handler to return', () => runsOf('shutdown-late')[0].abortedWhenReturning);
  const afterLate = await bossJob(db, id);
  assert.equal(afterLate?.state, 'created', 'the late result did not complete the job');
  assert.equal(afterLate?.output ?? null, null);

  // The next runner runs it as the same attempt, and that run is the one that completes it.
  hold('shutdown-late').open();
  const next = await runners.start([stubborn]);
  const done = await waitForState(db, id, 'completed');
  assert.equal(done.retry_count, 0, 'still the first attempt');
  assert.deepEqual(runsOf('shutdown-late').map((r) => r.attempt), [1, 1], 'ran twice, both as attempt 1');
  assert.equal(runsOf('shutdown-late')[1].abortedWhenReturning, false);
  await next.stop();
  await client.stop();
});

test('cancel: a running job whose task ignores its signal stays cancelled whatever the handler returns', async () => {
  const worker = await runners.start([stubborn]);
  const client = await runners.start([stubborn], { work: false });
  const g = hold('cancel-late');
  const id = await client.enqueue('stubborn', { key: 'cancel-late' });
  await waitForState(db, id, 'active');
  await waitFor('the handler to be running', () => runsOf('cancel-late').length === 1);
  assert.equal(await client.cancelJob(id), 1);
  assert.equal((await bossJob(db, id))?.state, 'cancelled');
  // the cancel reaches the running runner as an event, and its signal fires (and is ignored)
  await waitFor('the cancel to abort the signal', () => runsOf('cancel-late')[0].signal.aborted);
  g.open();
  await waitFor('the late handler to return', () => runsOf('cancel-late')[0].abortedWhenReturning);
  // its attempt is settled as cancelled, not completed, once the late return is handled
  await waitFor('the attempt to be settled', async () => {
    const { rows } = await db.query(`SELECT outcome FROM ifqueue.job_attempt WHERE job_id = $1`, [id]);
    return rows[0]?.outcome !== 'running';
  });
  const { rows } = await db.query(`SELECT outcome FROM ifqueue.job_attempt WHERE job_id = $1`, [id]);
  assert.deepEqual(rows.map((r) => r.outcome), ['cancelled'], 'recorded as cancelled');
  assert.equal((await bossJob(db, id))?.state, 'cancelled', 'still cancelled');
  assert.equal(runsOf('cancel-late').length, 1, 'not run again');
  await worker.stop();
  await client.stop();
});

test('shutdown: a task that ignores its signal and returns during the grace is returned to the queue, never completed', async () => {
  const worker = await runners.start([stubborn], { shutdownTimeoutMs: 500 });
  const client = await runners.start([stubborn], { work: false });
  const g = hold('shutdown-grace');
  const id = await client.enqueue('stubborn', { key: 'shutdown-grace' });
  await waitForState(db, id, 'active');
  await waitFor('the handler to be running', () => runsOf('shutdown-grace').length === 1);
  const stopped = worker.stop();
  // the timeout passes and the signal fires; the handler returns a moment later, inside the grace
  await waitFor('the shutdown to abort the signal', () => runsOf('shutdown-grace')[0].signal.aborted);
  g.open();
  await stopped;
  const job = await bossJob(db, id);
  assert.equal(job?.state, 'created', 'a result after the abort is not a success: the job is back in the queue');
  assert.equal(job?.retry_count, 0, 'the attempt is not counted');
  const log = await client.getLog(id);
  assert.ok(log.some((l) => /job returned to the queue \(this attempt is not counted\)/.test(l.text)), 'its log says so');
  await client.stop();
});

test('expiry: a task that ignores its signal and returns after its deadline has its attempt recorded as expired (counted), never completed', async () => {
  await runners.start([stubbornExpiring]);
  const client = await runners.start([stubbornExpiring], { work: false });
  const g = hold('expiry-late');
  const id = await client.enqueue('stubborn-expiring', { key: 'expiry-late' });
  await waitFor('the handler to be running', () => runsOf('expiry-late').length === 1);
  await waitFor('the deadline to abort the signal', () => runsOf('expiry-late')[0].signal.aborted, { timeoutMs: EXPIRE_SECONDS * 1000 + 15_000 });
  g.open(); // returns after its deadline; the retry (attempt 2) returns at once too
  const done = await waitForState(db, id, 'completed', { timeoutMs: 60_000 });
  const { rows } = await db.query(`SELECT attempt, outcome FROM ifqueue.job_attempt WHERE job_id = $1 ORDER BY attempt`, [id]);
  assert.deepEqual(rows.map((r) => [r.attempt, r.outcome]), [[1, 'expired'], [2, 'completed']], 'the late return of attempt 1 did not complete the job');
  assert.equal(done.retry_count, 1, 'the expired attempt counted');
  await client.stop();
});
