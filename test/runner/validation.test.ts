// Bad input: arguments and options rejected at enqueue with a message naming the field, unknown tasks
// rejected, and jobs whose stored arguments are malformed failing cleanly without hurting the runner.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { UserError } from '../../src/runner/errors.ts';
import { defineTask } from '../../src/runner/task.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let runner: Runner;
let handled = 0;

const strict = defineTask({
  name: 'strict',
  description: 'strict arguments',
  schema: z.object({ url: z.url(), count: z.number().int(), options: z.object({ depth: z.number() }).default({ depth: 1 }) }).strict(),
  retry: { retries: 3, delaySeconds: 0, backoff: false },
  async handler() {
    handled++;
    return { ok: true };
  },
});

const throwsOddly = defineTask({
  name: 'throws-oddly',
  description: 'throws things that are not errors',
  schema: z.object({ what: z.enum(['string', 'undefined', 'sync']) }),
  retry: { retries: 0, delaySeconds: 0, backoff: false },
  handler({ what }) {
    if (what === 'sync') throw new TypeError('thrown before any await');
    return Promise.reject(what === 'string' ? 'a bare string' : undefined);
  },
});

before(async () => {
  db = await createTestDatabase('runner_validation');
  runners = new RunnerPool(db);
  runner = await runners.start([strict, throwsOddly]);
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

test('invalid arguments are rejected at enqueue with a one-line message naming the field', async () => {
  const attempt = (args: unknown) => runner.enqueue('strict', args);
  await assert.rejects(attempt({ url: 'not a url', count: 1 }), (e: Error) => e instanceof UserError && /^invalid arguments for strict: url: /.test(e.message));
  await assert.rejects(attempt({ url: 'https://example.org/', count: 1.5 }), /count: .*expected int/);
  await assert.rejects(attempt({ url: 'https://example.org/', count: 1, options: { depth: 'deep' } }), /options\.depth: /);
  await assert.rejects(attempt({ url: 'https://example.org/', count: 1, extra: true }), /extra/);
  await assert.rejects(attempt({}), (e: Error) => /url: /.test(e.message) && /count: /.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(attempt('just a string'), /invalid arguments for strict: \(arguments\): /);
  assert.equal(await runner.countJobs({ task: 'strict' }), 0, 'nothing was enqueued');
});

test('invalid options and unknown tasks are rejected at enqueue', async () => {
  const good = { url: 'https://example.org/', count: 1 };
  await assert.rejects(runner.enqueue('no-such-task', {}), (e: Error) => e instanceof UserError && /unknown task "no-such-task"; known tasks: strict, throws-oddly/.test(e.message));
  await assert.rejects(runner.enqueue('strict', good, { priority: 1.5 }), /priority must be an integer/);
  await assert.rejects(runner.enqueue('strict', good, { retries: -1 }), /retries must be a non-negative integer/);
  await assert.rejects(runner.enqueue('strict', good, { startAfter: new Date('nonsense') }), /startAfter is not a valid date/);
  await assert.rejects(runner.enqueue('strict', good, { onFail: 'no-such-handler' }), /unknown task "no-such-handler"/);
  await assert.rejects(runner.enqueue('strict', good, { name: 'n'.repeat(256) }), /name must be a string of at most 255 characters/);
  assert.equal(await runner.countJobs({ task: 'strict' }), 0);
  const id = await runner.enqueue('strict', good);
  assert.deepEqual((await runner.getJob(id))!.args, { ...good, options: { depth: 1 } }, 'defaults are filled at enqueue');
  await waitForState(db, id, 'completed');
});

test('a job whose stored arguments are malformed fails with a clear error and the runner goes on', async () => {
  const boss = new PgBoss({ connectionString: db.url, schema: 'pgboss', supervise: false, schedule: false, migrate: false });
  boss.on('error', () => {});
  await boss.start();
  let bad: string | null;
  try {
    bad = await boss.send('strict', { url: 42 });
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
  assert.ok(bad);
  const failed = await waitForState(db, bad, 'failed');
  assert.match(failed.output.message, /^invalid arguments for strict: url: /);
  const job = (await runner.getJob(bad))!;
  assert.equal(job.attempts.length, 1, 'not retried: retrying cannot fix its arguments');
  assert.ok((await runner.getLog(bad)).some((l) => l.level === 'error' && /failed permanently: invalid arguments for strict/.test(l.text)));
  const before = handled;
  const good = await runner.enqueue('strict', { url: 'https://example.org/', count: 2 });
  await waitForState(db, good, 'completed');
  assert.equal(handled, before + 1, 'the runner still runs jobs');
});

test('handlers that throw non-errors or throw synchronously fail their job, not the runner', async () => {
  const ids = {
    string: await runner.enqueue('throws-oddly', { what: 'string' }),
    undefined: await runner.enqueue('throws-oddly', { what: 'undefined' }),
    sync: await runner.enqueue('throws-oddly', { what: 'sync' }),
  };
  assert.equal((await waitForState(db, ids.string, 'failed')).output.message, 'a bare string');
  assert.ok((await waitForState(db, ids.undefined, 'failed')).output.message, 'some message even for undefined');
  assert.equal((await waitForState(db, ids.sync, 'failed')).output.message, 'thrown before any await');
  const good = await runner.enqueue('strict', { url: 'https://example.org/', count: 3 });
  await waitForState(db, good, 'completed');
});
