// Who runs what, and how many at once: each job runs once however many runners compete; per-task
// concurrency; exclusive tasks never overlap across runners; startAfter delays a job.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { abortableSleep } from '../../src/runner/sleep.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, gate, setQueuePaused, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let client: Runner;

const runs = new Map<string, number>();
const shared = defineTask({
  name: 'shared',
  description: 'counts how often each job runs',
  schema: z.object({}),
  concurrency: 5,
  async handler(_args, ctx) {
    runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1);
    await abortableSleep(Math.random() * 5);
  },
});

let running = 0;
let maxRunning = 0;
let release = gate();
const limited = defineTask({
  name: 'limited',
  description: 'at most three at once in one runner',
  schema: z.object({}),
  concurrency: 3,
  async handler() {
    running++;
    maxRunning = Math.max(maxRunning, running);
    try {
      await release.promise;
    } finally {
      running--;
    }
  },
});

let exclusiveRunning = 0;
let exclusiveMax = 0;
const exclusive = defineTask({
  name: 'exclusive',
  description: 'never overlaps itself, across all runners',
  schema: z.object({}),
  exclusive: true,
  concurrency: 4,
  async handler() {
    exclusiveRunning++;
    exclusiveMax = Math.max(exclusiveMax, exclusiveRunning);
    try {
      await abortableSleep(30);
    } finally {
      exclusiveRunning--;
    }
  },
});

const quick = defineTask({ name: 'quick', description: 'returns at once', schema: z.object({}), async handler() {} });
const tasks = [shared, limited, exclusive, quick];

before(async () => {
  db = await createTestDatabase('runner_concurrency');
  runners = new RunnerPool(db);
  client = await runners.start(tasks, { work: false });
});

after(async () => {
  release.open();
  await runners.stopAll();
  await db.drop();
});

test('with three runners competing, every job runs exactly once', async () => {
  const workers = await Promise.all([0, 1, 2].map(() => runners.start(tasks, { queues: ['shared'] })));
  const starts = new Map<string, string[]>();
  const off = client.on('job:started', (e) => starts.set(e.id, [...(starts.get(e.id) ?? []), e.runnerId]));
  const ids = await Promise.all(Array.from({ length: 150 }, () => client.enqueue('shared', {})));
  await waitFor('all jobs to complete', async () => (await client.countJobs({ task: 'shared', state: 'completed' })) === ids.length, { timeoutMs: 30_000 });
  await waitFor('every start event', () => ids.every((id) => starts.has(id)));
  off();
  assert.deepEqual(ids.filter((id) => runs.get(id) !== 1), [], 'each handler ran once');
  const byRunner = new Map<string, number>();
  for (const id of ids) for (const r of starts.get(id) ?? []) byRunner.set(r, (byRunner.get(r) ?? 0) + 1);
  assert.equal([...byRunner.values()].reduce((a, b) => a + b, 0), ids.length, 'one start per job');
  assert.ok([...byRunner.keys()].every((r) => workers.some((w) => w.id === r)));
  await Promise.all(workers.map((w) => w.stop()));
});

test('per-task concurrency bounds the jobs one runner runs at once', async () => {
  const worker = await runners.start(tasks, { queues: ['limited', 'quick'] });
  const ids = await Promise.all(Array.from({ length: 7 }, () => client.enqueue('limited', {})));
  await waitFor('three jobs running', () => running === 3);
  // a witness on another queue of the same runner completes: the runner is busy, not stuck
  await waitForState(db, await client.enqueue('quick', {}), 'completed');
  assert.equal(await client.countJobs({ task: 'limited', state: 'active' }), 3);
  assert.equal(await client.countJobs({ task: 'limited', state: 'waiting' }), 4);
  release.open();
  for (const id of ids) await waitForState(db, id, 'completed');
  assert.equal(maxRunning, 3);
  release = gate();
  await worker.stop();
});

test('an exclusive task never overlaps itself, even with two runners', async () => {
  const workers = await Promise.all([0, 1].map(() => runners.start(tasks, { queues: ['exclusive'] })));
  const ids = await Promise.all(Array.from({ length: 8 }, () => client.enqueue('exclusive', {})));
  for (const id of ids) await waitForState(db, id, 'completed');
  assert.equal(exclusiveMax, 1);
  assert.ok(client.tasks().find((t) => t.name === 'exclusive')!.exclusive);
  assert.equal(client.tasks().find((t) => t.name === 'exclusive')!.concurrency, 1);
  await Promise.all(workers.map((w) => w.stop()));
});

test('startAfter delays a job: it is scheduled until then and starts after it', async () => {
  const worker = await runners.start(tasks, { queues: ['quick'] });
  await setQueuePaused(worker, 'quick', false);
  const at = new Date(Date.now() + 1500);
  const byDate = await client.enqueue('quick', {}, { startAfter: at });
  const bySeconds = await client.enqueue('quick', {}, { startAfter: 1 });
  const scheduled = (await client.listJobs({ task: 'quick', state: 'scheduled' })).jobs.map((j) => j.id);
  assert.ok(scheduled.includes(byDate) && scheduled.includes(bySeconds), 'listed as scheduled');
  assert.equal((await client.getJob(byDate))!.startAfter, at.toISOString());
  for (const id of [byDate, bySeconds]) {
    const done = await waitForState(db, id, 'completed');
    assert.ok(done.started_on! >= done.start_after, 'not started before its time');
  }
  await worker.stop();
});
