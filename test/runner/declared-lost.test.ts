// A runner declared lost learns of it at its next heartbeat; its workers go on claiming until then.
// What the declaration took from it (attempts marked lost, jobs restarted elsewhere) must be dropped,
// but a job it claimed after the declaration is still its own: aborting that one as "lost" writes
// nothing, so the job would sit active with nobody running it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, gate, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
const gates = new Map<string, () => void>();
const aborted = new Set<string>();

const held = defineTask({
  name: 'held',
  description: 'runs until the test releases it, noting whether its signal was aborted',
  schema: z.object({ key: z.string() }),
  concurrency: 4,
  retry: { retries: 2, delaySeconds: 0, backoff: false },
  async handler({ key }, ctx) {
    const g = gate();
    gates.set(`${key}#${ctx.job.attempt}`, g.open);
    ctx.signal.addEventListener('abort', () => aborted.add(`${key}#${ctx.job.attempt}`), { once: true });
    await g.promise;
    return { key };
  },
});
const elsewhere = defineTask({ name: 'elsewhere', description: "the judge's own queue", schema: z.object({}), async handler() {} });

before(async () => {
  db = await createTestDatabase('runner_declared_lost');
  runners = new RunnerPool(db);
});

after(async () => {
  for (const open of gates.values()) open();
  await runners.stopAll();
  await db.drop();
});

const attempts = async (id: string) => (await db.query(`SELECT attempt, outcome, runner_id FROM ifqueue.job_attempt WHERE job_id = $1 ORDER BY attempt`, [id])).rows;

test('a job claimed after this runner was declared lost, before it found out, keeps running and completes', async () => {
  // Beats every 10 s: between being declared lost and finding out it has seconds to claim more.
  const doomed = await runners.start([held, elsewhere], { queues: ['held'], heartbeatSeconds: 10, lostAfterSeconds: 30 });
  const before = await doomed.enqueue('held', { key: 'before' });
  await waitFor('the first job to run', async () => (await attempts(before))[0]?.outcome === 'running');
  // The judge calls a runner silent for 1 s lost, and runs only its own queue.
  const judge = await runners.start([held, elsewhere], { queues: ['elsewhere'], heartbeatSeconds: 0.5, lostAfterSeconds: 1 });
  await waitFor('the doomed runner to be declared lost', async () =>
    (await db.query(`SELECT 1 FROM ifqueue.runner WHERE id = $1 AND stopped_at IS NOT NULL`, [doomed.id])).rows.length > 0,
  { timeoutMs: 20_000 });
  const afterwards = await doomed.enqueue('held', { key: 'after' });
  await waitFor('the doomed runner to claim the new job', async () => (await attempts(afterwards))[0]?.runner_id === doomed.id);
  assert.equal(
    (await db.query(`SELECT 1 FROM ifqueue.runner WHERE id = $1 AND stopped_at IS NOT NULL`, [doomed.id])).rows.length,
    1,
    'claimed while declared lost (the test is not vacuous)',
  );
  await waitFor('the doomed runner to find out and register again', async () =>
    (await db.query(`SELECT 1 FROM ifqueue.runner WHERE id = $1 AND stopped_at IS NULL`, [doomed.id])).rows.length > 0 &&
    runners.errors.some((e) => /this runner was declared lost/.test(e)),
  { timeoutMs: 30_000 });
  assert.ok(aborted.has('before#1'), 'the job the declaration took was aborted');
  assert.ok(!aborted.has('after#1'), 'the job claimed afterwards was not');
  // the restarted job, claimed here again before the runner found out, is its own too
  await waitFor('the first job to run again', () => gates.get('before#2'));
  assert.ok(!aborted.has('before#2'), 'nor was the first job restarted after the declaration');
  gates.get('after#1')!();
  gates.get('before#2')!();
  await waitForState(db, afterwards, 'completed');
  await waitForState(db, before, 'completed');
  assert.deepEqual((await attempts(afterwards)).map((a) => a.outcome), ['completed']);
  assert.deepEqual((await attempts(before)).map((a) => a.outcome), ['lost', 'completed']);
  await judge.stop({ timeoutMs: 500 });
  await doomed.stop({ timeoutMs: 500 });
});
