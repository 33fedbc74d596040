import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { defineTask } from '../../src/runner/task.ts';
import { RunnerPool, waitFor } from './support.ts';

let db: TestDatabase;
let pool: RunnerPool;
const seen: number[] = [];
const count = defineTask({
  name: 'count-item',
  description: 'records its item',
  schema: z.object({ n: z.number().int() }).strict(),
  concurrency: 50,
  async handler({ n }) {
    seen.push(n);
  },
});
const handler = defineTask({ name: 'on-item-fail', description: 'on-fail handler', schema: z.any(), async handler() {} });
const failing = defineTask({
  name: 'failing-item',
  description: 'always fails',
  schema: z.object({ n: z.number() }).strict(),
  retry: { retries: 0 },
  onFail: 'on-item-fail',
  async handler() {
    throw new Error('no');
  },
});

before(async () => {
  db = await createTestDatabase('enqueue_many');
  pool = new RunnerPool(db);
});
after(async () => {
  await pool.stopAll();
  await db.drop();
});

test('enqueueMany inserts every job in order, in chunks, and the runner runs each once', async () => {
  const runner = await pool.start([count, handler, failing]);
  const ids = await runner.enqueueMany('count-item', Array.from({ length: 2500 }, (_, n) => ({ n })), { priority: 50 });
  assert.equal(ids.length, 2500);
  assert.equal(new Set(ids).size, 2500);
  const first = await runner.getJob(ids[0]);
  assert.equal(first?.priority, 50);
  await waitFor('all items ran', () => seen.length >= 2500, { timeoutMs: 60_000 });
  assert.deepEqual([...new Set(seen)].sort((a, b) => a - b), Array.from({ length: 2500 }, (_, n) => n));
  assert.equal(seen.length, 2500);
});

test('enqueueMany rejects the whole batch, naming the item and field, when one argument set is invalid', async () => {
  const runner = await pool.start([count, handler, failing], { work: false });
  const before = await runner.countJobs({ task: 'count-item' });
  await assert.rejects(runner.enqueueMany('count-item', [{ n: 1 }, { n: 'two' }]), /item 1: invalid arguments for count-item: n:/);
  assert.equal(await runner.countJobs({ task: 'count-item' }), before);
});

test('jobs enqueued in bulk keep their task’s on-fail handler', async () => {
  const runner = await pool.start([count, handler, failing]);
  const [id] = await runner.enqueueMany('failing-item', [{ n: 1 }]);
  const job = await waitFor('on-fail dispatched', async () => {
    const j = await runner.getJob(id);
    return j?.onFailJobId ? j : null;
  });
  assert.equal(job.options.onFail, 'on-item-fail');
  assert.equal(job.state, 'failed');
});
