// Job counts kept by triggers: equal to a full count of pg-boss's job table through every kind of
// change (pg-boss's own statements on its partition, ours on the parent, raw SQL, deletes, cleanup,
// TRUNCATE), before and after the deltas are folded in; finishes per window; the capped split.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { QueueClient } from '../../src/runner/client.ts';
import { COUNT_CAP } from '../../src/runner/job-counts.ts';
import type { Runner } from '../../src/runner/runner.ts';
import type { QueueCounts } from '../../src/runner/types.ts';
import { statusText } from '../../src/cli/commands/status.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let runner: Runner;
let client: QueueClient;

const ok = defineTask({ name: 'ok', description: 'succeeds', schema: z.object({}), concurrency: 4, async handler() {} });
const bad = defineTask({ name: 'bad', description: 'fails', schema: z.object({}), retry: { retries: 0, delaySeconds: 0, backoff: false }, async handler() { throw new Error('no'); } });
const idle = defineTask({ name: 'idle', description: 'no runner takes it', schema: z.object({ n: z.number().default(0) }), async handler() {} });
const tasks = [ok, bad, idle];

before(async () => {
  db = await createTestDatabase('runner_job_counts');
  runners = new RunnerPool(db);
  runner = await runners.start(tasks, { queues: ['ok', 'bad'] });
  client = new QueueClient({ databaseUrl: db.url });
});

after(async () => {
  await client.close();
  await runners.stopAll();
  await db.drop();
});

/** What a full scan of the job table says, in the snapshot's terms. */
async function truth(): Promise<Record<string, Record<string, number>>> {
  const { rows } = await db.query(
    `SELECT name, count(*) FILTER (WHERE state = 'created')::int AS created, count(*) FILTER (WHERE state = 'active')::int AS active,
            count(*) FILTER (WHERE state = 'retry')::int AS retry, count(*) FILTER (WHERE state = 'failed')::int AS failed,
            count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled, count(*) FILTER (WHERE state = 'completed')::int AS completed
     FROM pgboss.job GROUP BY name`,
  );
  return Object.fromEntries(rows.map(({ name, ...counts }) => [name, counts]));
}

const counted = (q: QueueCounts) => ({
  created: q.waiting + q.scheduled,
  active: q.active,
  retry: q.retry,
  failed: q.failed,
  cancelled: q.cancelled,
  completed: q.completed,
});

async function assertCountsMatch(step: string): Promise<void> {
  const expected = await truth();
  const zero = { created: 0, active: 0, retry: 0, failed: 0, cancelled: 0, completed: 0 };
  for (const fold of [false, true]) {
    if (fold) await client.queries.counts.compact();
    const s = await client.snapshot();
    for (const q of s.queues) assert.deepEqual(counted(q), expected[q.task] ?? zero, `${step}${fold ? ' (after compaction)' : ''}: ${q.task}`);
    for (const task of Object.keys(expected)) assert.ok(s.queues.some((q) => q.task === task), `${step}: ${task} is listed`);
  }
}

test('counts equal a full count of the job table through every kind of change, before and after compaction', async () => {
  const done = [await runner.enqueue('ok', {}), await runner.enqueue('ok', {}), await runner.enqueue('ok', {})];
  const failed = await runner.enqueue('bad', {});
  const waiting = await runner.enqueueMany('idle', Array.from({ length: 20 }, (_, n) => ({ n })));
  await runner.enqueue('idle', {}, { startAfter: 3600 });
  for (const id of done) await waitForState(db, id, 'completed');
  await waitForState(db, failed, 'failed');
  await assertCountsMatch('enqueue, complete, fail');

  await runner.cancelJob(waiting[0]);
  await runner.deleteJob(waiting[1]);
  await runner.retryJob(failed);
  await waitForState(db, failed, 'failed');
  await assertCountsMatch('cancel, delete, retry');

  // pg-boss writes to its partition by name; raw SQL may write to the parent
  await db.query(`UPDATE pgboss.job_common SET state = 'active', started_on = now() WHERE name = 'idle' AND id = $1`, [waiting[2]]);
  await db.query(`UPDATE pgboss.job SET state = 'retry' WHERE name = 'idle' AND id = $1`, [waiting[3]]);
  await db.query(`UPDATE pgboss.job SET priority = priority + 1 WHERE name = 'idle'`);
  await db.query(`DELETE FROM pgboss.job_common WHERE name = 'idle' AND id = $1`, [waiting[4]]);
  await assertCountsMatch('raw updates and deletes on the parent and the partition');

  await db.query(`UPDATE pgboss.job SET completed_on = now() - interval '30 days' WHERE name = 'ok'`);
  const cleaned = await runner.cleanup({ olderThanSeconds: 86400 });
  assert.equal(cleaned.completed, 3);
  await assertCountsMatch('cleanup');

  await db.query(`TRUNCATE pgboss.job_common`);
  const s = await client.snapshot();
  assert.deepEqual(s.queues.filter((q) => Object.values(counted(q)).some((n) => n !== 0)).map((q) => q.task), [], 'nothing left after TRUNCATE');
  await runner.enqueue('idle', {});
  await assertCountsMatch('after TRUNCATE');
});

test('finishes by window: a completion counts in the last hour and the throughput; one from two days ago only in the total; a deleted one stays in the throughput; a retried failure leaves failed-last-hour', async () => {
  await db.query(`TRUNCATE pgboss.job_common`);
  const before = (await client.snapshot()).queues.find((q) => q.task === 'ok')!;
  assert.deepEqual([before.completed, before.completedLastHour, before.completedLastDay], [0, 0, 0]);
  const id = await runner.enqueue('ok', {});
  await waitForState(db, id, 'completed');
  await db.query(
    `INSERT INTO pgboss.job (name, state, data, created_on, started_on, completed_on) VALUES ('ok', 'completed', '{}', now() - interval '2 days', now() - interval '2 days', now() - interval '2 days')`,
  );
  const ok1 = (await client.snapshot()).queues.find((q) => q.task === 'ok')!;
  assert.deepEqual([ok1.completed, ok1.completedLastHour, ok1.completedLastDay], [2, 1, 1]);
  assert.equal(ok1.throughput.reduce((a, b) => a + b, 0), 1);
  assert.equal(ok1.throughput[11], 1, 'in the current 5-minute bucket');
  await runner.deleteJob(id);
  const ok2 = (await client.snapshot()).queues.find((q) => q.task === 'ok')!;
  assert.deepEqual([ok2.completed, ok2.completedLastHour, ok2.throughput[11]], [1, 1, 1]);

  const failed = await runner.enqueue('bad', {});
  await waitForState(db, failed, 'failed');
  assert.equal((await client.snapshot()).totals.failedLastHour, 1);
  await runner.pauseQueue('bad');
  await runner.retryJob(failed);
  await waitFor('the retry to be counted', async () => (await client.snapshot()).totals.failedLastHour === 0);
  await runner.resumeQueue('bad');
});

test('past the cap the waiting/scheduled split is exact while one side is below it, and shown as "≥ 10 000" when both reach it', async () => {
  await db.query(`TRUNCATE pgboss.job_common`);
  const boss = new PgBoss({ connectionString: db.url, schema: 'pgboss', supervise: false, schedule: false, migrate: false } as any);
  boss.on('error', () => {});
  await boss.start();
  try {
    const later = new Date(Date.now() + 3600_000);
    await boss.insert('idle', Array.from({ length: COUNT_CAP + 1 }, () => ({ data: {}, startAfter: later })));
    await boss.insert('idle', Array.from({ length: 3 }, () => ({ data: {} })));
    const one = (await client.snapshot()).queues.find((q) => q.task === 'idle')!;
    assert.deepEqual([one.waiting, one.scheduled, one.capped ?? []], [3, COUNT_CAP + 1, []]);

    await boss.insert('idle', Array.from({ length: COUNT_CAP + 1 }, () => ({ data: {} })));
    const s = await client.snapshot();
    const both = s.queues.find((q) => q.task === 'idle')!;
    assert.deepEqual([both.waiting, both.scheduled, [...(both.capped ?? [])].sort()], [COUNT_CAP, COUNT_CAP, ['scheduled', 'waiting']]);
    assert.deepEqual([...(s.totals.capped ?? [])].sort(), ['scheduled', 'waiting']);
    const text = statusText(s);
    assert.match(text, /^idle +≥ 10 000 +≥ 10 000 +0 /m);
    assert.match(text, /totals +waiting ≥ 10 000 +scheduled ≥ 10 000 /);
    assert.doesNotMatch(text, /10001/);
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
});

test('finishes older than the last full hour fold into hourly rows and still count in the last day', async () => {
  await db.query(`TRUNCATE pgboss.job_common`);
  // four finishes in different 5-minute buckets of one hour, three hours ago
  await db.query(
    `INSERT INTO pgboss.job (name, state, data, created_on, started_on, completed_on)
     SELECT 'ok', 'completed', '{}', t, t, t FROM (SELECT date_trunc('hour', now() - interval '3 hours') + m * interval '12 minutes' AS t FROM generate_series(0, 3) m) x`,
  );
  await client.queries.counts.compact();
  await client.queries.counts.compact();
  const { rows } = await db.query(
    `SELECT bucket = date_trunc('hour', bucket) AS hourly, n FROM ifqueue.job_finished WHERE task = 'ok' AND state = 'completed' AND bucket < now() - interval '2 hours'`,
  );
  assert.deepEqual(rows, [{ hourly: true, n: '4' }]);
  const ok = (await client.snapshot()).queues.find((q) => q.task === 'ok')!;
  assert.deepEqual([ok.completed, ok.completedLastHour, ok.completedLastDay], [4, 0, 4]);
});
