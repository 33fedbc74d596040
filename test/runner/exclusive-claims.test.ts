// Runners racing for an exclusive task's one active slot: pg-boss's unique index on the active job
// rejects all but one claim. That is the queue being busy, not a failure: it is neither reported as
// a claim error nor backed off like one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitFor } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let running = 0;
let most = 0;

const one = defineTask({
  name: 'one-at-a-time',
  description: 'an exclusive task that takes a moment',
  schema: z.object({}),
  exclusive: true,
  async handler() {
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 20));
    running--;
  },
});

before(async () => {
  db = await createTestDatabase('runner_exclusive_claims');
  runners = new RunnerPool(db);
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

test('runners racing for an exclusive slot report no claim errors', async () => {
  const client = await runners.start([one], { work: false });
  const workers = await Promise.all([0, 1, 2].map(() => runners.start([one])));
  await client.enqueueMany('one-at-a-time', Array.from({ length: 60 }, () => ({})));
  await waitFor('every job to complete', async () => (await client.countJobs({ task: 'one-at-a-time', state: 'completed' })) === 60, { timeoutMs: 60_000 });
  assert.equal(most, 1, 'never two at once');
  assert.deepEqual(runners.errors.filter((e) => /^claim /.test(e)), []);
  await Promise.all(workers.map((w) => w.stop({ timeoutMs: 500 })));
});
