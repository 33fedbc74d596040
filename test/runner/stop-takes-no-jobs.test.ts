// README, shutdown step 1: once asked to stop, a runner takes no new job, even one that is due and
// wakes it while its running job finishes; the next runner takes it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { FAST, RunnerPool, gate, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
const release = gate();
const ran: string[] = [];

const gated = defineTask({
  name: 'gated',
  description: 'the first job waits for the test; the others finish at once',
  schema: z.object({ label: z.string() }),
  concurrency: 4,
  async handler({ label }) {
    ran.push(label);
    if (label === 'first') await release.promise;
  },
});

before(async () => {
  db = await createTestDatabase('runner_stop_takes_no_jobs');
  runners = new RunnerPool(db);
});

after(async () => {
  release.open();
  await runners.stopAll();
  await db.drop();
});

test('a stopping runner takes no new job while its running job finishes; the next runner does', async () => {
  const stopping = await runners.start([gated]);
  const client = await runners.start([gated], { work: false });
  const first = await client.enqueue('gated', { label: 'first' });
  await waitForState(db, first, 'active');
  let progressed!: () => void;
  const waiting = new Promise<void>((resolve) => (progressed = resolve));
  // the first progress report comes once it stopped taking jobs and waits for the running one
  const stopped = stopping.stop({ timeoutMs: 30_000, onProgress: () => progressed() });
  await waiting;
  const second = await client.enqueue('gated', { label: 'second' });
  // several of the stopping runner's polls (every FAST.pollSeconds.fallback s) and the enqueue's wake-up
  await sleep(3 * FAST.pollSeconds!.fallback! * 1000 + 500);
  release.open();
  await stopped;
  assert.equal((await waitForState(db, first, 'completed')).state, 'completed', 'the running job finished');
  const attempts = (await db.query(`SELECT count(*)::int AS n FROM ifqueue.job_attempt WHERE job_id = $1`, [second])).rows[0].n;
  assert.deepEqual([(await client.getJob(second))!.state, attempts, ran.includes('second')], ['created', 0, false], 'the stopping runner never took it');
  await runners.start([gated]);
  await waitForState(db, second, 'completed');
  await waitFor('it ran in the next runner', () => ran.includes('second'));
});
