// A completion the database refuses for good (here a trigger) fails that job, with the reason, and
// does not take the other completions of its batch down with it: given back instead, it would run
// again and be refused again without end.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, gate, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
const release = gate();

const batched = defineTask({
  name: 'batched',
  description: 'waits for the test, so its jobs complete in one batch',
  schema: z.object({ poison: z.boolean().default(false) }),
  concurrency: 10,
  async handler() {
    await release.promise;
    return { ok: true };
  },
});

before(async () => {
  db = await createTestDatabase('settle_refused');
  runners = new RunnerPool(db);
});

after(async () => {
  release.open();
  await runners.stopAll();
  await db.drop();
});

test('one refused completion fails its job permanently; the rest of its batch completes', async () => {
  const worker = await runners.start([batched]);
  await db.query(`CREATE FUNCTION public.refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.state = 'completed' AND NEW.data->>'poison' = 'true' THEN RAISE EXCEPTION 'poisoned completion'; END IF;
      RETURN NEW;
    END $$`);
  await db.query(`CREATE TRIGGER refuse_poison BEFORE UPDATE ON pgboss.job_common FOR EACH ROW EXECUTE FUNCTION public.refuse_poison()`);
  const ids = [await worker.enqueue('batched', {}), await worker.enqueue('batched', { poison: true }), await worker.enqueue('batched', {})];
  await waitFor('all three to run', async () => (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE state = 'active'`)).rows[0].n === 3);
  release.open();
  await waitForState(db, ids[0], 'completed');
  await waitForState(db, ids[2], 'completed');
  const poisoned = await waitForState(db, ids[1], 'failed');
  assert.match(poisoned.output.message, /^the task succeeded but its completion could not be recorded: poisoned completion/);
  assert.equal(poisoned.retry_count, 0, 'not retried: the same completion would be refused again');
  const attempts = (await db.query(`SELECT outcome FROM ifqueue.job_attempt WHERE job_id = $1`, [ids[1]])).rows;
  assert.deepEqual(attempts.map((a) => a.outcome), ['failed']);
  assert.ok(runners.errors.some((e) => /complete batched: poisoned completion/.test(e)), 'the refusal was reported');
});
