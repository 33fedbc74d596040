// enqueueOrGet: one live job per name, atomic under concurrent calls, priority raised when asked for
// a more urgent one, and a finished job does not block a new one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, gate, setQueuePaused, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
const release = gate();
let started = 0;

const named = defineTask({
  name: 'named',
  description: 'waits for the test to let it finish',
  schema: z.object({ n: z.number().default(0) }),
  concurrency: 2,
  async handler() {
    started++;
    await release.promise;
  },
});
const quick = defineTask({ name: 'quick', description: 'returns at once', schema: z.object({}), async handler() {} });

before(async () => {
  db = await createTestDatabase('runner_enqueue_or_get');
  runners = new RunnerPool(db);
});

after(async () => {
  release.open();
  await runners.stopAll();
  await db.drop();
});

async function jobsNamed(name: string): Promise<{ id: string; state: string; priority: number }[]> {
  const { rows } = await db.query(
    `SELECT j.id, j.state, j.priority FROM ifqueue.job_meta m JOIN pgboss.job j ON j.id = m.job_id WHERE m.name = $1`,
    [name],
  );
  return rows;
}

test('50 concurrent calls with one name from three runners create exactly one job', async () => {
  const worker = await runners.start([named, quick]);
  await setQueuePaused(worker, 'named', true);
  const clients = [worker, await runners.start([named, quick], { work: false }), await runners.start([named, quick], { work: false })];
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => clients[i % clients.length].enqueueOrGet('named', { n: i }, { name: 'CloneUrl(1)' })),
  );
  const ids = new Set(results.map((r) => r.id));
  assert.equal(ids.size, 1, 'every caller got the same job');
  assert.equal(results.filter((r) => r.created).length, 1, 'exactly one caller created it');
  const rows = await jobsNamed('CloneUrl(1)');
  assert.equal(rows.length, 1, 'one job in the database');
  assert.equal(rows[0].state, 'created');
});

test('returns the running job with that name instead of creating another', async () => {
  const worker = await runners.start([named, quick]);
  await setQueuePaused(worker, 'named', false);
  const first = await worker.enqueueOrGet('named', {}, { name: 'RecodeGame(7)' });
  assert.equal(first.created, true);
  await waitForState(db, first.id, 'active');
  await waitFor('the handler to start', () => started > 0);
  const again = await worker.enqueueOrGet('named', { n: 99 }, { name: 'RecodeGame(7)' });
  assert.deepEqual(again, { id: first.id, created: false });
  assert.equal((await jobsNamed('RecodeGame(7)')).length, 1);
});

test('a more urgent priority raises the existing job; a less urgent one leaves it alone', async () => {
  const runner = await runners.start([named, quick], { work: false });
  const { id } = await runner.enqueueOrGet('quick', {}, { name: 'Urgent(1)', startAfter: 3600 });
  assert.equal((await runner.getJob(id))!.priority, 100, 'default legacy priority');
  const raised = await runner.enqueueOrGet('quick', {}, { name: 'Urgent(1)', priority: 10 });
  assert.deepEqual(raised, { id, created: false });
  assert.equal((await runner.getJob(id))!.priority, 10, 'raised to the more urgent priority');
  await runner.enqueueOrGet('quick', {}, { name: 'Urgent(1)', priority: 500 });
  assert.equal((await runner.getJob(id))!.priority, 10, 'a less urgent request does not lower it');
});

test('a finished job with the name does not block a new one', async () => {
  const runner = await runners.start([named, quick]);
  const first = await runner.enqueueOrGet('quick', {}, { name: 'Feed(3)' });
  await waitForState(db, first.id, 'completed');
  const second = await runner.enqueueOrGet('quick', {}, { name: 'Feed(3)' });
  assert.equal(second.created, true);
  assert.notEqual(second.id, first.id);
  assert.equal((await jobsNamed('Feed(3)')).length, 2);
  await waitForState(db, second.id, 'completed');
});
