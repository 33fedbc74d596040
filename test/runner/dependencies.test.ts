// Dependencies on existing jobs: released on success, failed (with on-fail) when the dependency fails
// for good, is cancelled or deleted; chains; by name; unknown dependencies rejected at enqueue.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import type { OnFailArgs } from '../../src/runner/types.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, recordEvents, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let runner: Runner;
const ran: string[] = [];
const onFailCalls: OnFailArgs[] = [];

const step = defineTask({
  name: 'step',
  description: 'records its label; fails when asked',
  schema: z.object({ label: z.string(), fail: z.boolean().default(false) }),
  concurrency: 4,
  retry: { retries: 0, delaySeconds: 0, backoff: false },
  async handler({ label, fail }) {
    ran.push(label);
    if (fail) throw new Error(`${label} failed`);
  },
});

const recordFailure = defineTask({
  name: 'record-failure',
  description: 'on-fail handler',
  schema: z.object({ job: z.any(), error: z.any() }),
  async handler(args) {
    onFailCalls.push(args as OnFailArgs);
  },
});

before(async () => {
  db = await createTestDatabase('runner_dependencies');
  runners = new RunnerPool(db);
  runner = await runners.start([step, recordFailure]);
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

/** A parent that cannot start yet (one hour in the future), so the test decides what happens to it. */
const heldParent = (label: string) => runner.enqueue('step', { label }, { startAfter: 3600, name: label });

test('a dependent waits for its dependency and runs after it succeeded', async () => {
  const events = recordEvents(runner, ['job:released', 'job:retried']);
  const parent = await heldParent('parent-ok');
  const child = await runner.enqueue('step', { label: 'child-ok' }, { dependsOn: parent });
  const waiting = (await runner.getJob(child))!;
  assert.equal(waiting.dependsOn, parent);
  assert.equal(waiting.blocked, true);
  assert.deepEqual((await runner.getJob(parent))!.dependents, [child]);
  await runner.reconcile();
  assert.equal((await runner.getJob(child))!.state, 'created', 'still waiting while the parent waits');
  assert.ok(!ran.includes('child-ok'));
  await db.query(`UPDATE pgboss.job SET start_after = now() WHERE id = $1`, [parent]);
  await db.query(`SELECT pg_notify(left('pgboss_' || encode(sha224('pgboss'::bytea), 'hex'), 31), 'step')`);
  await waitForState(db, child, 'completed');
  assert.ok(ran.indexOf('parent-ok') < ran.indexOf('child-ok'), 'parent ran first');
  assert.equal((await runner.getJob(child))!.blocked, false);
  events.off();
  assert.deepEqual(
    events.seen.filter((e) => e.payload.ids.includes(child)).map((e) => [e.event, e.payload.task]),
    [['job:released', 'step']],
    'the release is announced as a release, not as a retry',
  );
});

test('a failed dependency fails the dependent with a clear reason and runs its onFail', async () => {
  const parent = await runner.enqueue('step', { label: 'parent-fail', fail: true }, { startAfter: 3600 });
  const child = await runner.enqueue('step', { label: 'child-of-failed' }, { dependsOn: parent, onFail: 'record-failure' });
  await db.query(`UPDATE pgboss.job SET start_after = now() WHERE id = $1`, [parent]);
  await runner.reconcile(); // no notification was sent for the raw update; the slow poll or a pass picks it up
  await waitForState(db, parent, 'failed');
  const failed = await waitForState(db, child, 'failed');
  assert.equal(failed.output.message, `dependency ${parent} failed`);
  assert.ok(!ran.includes('child-of-failed'), 'the dependent never ran');
  const call = await waitFor('the dependent’s onFail', () => onFailCalls.find((c) => c.job.id === child));
  assert.equal(call.error.message, `dependency ${parent} failed`);
  assert.equal((await runner.getJob(child))!.error, `dependency ${parent} failed`);
});

test('a cancelled dependency fails the dependent', async () => {
  const parent = await heldParent('parent-cancelled');
  const child = await runner.enqueue('step', { label: 'child-of-cancelled' }, { dependsOn: parent });
  assert.equal(await runner.cancelJob(parent), 1);
  const failed = await waitForState(db, child, 'failed');
  assert.equal(failed.output.message, `dependency ${parent} failed`);
});

test('a deleted dependency fails the dependent', async () => {
  const parent = await heldParent('parent-deleted');
  const child = await runner.enqueue('step', { label: 'child-of-deleted' }, { dependsOn: parent, onFail: 'record-failure' });
  assert.equal(await runner.deleteJob(parent), 1);
  const failed = await waitForState(db, child, 'failed');
  assert.equal(failed.output.message, `dependency ${parent} failed`);
  await waitFor('the onFail of the dependent', () => onFailCalls.find((c) => c.job.id === child));
});

test('a chain of three runs in order', async () => {
  const a = await heldParent('chain-a');
  const b = await runner.enqueue('step', { label: 'chain-b' }, { dependsOn: a });
  const c = await runner.enqueue('step', { label: 'chain-c' }, { dependsOn: b });
  await db.query(`UPDATE pgboss.job SET start_after = now() WHERE id = $1`, [a]);
  await runner.reconcile();
  await waitForState(db, c, 'completed');
  const order = ran.filter((l) => l.startsWith('chain-'));
  assert.deepEqual(order, ['chain-a', 'chain-b', 'chain-c']);
});

test('a failure cascades down a chain of three', async () => {
  const a = await heldParent('cascade-a');
  const b = await runner.enqueue('step', { label: 'cascade-b' }, { dependsOn: a });
  const c = await runner.enqueue('step', { label: 'cascade-c' }, { dependsOn: b, onFail: 'record-failure' });
  await runner.cancelJob(a);
  assert.equal((await waitForState(db, b, 'failed')).output.message, `dependency ${a} failed`);
  assert.equal((await waitForState(db, c, 'failed')).output.message, `dependency ${b} failed`);
  await waitFor('the onFail at the end of the chain', () => onFailCalls.find((x) => x.job.id === c));
  assert.ok(!ran.some((l) => l.startsWith('cascade-')));
});

test('dependsOn accepts a job name; a completed dependency does not hold the dependent', async () => {
  const parent = await runner.enqueue('step', { label: 'by-name-parent' }, { name: 'ImportGames(1)' });
  await waitForState(db, parent, 'completed');
  const child = await runner.enqueue('step', { label: 'by-name-child' }, { dependsOn: 'ImportGames(1)' });
  assert.equal((await runner.getJob(child))!.dependsOn, parent);
  await waitForState(db, child, 'completed');
});

test('an unknown dependency is rejected at enqueue', async () => {
  await assert.rejects(runner.enqueue('step', { label: 'orphan' }, { dependsOn: 'NoSuchJob(9)' }), /dependency NoSuchJob\(9\) not found/);
  await assert.rejects(
    runner.enqueue('step', { label: 'orphan' }, { dependsOn: '00000000-0000-4000-8000-000000000000' }),
    /dependency 00000000-0000-4000-8000-000000000000 not found/,
  );
  assert.equal(await runner.countJobs({ search: 'orphan' }), 0, 'nothing was enqueued');
});
