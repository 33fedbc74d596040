// Selection order: legacy priority (lower runs sooner), FIFO within a priority, one runner at concurrency 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, setQueuePaused, waitFor } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
const order: string[] = [];

const ordered = defineTask({
  name: 'ordered',
  description: 'records the order in which jobs run',
  schema: z.object({ label: z.string() }),
  concurrency: 1,
  async handler({ label }) {
    order.push(label);
  },
});

before(async () => {
  db = await createTestDatabase('runner_priority');
  runners = new RunnerPool(db);
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

test('lower legacy priority runs sooner, FIFO within a priority', async () => {
  const runner = await runners.start([ordered]);
  await setQueuePaused(runner, 'ordered', true);
  const plan: [string, number | undefined][] = [
    ['p100-a', undefined],
    ['p200-a', 200],
    ['p5-a', 5],
    ['p100-b', 100],
    ['p5-b', 5],
    ['p-10', -10],
    ['p200-b', 200],
    ['p100-c', undefined],
  ];
  for (const [label, priority] of plan) await runner.enqueue('ordered', { label }, priority === undefined ? {} : { priority });
  const listed = await runner.listJobs({ task: 'ordered' }, { limit: 20 });
  assert.deepEqual(
    listed.jobs.map((j) => j.priority).sort((a, b) => a - b),
    [-10, 5, 5, 100, 100, 100, 200, 200],
    'the API reports priorities in legacy numbering',
  );
  assert.equal(order.length, 0, 'nothing runs while the queue is paused');
  await setQueuePaused(runner, 'ordered', false);
  await waitFor('all jobs to run', () => order.length === plan.length);
  assert.deepEqual(order, ['p-10', 'p5-a', 'p5-b', 'p100-a', 'p100-b', 'p100-c', 'p200-a', 'p200-b']);
});
