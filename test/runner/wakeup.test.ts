// Wake-up: jobs are picked up through LISTEN/NOTIFY (no polling needed), a missed notification is
// covered by the slow poll, the listener reconnects by itself, and a backlog drains without pauses.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, recordEvents, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let client: Runner;

const quick = defineTask({ name: 'quick', description: 'returns at once', schema: z.object({}), async handler() {} });
const polled = defineTask({ name: 'polled', description: 'returns at once', schema: z.object({}), async handler() {} });
const retried = defineTask({
  name: 'retried',
  description: 'fails its first attempt; retried a second later',
  schema: z.object({}),
  retry: { retries: 1, delaySeconds: 1, backoff: false },
  async handler(_args, ctx) {
    if (ctx.job.attempt === 1) throw new Error('first attempt fails');
  },
});
const noop = defineTask({ name: 'noop', description: 'returns at once', schema: z.object({}).passthrough(), concurrency: 50, async handler() {} });
const tasks = [quick, polled, retried, noop];
/** Polling so slow that only a notification can explain a pickup within the test's waits. */
const NO_POLL = { pollSeconds: { notify: 600, fallback: 600 } };

before(async () => {
  db = await createTestDatabase('runner_wakeup');
  runners = new RunnerPool(db);
  client = await runners.start(tasks, { work: false });
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

test('an idle runner picks up new jobs through notifications, not polling', async () => {
  const worker = await runners.start(tasks, { ...NO_POLL, queues: ['quick'] });
  // one after another: each notification may arrive while the worker is still fetching after the last job
  for (let i = 0; i < 20; i++) {
    const id = await client.enqueue('quick', {});
    await waitForState(db, id, 'completed', { timeoutMs: 10_000 });
  }
  await worker.stop();
});

test('delayed jobs and retries start when they fall due, without waiting for the poll', async () => {
  const worker = await runners.start(tasks, { ...NO_POLL, queues: ['quick', 'retried'] });
  const delayed = await client.enqueue('quick', {}, { startAfter: 1 });
  const retry = await client.enqueue('retried', {});
  const done = await waitForState(db, delayed, 'completed', { timeoutMs: 10_000 });
  assert.ok(done.started_on! >= done.start_after);
  await waitForState(db, retry, 'completed', { timeoutMs: 10_000 });
  assert.equal((await waitForState(db, retry, 'completed')).retry_count, 1, 'completed on its retry');
  await worker.stop();
});

test('a job that became runnable without a notification is found by the slow poll', async () => {
  const worker = await runners.start(tasks, { pollSeconds: { notify: 1, fallback: 1 }, queues: ['polled'] });
  const id = await client.enqueue('polled', {}, { startAfter: 3600 });
  await db.query(`UPDATE pgboss.job SET start_after = now() WHERE id = $1`, [id]);
  await waitForState(db, id, 'completed', { timeoutMs: 10_000 });
  await worker.stop();
});

test('the listener reconnects after losing its connection, and no job is left behind', async () => {
  const worker = await runners.start(tasks, { ...NO_POLL, queues: ['quick'] });
  const status = recordEvents(worker, ['db:status']);
  const { rows } = await db.query(
    `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ifqueue listener' AND pid <> pg_backend_pid()`,
  );
  assert.ok(rows.length >= 1 && rows.every((r) => r.ok), 'listener connections terminated');
  // enqueued while the listeners may still be down: its notification can be lost
  const during = await client.enqueue('quick', {});
  await waitFor('the listener to come back', () => status.seen.some((e) => e.payload.connected) && status.seen.some((e) => !e.payload.connected));
  assert.deepEqual(status.seen.map((e) => e.payload.connected).slice(0, 2), [false, true]);
  await waitForState(db, during, 'completed', { timeoutMs: 10_000 });
  const afterwards = await client.enqueue('quick', {});
  await waitForState(db, afterwards, 'completed', { timeoutMs: 10_000 });
  status.off();
  await worker.stop();
});

test('a backlog drains without waiting for the poll between batches', async (t) => {
  const worker = await runners.start(tasks, { ...NO_POLL, queues: ['noop'] });
  const boss = new PgBoss({ connectionString: db.url, schema: 'pgboss', supervise: false, schedule: false, migrate: false });
  boss.on('error', () => {});
  await boss.start();
  const total = 2000;
  const started = Date.now();
  try {
    await boss.insert('noop', Array.from({ length: total }, (_, i) => ({ data: { i } })));
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
  await client.enqueue('noop', {}); // one notification for the whole backlog
  await waitFor('the backlog to drain', async () => (await client.countJobs({ task: 'noop', state: 'completed' })) === total + 1, { timeoutMs: 60_000, intervalMs: 200 });
  t.diagnostic(`drained ${total + 1} jobs in ${Date.now() - started} ms`);
  await worker.stop();
});
