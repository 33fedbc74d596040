// Events travel through PostgreSQL: a runner in this process (work: false) sees what a runner in a
// child process does — jobs it creates, starts, completes and fails, and the runner coming and going.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crashTasks } from '../fixtures/runner/tasks.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { ChildRunners, RunnerPool, recordEvents, waitFor } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
const children = new ChildRunners();

before(async () => {
  db = await createTestDatabase('runner_events');
  runners = new RunnerPool(db);
});

after(async () => {
  children.killAll();
  await runners.stopAll();
  await db.drop();
});

test('a watching runner sees job and runner events from a runner in another process', async () => {
  const watcher = await runners.start(crashTasks(), { work: false });
  const events = recordEvents(watcher, ['job:created', 'job:started', 'job:completed', 'job:failed', 'job:progress', 'runner:up', 'runner:down']);
  const child = await children.start(db);
  await waitFor('runner:up from the child', () => events.seen.find((e) => e.event === 'runner:up' && e.payload.id === child.runnerId));

  const parent = await watcher.enqueue('note', { followUp: true });
  const done = await waitFor('the parent job to complete', async () => (await watcher.getJob(parent))?.state === 'completed' && (await watcher.getJob(parent))!.output);
  const followUp = (done as { followUp: string }).followUp;
  const failing = await watcher.enqueue('boom', {});

  const find = (event: string, id: string) => events.seen.find((e) => e.event === event && (e.payload as { id: string }).id === id);
  await waitFor('events of the follow-up job', () => find('job:completed', followUp));
  await waitFor('the failure event', () => find('job:failed', failing));

  const created = find('job:created', followUp)!.payload;
  assert.deepEqual(created, { id: followUp, task: 'note', name: 'follow-up' }, 'created inside the child process');
  const started = find('job:started', parent)!.payload;
  assert.deepEqual(started, { id: parent, task: 'note', attempt: 1, runnerId: child.runnerId });
  const completed = find('job:completed', followUp)!.payload as { attempt: number; durationMs: number };
  assert.equal(completed.attempt, 1);
  assert.ok(completed.durationMs >= 0);
  const failed = find('job:failed', failing)!.payload;
  assert.deepEqual(failed, { id: failing, task: 'boom', attempt: 1, error: 'boom from the child', willRetry: false });
  await waitFor('progress of the parent job', () => find('job:progress', parent));
  assert.deepEqual(find('job:progress', parent)!.payload, { id: parent, task: 'note', progress: { label: 'noting', current: 1, total: 1 } });
  const order = events.seen.filter((e) => (e.payload as { id?: string }).id === followUp && e.event !== 'job:progress').map((e) => e.event);
  assert.deepEqual(order, ['job:created', 'job:started', 'job:completed']);

  child.kill('SIGTERM');
  assert.equal((await child.exited).code, 0);
  await waitFor('runner:down from the child', () => events.seen.find((e) => e.event === 'runner:down' && e.payload.id === child.runnerId));
  const down = events.seen.find((e) => e.event === 'runner:down')!.payload as { reason: string };
  assert.equal(down.reason, 'stopped');
  events.off();
});
