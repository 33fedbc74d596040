// Retries: backoff between attempts, a fresh budget from retryJob/retryFailed, PermanentError without
// retries, and the on-fail hook receiving the job and its final error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { PermanentError } from '../../src/runner/errors.ts';
import { defineTask } from '../../src/runner/task.ts';
import type { OnFailArgs } from '../../src/runner/types.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitFor, waitForState } from './support.ts';
import type { Runner } from '../../src/runner/runner.ts';

let db: TestDatabase;
let runners: RunnerPool;
let runner: Runner;
const onFailCalls: OnFailArgs[] = [];

const flaky = defineTask({
  name: 'flaky',
  description: 'fails until the given attempt',
  schema: z.object({ succeedOn: z.number() }),
  retry: { retries: 2, delaySeconds: 1, backoff: true, maxDelaySeconds: 2 },
  async handler({ succeedOn }, ctx) {
    if (ctx.job.attempt < succeedOn) throw new Error(`not yet (attempt ${ctx.job.attempt})`);
    return { attempt: ctx.job.attempt };
  },
});

const doomed = defineTask({
  name: 'doomed',
  description: 'always fails, naming the attempt',
  schema: z.object({ tag: z.string().default('') }),
  retry: { retries: 1, delaySeconds: 0, backoff: false },
  async handler({ tag }, ctx) {
    throw new Error(`boom ${tag} on attempt ${ctx.job.attempt}`);
  },
});

const otherDoomed = defineTask({
  name: 'other-doomed',
  description: 'always fails',
  schema: z.object({}),
  retry: { retries: 0, delaySeconds: 0, backoff: false },
  async handler() {
    throw new Error('other boom');
  },
});

const refused = defineTask({
  name: 'refused',
  description: 'fails permanently',
  schema: z.object({}),
  retry: { retries: 3, delaySeconds: 0, backoff: false },
  async handler() {
    throw new PermanentError('refused URL: not http');
  },
});

const overrun = defineTask({
  name: 'overrun',
  description: 'runs past its expiry unless its signal stops it',
  schema: z.object({}),
  expireSeconds: 1,
  retry: { retries: 1, delaySeconds: 0, backoff: false },
  async handler(_args, ctx) {
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    ctx.log.info(`aborted: ${(ctx.signal.reason as Error).message}`);
    throw ctx.signal.reason;
  },
});

const defaults = defineTask({ name: 'defaults', description: 'no retry settings of its own', schema: z.object({}), async handler() {} });

const recordFailure = defineTask({
  name: 'record-failure',
  description: 'on-fail handler that records what it received',
  schema: z.object({ job: z.any(), error: z.any() }),
  async handler(args) {
    onFailCalls.push(args as OnFailArgs);
  },
});

const brokenHandler = defineTask({
  name: 'broken-handler',
  description: 'on-fail handler that fails itself',
  schema: z.object({ job: z.any(), error: z.any() }),
  retry: { retries: 0, delaySeconds: 0, backoff: false },
  async handler() {
    throw new Error('the handler broke too');
  },
});

before(async () => {
  db = await createTestDatabase('runner_retries');
  runners = new RunnerPool(db);
  runner = await runners.start([flaky, doomed, otherDoomed, refused, recordFailure, brokenHandler, defaults, overrun], { queues: ['flaky', 'doomed', 'other-doomed', 'refused', 'record-failure', 'broken-handler', 'overrun'] });
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

const seconds = (a: Date, b: Date) => (new Date(a).getTime() - new Date(b).getTime()) / 1000;

test('a failing job is retried with exponential backoff up to the cap, then succeeds', async () => {
  // [earliest, latest] seconds between a failed attempt and its retry, as the database computed them:
  // the failure happened between the attempt's start and the moment its end was recorded
  const windows: { min: number; max: number }[] = [];
  const off = runner.on('job:failed', (e) => {
    if (e.task !== 'flaky' || !e.willRetry) return;
    void db
      .query(`SELECT j.start_after, a.started_at, a.finished_at FROM pgboss.job j JOIN ifqueue.job_attempt a ON a.job_id = j.id AND a.attempt = $2 WHERE j.id = $1`, [e.id, e.attempt])
      .then(({ rows }) => windows.push({ min: seconds(rows[0].start_after, rows[0].finished_at), max: seconds(rows[0].start_after, rows[0].started_at) }));
  });
  const id = await runner.enqueue('flaky', { succeedOn: 3 });
  const done = await waitForState(db, id, ['completed', 'failed']);
  off();
  assert.equal(done.state, 'completed');
  assert.deepEqual(done.output, { attempt: 3 });
  const job = (await runner.getJob(id))!;
  assert.deepEqual(job.attempts.map((a) => a.outcome), ['failed', 'failed', 'completed']);
  assert.equal(job.attempts[0].error, 'not yet (attempt 1)');
  assert.deepEqual(job.options.retryLimit, 2);
  assert.equal(job.options.retryBackoff, true);
  await waitFor('both retry delays recorded', () => windows.length === 2);
  // first retry: delay × [1, 2) = 1–2 s; second: delay × [2, 4) capped at 2 s
  const [first, second] = windows;
  assert.ok(first.max >= 0.99 && first.min <= 2.01, `first retry delay within [${first.min}, ${first.max}] s`);
  assert.ok(second.max >= 1.99 && second.min <= 2.01, `second retry delay within [${second.min}, ${second.max}] s: doubled, then capped`);
  for (let i = 1; i < job.attempts.length; i++) {
    assert.ok(new Date(job.attempts[i].startedAt) >= new Date(job.attempts[i - 1].finishedAt!), 'attempts do not overlap');
  }
});

test('retryJob gives a failed job a fresh retry budget', async () => {
  const id = await runner.enqueue('doomed', { tag: 'single' });
  await waitForState(db, id, 'failed');
  assert.equal((await runner.getJob(id))!.attempts.length, 2, 'one retry after the first attempt');
  assert.equal(await runner.retryJob(id), 1);
  await waitFor('two more attempts', async () => (await runner.getJob(id))!.attempts.length === 4 && (await runner.getJob(id))!.state === 'failed');
  await waitForState(db, id, 'failed');
  const job = (await runner.getJob(id))!;
  assert.deepEqual(job.attempts.map((a) => a.outcome), ['failed', 'failed', 'failed', 'failed']);
  assert.equal(job.error, 'boom single on attempt 4');
  assert.equal(await runner.retryJob(id), 1, 'can be retried again');
  await waitFor('the third round', async () => (await runner.getJob(id))!.attempts.length === 6);
  await waitForState(db, id, 'failed');
  assert.equal(await runner.retryJob('00000000-0000-4000-8000-000000000000'), 0, 'unknown id: nothing retried');
});

test('retryFailed retries only the given task, each with a fresh budget', async () => {
  const a = [await runner.enqueue('doomed', { tag: 'a1' }), await runner.enqueue('doomed', { tag: 'a2' })];
  const b = await runner.enqueue('other-doomed', {});
  for (const id of [...a, b]) await waitForState(db, id, 'failed');
  const before = await runner.countJobs({ task: 'doomed', state: 'failed' });
  const n = await runner.retryFailed({ task: 'doomed' });
  assert.equal(n, before, 'every failed doomed job was retried');
  assert.equal((await runner.getJob(b))!.state, 'failed', 'the other task was left alone');
  for (const id of a) {
    await waitFor(`job ${id} to fail again after two more attempts`, async () => {
      const j = (await runner.getJob(id))!;
      return j.state === 'failed' && j.attempts.length === 4;
    });
  }
  assert.equal((await runner.getJob(b))!.attempts.length, 1);
});

test('a PermanentError is not retried', async () => {
  const id = await runner.enqueue('refused', {});
  await waitForState(db, id, 'failed');
  const job = (await runner.getJob(id))!;
  assert.equal(job.attempts.length, 1, 'one attempt although 3 retries were allowed');
  assert.equal(job.error, 'refused URL: not http');
  assert.match(job.errorStack ?? '', /PermanentError: refused URL/);
});

test('onFail receives the job and its final error', async () => {
  const id = await runner.enqueue('doomed', { tag: 'hooked' }, { name: 'Hooked(1)', onFail: 'record-failure' });
  await waitFor('the on-fail handler to run', () => onFailCalls.find((c) => c.job.id === id));
  const call = onFailCalls.find((c) => c.job.id === id)!;
  assert.deepEqual(call.job, { id, task: 'doomed', name: 'Hooked(1)', args: { tag: 'hooked' }, attempts: 2 });
  assert.equal(call.error.message, 'boom hooked on attempt 2', 'the final error, not the first');
  assert.match(call.error.stack ?? '', /Error: boom hooked on attempt 2/);
  assert.equal(onFailCalls.filter((c) => c.job.id === id).length, 1, 'called once, after the last attempt only');
  const job = (await runner.getJob(id))!;
  assert.ok(job.onFailJobId, 'the handler job is linked from the failed job');
  assert.equal((await waitForState(db, job.onFailJobId!, 'completed')).name, 'record-failure');
});

test("an on-fail handler's own failure is recorded and does not hide the original error", async () => {
  const id = await runner.enqueue('refused', {}, { onFail: 'broken-handler' });
  await waitForState(db, id, 'failed');
  const handlerId = await waitFor('the handler job', async () => (await runner.getJob(id))!.onFailJobId);
  const handler = await waitForState(db, handlerId, 'failed');
  assert.equal(handler.output.message, 'the handler broke too');
  assert.equal((await runner.getJob(handlerId))!.error, 'the handler broke too');
  const original = (await runner.getJob(id))!;
  assert.equal(original.state, 'failed');
  assert.equal(original.error, 'refused URL: not http', 'the original failure is unchanged');
});

test('tasks without retry settings get defaults for network fetches: minutes apart, backoff, capped', async () => {
  const info = runner.tasks().find((t) => t.name === 'defaults')!;
  assert.deepEqual(info.retry, { retries: 2, delaySeconds: 30, backoff: true, maxDelaySeconds: 3600 });
  const id = await runner.enqueue('defaults', {});
  const job = (await runner.getJob(id))!;
  assert.deepEqual(
    [job.options.retryLimit, job.options.retryDelay, job.options.retryBackoff, job.options.retryDelayMax],
    [2, 30, true, 3600],
    'stored on the job',
  );
  const custom = await runner.enqueue('defaults', {}, { retries: 5 });
  assert.equal((await runner.getJob(custom))!.options.retryLimit, 5, 'the enqueue option overrides the task');
  assert.equal((await runner.getJob(custom))!.maxAttempts, 6);
});

test('an attempt that outlives its expiry is aborted through its signal, recorded as expired and retried', async () => {
  const id = await runner.enqueue('overrun', {});
  const failed = await waitForState(db, id, 'failed');
  assert.equal(failed.output.message, 'expired after 1s');
  const job = (await runner.getJob(id))!;
  assert.deepEqual(job.attempts.map((a) => [a.outcome, a.error]), [
    ['expired', 'expired after 1s'],
    ['expired', 'expired after 1s'],
  ]);
  assert.ok((await runner.getLog(id)).some((l) => l.text === 'aborted: job expired after 1s'), 'the handler saw the abort');
});

test('retryDelaySeconds spaces the retries of one job evenly, without the task\'s backoff', async () => {
  const windows: { min: number; max: number }[] = [];
  const off = runner.on('job:failed', (e) => {
    if (e.task !== 'flaky' || !e.willRetry || e.id !== id) return;
    void db
      .query(`SELECT j.start_after, a.started_at, a.finished_at FROM pgboss.job j JOIN ifqueue.job_attempt a ON a.job_id = j.id AND a.attempt = $2 WHERE j.id = $1`, [e.id, e.attempt])
      .then(({ rows }) => windows.push({ min: seconds(rows[0].start_after, rows[0].finished_at), max: seconds(rows[0].start_after, rows[0].started_at) }));
  });
  // the task backs off (1 s, then 2 s); the job asks for a fixed 1 s, as legacy's retry_minutes did
  const id = await runner.enqueue('flaky', { succeedOn: 3 }, { retries: 2, retryDelaySeconds: 1 });
  const done = await waitForState(db, id, ['completed', 'failed']);
  off();
  assert.equal(done.state, 'completed');
  const job = (await runner.getJob(id))!;
  assert.deepEqual([job.options.retryLimit, job.options.retryDelay, job.options.retryBackoff], [2, 1, false]);
  await waitFor('both retry delays recorded', () => windows.length === 2);
  for (const [i, w] of windows.entries()) assert.ok(w.max >= 0.99 && w.min <= 1.01, `retry ${i + 1} delay within [${w.min}, ${w.max}] s: 1 s, not doubled`);

  const long = await runner.enqueue('defaults', {}, { retries: 3, retryDelaySeconds: 2000 * 60 });
  const stored = (await runner.getJob(long))!;
  assert.deepEqual([stored.options.retryLimit, stored.options.retryDelay, stored.options.retryBackoff], [3, 120_000, false], 'legacy 3 retries, 2000 minutes apart');
  await runner.cancelJob(long);
  for (const bad of [-1, 1.5, Number.NaN]) {
    await assert.rejects(runner.enqueue('defaults', {}, { retryDelaySeconds: bad }), (e: Error) => e.name === 'UserError' && /retryDelaySeconds must be a non-negative integer/.test(e.message));
  }
});
