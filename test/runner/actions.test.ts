// Actions on a job in every state: retry, cancel, delete, cleanup (preview = real deletion; failed
// jobs only on request) — each changes what it should and leaves the rest alone; pause/resume a queue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, gate, recordEvents, setQueuePaused, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let worker: Runner;
let client: Runner;
const gates = new Map<string, ReturnType<typeof gate>>();
const aborted: string[] = [];

const work = defineTask({ name: 'work', description: 'succeeds', schema: z.object({ tag: z.string().default('') }), concurrency: 4, async handler() {} });
const fail = defineTask({
  name: 'fail',
  description: 'fails',
  schema: z.object({ tag: z.string().default('') }),
  concurrency: 4,
  retry: { retries: 0, delaySeconds: 0, backoff: false },
  async handler() {
    throw new Error('failed on purpose');
  },
});
const retrying = defineTask({
  name: 'retrying',
  description: 'fails, retried an hour later',
  schema: z.object({}),
  retry: { retries: 3, delaySeconds: 3600, backoff: false },
  async handler() {
    throw new Error('will retry');
  },
});
const hold = defineTask({
  name: 'hold',
  description: 'waits for its gate (or its signal)',
  schema: z.object({ key: z.string() }),
  concurrency: 1,
  async handler({ key }, ctx) {
    await new Promise<void>((resolve) => {
      void gates.get(key)!.promise.then(resolve);
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    if (ctx.signal.aborted) {
      aborted.push(key);
      throw ctx.signal.reason;
    }
  },
});
const idle = defineTask({ name: 'idle', description: 'no runner takes it', schema: z.object({ tag: z.string().default('') }), async handler() {} });
const tasks = [work, fail, retrying, hold, idle];

before(async () => {
  db = await createTestDatabase('runner_actions');
  runners = new RunnerPool(db);
  worker = await runners.start(tasks, { queues: ['work', 'fail', 'retrying', 'hold'] });
  client = await runners.start(tasks, { work: false });
});

after(async () => {
  for (const g of gates.values()) g.open();
  await runners.stopAll();
  await db.drop();
});

async function states(): Promise<Map<string, string>> {
  const { rows } = await db.query(`SELECT id, state FROM pgboss.job`);
  return new Map(rows.map((r) => [r.id, r.state]));
}

/** Asserts that only the given jobs changed state (to the given states) since `before`. */
async function assertOnlyChanged(before: Map<string, string>, changes: Record<string, string | null>, message: string) {
  const after = await states();
  for (const [id, state] of before) {
    const expected = id in changes ? changes[id] : state;
    assert.equal(after.get(id) ?? null, expected, `${message}: job ${id} (${state})`);
  }
}

function holdJob(key: string) {
  gates.set(key, gate());
  return client.enqueue('hold', { key });
}

describe('actions on a job in every state', () => {
  const seeded: Record<string, string> = {};

  before(async () => {
    seeded.waiting = await client.enqueue('idle', { tag: 'waiting' });
    seeded.scheduled = await client.enqueue('idle', { tag: 'scheduled' }, { startAfter: 3600 });
    seeded.completed = await client.enqueue('work', { tag: 'completed' });
    seeded.failed = await client.enqueue('fail', { tag: 'failed' });
    seeded.retry = await client.enqueue('retrying', {});
    seeded.cancelled = await client.enqueue('idle', { tag: 'cancelled' });
    await client.cancelJob(seeded.cancelled);
    seeded.active = await holdJob('seeded-active');
    await waitForState(db, seeded.completed, 'completed');
    await waitForState(db, seeded.failed, 'failed');
    await waitForState(db, seeded.retry, 'retry');
    await waitForState(db, seeded.active, 'active');
    const now = await states();
    assert.deepEqual(
      Object.fromEntries(Object.entries(seeded).map(([k, id]) => [k, now.get(id)])),
      { waiting: 'created', scheduled: 'created', completed: 'completed', failed: 'failed', retry: 'retry', cancelled: 'cancelled', active: 'active' },
    );
  });

  test('retryJob retries only failed and cancelled jobs', async () => {
    const events = recordEvents(worker, ['job:retried']);
    for (const key of ['waiting', 'scheduled', 'completed', 'retry', 'active'] as const) {
      const before = await states();
      assert.equal(await client.retryJob(seeded[key]), 0, `${key} is not retried`);
      await assertOnlyChanged(before, {}, `retry of a ${key} job`);
    }
    const before = await states();
    assert.equal(await client.retryJob(seeded.cancelled), 1);
    await assertOnlyChanged(before, { [seeded.cancelled]: 'retry' }, 'retry of the cancelled job');
    await waitFor('the other runner to hear of it', () => events.seen.some((e) => e.payload.ids.includes(seeded.cancelled)));
    events.off();
    // the idle queue has no runner: put it back to cancelled for the next tests
    assert.equal(await client.cancelJob(seeded.cancelled), 1);
  });

  test('cancelJob cancels queued and running jobs only; a running job is aborted through its signal', async () => {
    for (const key of ['completed', 'failed', 'cancelled'] as const) {
      const before = await states();
      assert.equal(await client.cancelJob(seeded[key]), 0, `${key} is not cancelled`);
      await assertOnlyChanged(before, {}, `cancel of a ${key} job`);
    }
    const extra = await client.enqueue('idle', { tag: 'to-cancel' });
    let before = await states();
    assert.equal(await client.cancelJob(extra), 1);
    await assertOnlyChanged(before, { [extra]: 'cancelled' }, 'cancel of a waiting job');

    before = await states();
    const events = recordEvents(worker, ['job:cancelled']);
    assert.equal(await client.cancelJob(seeded.active), 1);
    await waitFor('the running handler to be aborted', () => aborted.includes('seeded-active'));
    await waitFor('the cancelled attempt to be recorded', async () => (await client.getJob(seeded.active))!.attempts[0].outcome === 'cancelled');
    await assertOnlyChanged(before, { [seeded.active]: 'cancelled' }, 'cancel of the running job');
    assert.ok(events.seen.some((e) => e.payload.ids.includes(seeded.active)));
    events.off();
    const replacement = await holdJob('seeded-active-2');
    await waitForState(db, replacement, 'active');
    seeded.active = replacement;
  });

  test('deleteJob deletes anything but a running job, with its attempts and log', async () => {
    let before = await states();
    assert.equal(await client.deleteJob(seeded.active), 0, 'a running job is not deleted');
    await assertOnlyChanged(before, {}, 'delete of the running job');
    const doomed = await client.enqueue('fail', { tag: 'to-delete' });
    await waitForState(db, doomed, 'failed');
    assert.ok((await client.getLog(doomed)).length > 0);
    before = await states();
    assert.equal(await client.deleteJob(doomed), 1);
    await assertOnlyChanged(before, { [doomed]: null }, 'delete of a failed job');
    assert.equal(await client.getJob(doomed), null);
    assert.deepEqual(await client.getLog(doomed), []);
    const leftovers = await db.query(`SELECT (SELECT count(*) FROM ifqueue.job_attempt WHERE job_id = $1)::int + (SELECT count(*) FROM ifqueue.job_log WHERE job_id = $1)::int AS n`, [doomed]);
    assert.equal(leftovers.rows[0].n, 0);
    assert.equal(await client.deleteJob(doomed), 0, 'already gone');
  });

  test('cleanup: the dry run counts exactly what the real run deletes; failed jobs only when asked', async () => {
    const old = {
      completed: [await client.enqueue('work', { tag: 'old-1' }), await client.enqueue('work', { tag: 'old-2' })],
      failed: await client.enqueue('fail', { tag: 'old-failed' }),
      cancelled: await client.enqueue('idle', { tag: 'old-cancelled' }),
    };
    await client.cancelJob(old.cancelled);
    for (const id of old.completed) await waitForState(db, id, 'completed');
    await waitForState(db, old.failed, 'failed');
    await db.query(`UPDATE pgboss.job SET completed_on = now() - interval '20 days' WHERE id = ANY($1::uuid[])`, [
      [...old.completed, old.failed, old.cancelled],
    ]);

    const preview = await client.cleanup({ dryRun: true });
    assert.deepEqual(preview, { dryRun: true, completed: 2, cancelled: 1, failed: 0 });
    const previewWithFailed = await client.cleanup({ dryRun: true, includeFailed: true });
    assert.deepEqual(previewWithFailed, { dryRun: true, completed: 2, cancelled: 1, failed: 1 });
    assert.deepEqual(await client.cleanup({ dryRun: true, task: 'idle' }), { dryRun: true, completed: 0, cancelled: 1, failed: 0 });

    let before = await states();
    const report = await client.cleanup({});
    assert.deepEqual(report, { ...preview, dryRun: false });
    await assertOnlyChanged(before, { [old.completed[0]]: null, [old.completed[1]]: null, [old.cancelled]: null }, 'cleanup (default)');

    before = await states();
    const withFailed = await client.cleanup({ includeFailed: true, olderThanSeconds: 14 * 86400 });
    assert.deepEqual(withFailed, { dryRun: false, completed: 0, cancelled: 0, failed: 1 });
    await assertOnlyChanged(before, { [old.failed]: null }, 'cleanup with failed');
    assert.ok((await client.cleanup({ dryRun: true, includeFailed: true, olderThanSeconds: 0 })).failed > 0, 'recent failed jobs are found with a zero age');
  });

  after(async () => {
    gates.get('seeded-active-2')!.open();
    await waitForState(db, seeded.active, 'completed');
  });
});

test('a paused queue is not taken from by any runner; its running job finishes; resumed, it runs', async () => {
  const running = await holdJob('pause-running');
  await waitForState(db, running, 'active');
  await setQueuePaused(worker, 'hold', true); // paused from the worker's side…
  const queued = await holdJob('pause-queued');
  assert.ok((await client.snapshot()).queues.find((q) => q.task === 'hold')!.paused, 'shown as paused');
  gates.get('pause-running')!.open();
  gates.get('pause-queued')!.open();
  await waitForState(db, running, 'completed');
  const late = await runners.start(tasks, { queues: ['hold', 'work'] });
  // witnesses: work jobs enqueued after the pause run on both runners while the paused one waits
  const witnesses = await Promise.all(Array.from({ length: 4 }, () => client.enqueue('work', { tag: 'witness' })));
  for (const id of witnesses) await waitForState(db, id, 'completed');
  await worker.reconcile();
  await late.reconcile();
  assert.equal((await client.getJob(queued))!.state, 'created', 'still waiting in the paused queue');
  await setQueuePaused(client, 'hold', false); // …resumed from another
  await waitForState(db, queued, 'completed');
  await late.stop();
});

test('retention deletes completed and cancelled jobs older than the retention period, never failed ones', async () => {
  const ids = {
    oldCompleted: await client.enqueue('work', { tag: 'retention-old' }),
    newCompleted: await client.enqueue('work', { tag: 'retention-new' }),
    oldFailed: await client.enqueue('fail', { tag: 'retention-failed' }),
    oldCancelled: await client.enqueue('idle', { tag: 'retention-cancelled' }),
  };
  await client.cancelJob(ids.oldCancelled);
  await waitForState(db, ids.oldCompleted, 'completed');
  await waitForState(db, ids.newCompleted, 'completed');
  await waitForState(db, ids.oldFailed, 'failed');
  await db.query(`UPDATE pgboss.job SET completed_on = now() - interval '2 days' WHERE id = ANY($1::uuid[])`, [[ids.oldCompleted, ids.oldFailed, ids.oldCancelled]]);
  await db.query(`UPDATE pgboss.job SET completed_on = now() - interval '12 hours' WHERE id = $1`, [ids.newCompleted]);
  const before = await states();
  // a runner configured for one day of retention sweeps on its first housekeeping pass
  const sweeper = await runners.start(tasks, { retentionDays: 1, queues: ['work'] });
  await waitFor('the old jobs to be swept', async () => !(await states()).has(ids.oldCompleted));
  await assertOnlyChanged(before, { [ids.oldCompleted]: null, [ids.oldCancelled]: null }, 'retention');
  assert.deepEqual(await client.getLog(ids.oldCompleted), []);
  await sweeper.stop();
});
