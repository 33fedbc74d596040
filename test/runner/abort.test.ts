// A result after an abort is never a success (#11): for every way a running job's signal is aborted
// (shutdown, expiry, cancel, this runner declared lost), a handler that ignores its signal and
// returns normally is not reported as completed, and the job ends where that abort says it should.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import type { TaskDefinition } from '../../src/runner/types.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, bossJob, gate, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;

/** Runs until released, never looking at its signal, then returns a "success". */
const released = new Map<string, () => void>();
const stubborn = defineTask({
  name: 'stubborn',
  description: 'ignores its abort signal and returns a result once released',
  schema: z.object({ key: z.string() }),
  retry: { retries: 2, delaySeconds: 0, backoff: false },
  async handler({ key }, ctx) {
    ctx.log.info(`stubborn ${key} started`);
    const g = gate();
    released.set(`${key}#${ctx.job.attempt}`, g.open);
    await g.promise;
    ctx.log.info(`stubborn ${key} returns anyway`);
    return { claimed: 'success' };
  },
});
const stubbornShort = defineTask({ ...stubborn, name: 'stubborn-expiring', expireSeconds: 1 });
const tasks: TaskDefinition[] = [stubborn, stubbornShort];

before(async () => {
  db = await createTestDatabase('runner_abort');
  runners = new RunnerPool(db);
});

after(async () => {
  for (const open of released.values()) open();
  await runners.stopAll();
  await db.drop();
});

const attempts = async (id: string) =>
  (await db.query(`SELECT attempt, outcome, error FROM ifqueue.job_attempt WHERE job_id = $1 ORDER BY attempt`, [id])).rows;

async function startedOn(id: string) {
  await waitFor(`job ${id} to run`, async () => (await attempts(id))[0]?.outcome === 'running');
}

test('shutdown: a handler that ignores its signal is given back without using an attempt; its late result is discarded', async () => {
  const worker = await runners.start(tasks, { queues: ['stubborn'] });
  const client = await runners.start(tasks, { work: false });
  const id = await client.enqueue('stubborn', { key: 'shutdown' });
  await startedOn(id);
  const t0 = Date.now();
  await worker.stop({ timeoutMs: 100 });
  assert.ok(Date.now() - t0 < 100 + 5000 + 4000, 'stop() does not wait for the handler beyond its grace');
  let row = (await bossJob(db, id))!;
  assert.equal(row.state, 'created', 'back in the queue');
  assert.equal(row.retry_count, 0, 'the attempt is not counted');
  assert.deepEqual((await attempts(id)).map((a) => a.outcome), ['returned']);
  released.get('shutdown#1')!();
  // the late "success" changes nothing: the handler has returned, and the job is still back in the queue
  await waitFor('the stubborn handler to return', () => worker.runningCount() === 0);
  row = (await bossJob(db, id))!;
  assert.equal(row.state, 'created');
  assert.equal(row.output, null);
  assert.deepEqual((await attempts(id)).map((a) => a.outcome), ['returned']);
  await client.cancelJob(id);
});

test('expiry: the attempt is recorded as expired and counted; the late result is discarded', async () => {
  const worker = await runners.start(tasks, { queues: ['stubborn-expiring'] });
  const id = await worker.enqueue('stubborn-expiring', { key: 'expiry' });
  await startedOn(id);
  // expires after 1 s; the grace for a handler that ignores its signal then settles it without it
  const row = await waitForState(db, id, 'retry', { timeoutMs: 1000 + 5000 + 10_000 });
  assert.equal(row.retry_count, 0);
  assert.match(row.output.message, /expired after 1s/);
  const [first] = await attempts(id);
  assert.equal(first.outcome, 'expired');
  released.get('expiry#1')!();
  await waitFor('the late result to be logged as discarded', async () =>
    (await worker.getLog(id, { attempt: 1 })).some((l) => /returned after its deadline: its result is discarded/.test(l.text)),
  );
  assert.equal((await attempts(id))[0].outcome, 'expired', 'the late return did not turn the attempt into a success');
  assert.notEqual((await bossJob(db, id))!.state, 'completed');
  await worker.cancelJob(id);
  for (const open of released.values()) open();
  await worker.stop({ timeoutMs: 500 });
});

test('cancel: the job stays cancelled whatever the handler returns', async () => {
  const worker = await runners.start(tasks, { queues: ['stubborn'] });
  const id = await worker.enqueue('stubborn', { key: 'cancel' });
  await startedOn(id);
  assert.equal(await worker.cancelJob(id), 1);
  released.get('cancel#1')!();
  await waitFor('the attempt to be recorded as cancelled', async () => (await attempts(id))[0].outcome === 'cancelled', { timeoutMs: 10_000 });
  const row = (await bossJob(db, id))!;
  assert.equal(row.state, 'cancelled');
  assert.equal(row.output, null, 'no result was stored');
  await worker.stop({ timeoutMs: 500 });
});

test('a runner declared lost (it stopped heart-beating) comes back: its handler is aborted, its late result discarded, the job runs again once', async () => {
  // The doomed runner beats every 3 s; the rescuer calls a runner silent for 1 s lost, as it would a frozen one.
  const doomed = await runners.start(tasks, { queues: ['stubborn'], heartbeatSeconds: 3, lostAfterSeconds: 9 });
  const id = await doomed.enqueue('stubborn', { key: 'lost' });
  await startedOn(id);
  const rescuer = await runners.start(tasks, { queues: ['stubborn'], heartbeatSeconds: 0.5, lostAfterSeconds: 1 });
  await waitFor('attempt 1 to be declared lost', async () => (await attempts(id))[0]?.outcome === 'lost', { timeoutMs: 20_000 });
  assert.match((await attempts(id))[0].error, /was lost while running this job \(it stopped heart-beating\)/);
  // at its next heartbeat the doomed runner finds out, aborts the handler and registers again
  await waitFor('the doomed runner to note it was declared lost', async () =>
    (await doomed.getLog(id, { attempt: 1 })).length > 0 && runners.errors.some((e) => /this runner was declared lost/.test(e)),
  { timeoutMs: 10_000 });
  released.get('lost#1')!();
  await waitFor('the first attempt to note its discarded result', async () =>
    (await doomed.getLog(id, { attempt: 1 })).some((l) => /after this runner was declared lost: its result is discarded/.test(l.text)),
  );
  assert.equal((await attempts(id))[0].outcome, 'lost', 'the late success did not overwrite the lost attempt');
  assert.notEqual((await bossJob(db, id))!.state, 'completed', 'the lost runner did not complete the job');
  // attempt 2, on whichever runner claimed it, is the one that completes the job
  await waitFor('attempt 2 to run', () => released.get('lost#2'), { timeoutMs: 20_000 });
  released.get('lost#2')!();
  await waitForState(db, id, 'completed');
  assert.deepEqual((await attempts(id)).map((a) => a.outcome), ['lost', 'completed']);
  await waitFor('the doomed runner to be alive again', async () => (await rescuer.snapshot()).runners.find((r) => r.id === doomed.id)?.alive);
  await rescuer.stop({ timeoutMs: 500 });
  await doomed.stop({ timeoutMs: 500 });
});

test('a runner declared lost that has not found out yet: its late result is fenced off by its claim, the job completes only by its new attempt', async () => {
  // The doomed runner beats every 10 minutes: it cannot learn it was declared lost (nor abort its
  // handler) before the test ends, so only the settlement's claim token can keep its result out.
  const doomed = await runners.start(tasks, { queues: ['stubborn'], heartbeatSeconds: 600, lostAfterSeconds: 1800 });
  const id = await doomed.enqueue('stubborn', { key: 'fenced' });
  await startedOn(id);
  const rescuer = await runners.start(tasks, { queues: ['stubborn'], heartbeatSeconds: 0.5, lostAfterSeconds: 1 });
  await waitFor('attempt 2 to run on the rescuer', () => released.get('fenced#2'), { timeoutMs: 20_000 });
  assert.deepEqual((await attempts(id)).map((a) => a.outcome), ['lost', 'running']);
  // attempt 1's handler returns a success to the doomed runner, which still believes it owns the job
  released.get('fenced#1')!();
  await waitFor('the doomed runner to settle what its handler returned', () => doomed.runningCount() === 0);
  let row = (await bossJob(db, id))!;
  assert.equal(row.state, 'active', 'the late result did not complete the job attempt 2 is running');
  assert.equal(row.output?.claimed, undefined, 'its result was not stored');
  assert.deepEqual((await attempts(id)).map((a) => a.outcome), ['lost', 'running'], 'neither attempt was settled by it');
  released.get('fenced#2')!();
  row = await waitForState(db, id, 'completed');
  assert.equal(row.retry_count, 1);
  assert.deepEqual((await attempts(id)).map((a) => a.outcome), ['lost', 'completed']);
  await rescuer.stop({ timeoutMs: 500 });
  await doomed.stop({ timeoutMs: 500 });
});

test('an error that PostgreSQL cannot store as written (NUL, a lone surrogate) still fails the job', async () => {
  const nul = defineTask({
    name: 'nul-error',
    description: 'throws an error whose message and stack hold NUL and a lone surrogate',
    schema: z.object({}),
    retry: { retries: 0, delaySeconds: 0, backoff: false },
    async handler() {
      const error = new Error('bad \u0000 byte and \ud800 half');
      error.stack = `Error: bad \u0000 byte\n    at \ud800 (x.ts:1:1)`;
      throw error;
    },
  });
  const cyclic = defineTask({
    name: 'cyclic-result',
    description: 'returns a result JSON cannot hold',
    schema: z.object({}),
    retry: { retries: 3, delaySeconds: 0, backoff: false },
    async handler() {
      const result: Record<string, unknown> = {};
      result.self = result;
      return result;
    },
  });
  const worker = await runners.start([nul, cyclic]);
  const a = await worker.enqueue('nul-error', {});
  const b = await worker.enqueue('cyclic-result', {});
  const failed = await waitForState(db, a, 'failed');
  assert.equal(failed.output.message, 'bad \u2400 byte and \ufffd half');
  const detail = (await worker.getJob(a))!;
  assert.equal(detail.attempts[0].outcome, 'failed');
  assert.match(detail.attempts[0].errorStack!, /bad \u2400 byte/);
  const cyc = await waitForState(db, b, 'failed');
  assert.match(cyc.output.message, /result cannot be stored as JSON/);
  assert.equal(cyc.retry_count, 0, 'a result that cannot be stored is not retried');
  await worker.stop({ timeoutMs: 500 });
});

test('a cancel whose event the runner never heard is found by its look at its own attempts', async () => {
  const heard = defineTask({
    name: 'listens',
    description: 'runs until its signal fires',
    schema: z.object({}),
    async handler(_args, ctx) {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      throw ctx.signal.reason;
    },
  });
  const worker = await runners.start([heard], { housekeepingSeconds: 1 });
  const id = await worker.enqueue('listens', {});
  await startedOn(id);
  // cancelled behind the runner's back: no job:cancelled event (as when it came before the claim's reply)
  await db.query(`UPDATE pgboss.job SET state = 'cancelled', completed_on = now() WHERE id = $1`, [id]);
  await waitFor('the handler to be stopped and the attempt recorded as cancelled', async () => (await attempts(id))[0].outcome === 'cancelled', { timeoutMs: 15_000 });
  assert.equal((await bossJob(db, id))!.state, 'cancelled');
  await worker.stop({ timeoutMs: 500 });
});
