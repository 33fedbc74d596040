// Runner processes that die or are stopped: SIGKILL mid-job (another runner completes the job),
// SIGTERM (the running job finishes, exit 0), and the shutdown timeout (the job goes back to the
// queue without losing an attempt).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { crashTasks } from '../fixtures/runner/tasks.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { ChildRunners, RunnerPool, recordEvents, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
const children = new ChildRunners();

before(async () => {
  db = await createTestDatabase('runner_crash');
  runners = new RunnerPool(db);
  // create the schemas once so the children start quickly
  await (await runners.start(crashTasks(), { work: false })).stop();
});

after(async () => {
  children.killAll();
  await runners.stopAll();
  await db.drop();
});

const attemptOf = async (id: string, attempt: number) =>
  (await db.query(`SELECT * FROM ifqueue.job_attempt WHERE job_id = $1 AND attempt = $2`, [id, attempt])).rows[0];

test('a runner killed with SIGKILL mid-job: another runner detects it and completes the job', async () => {
  const client = await runners.start(crashTasks(), { work: false });
  const child = await children.start(db, { IFQ_HOLD_SECONDS: '600' });
  const events = recordEvents(client, ['runner:down']);
  const id = await client.enqueue('hold', {});
  await waitFor('the child to start the job', async () => (await attemptOf(id, 1))?.runner_id === child.runnerId);
  await waitFor('its first log line', async () => (await client.getLog(id)).some((l) => l.text === `started attempt 1 in pid ${child.pid}`));
  child.kill('SIGKILL');
  assert.equal((await child.exited).signal, 'SIGKILL');
  assert.equal((await client.getJob(id))!.state, 'active', 'the dead runner left the job active');
  // a survivor whose `hold` finishes at once; `hold` retries after 600 s, which a lost attempt skips
  const survivor = await runners.start(crashTasks({ holdSeconds: 0 }));
  const done = await waitForState(db, id, 'completed', { timeoutMs: 20_000 });
  assert.deepEqual(done.output, { pid: process.pid }, 'completed by the surviving runner');
  const job = (await client.getJob(id))!;
  assert.equal(job.attempts.length, 2);
  assert.equal(job.attempts[0].outcome, 'lost');
  assert.match(job.attempts[0].error!, new RegExp(`pid ${child.pid} was lost while running this job \\(its connection to PostgreSQL ended\\)`));
  assert.equal(job.attempts[0].pid, child.pid);
  assert.equal(job.attempts[1].outcome, 'completed');
  assert.equal(job.attempts[1].runnerId, survivor.id);
  await waitFor('runner:down (lost) for the child', () => events.seen.find((e) => e.payload.id === child.runnerId && e.payload.reason === 'lost'));
  const gone = (await client.snapshot()).runners.find((r) => r.id === child.runnerId);
  assert.equal(gone?.alive, false, 'the dead runner is shown as gone');
  events.off();
  await survivor.stop();
});

test('SIGTERM lets the running job finish, then the process exits 0', async () => {
  const client = await runners.start(crashTasks(), { work: false });
  const child = await children.start(db);
  const id = await client.enqueue('hold', { seconds: 2 });
  await waitFor('the child to start the job', async () => (await attemptOf(id, 1))?.runner_id === child.runnerId);
  assert.equal((await client.getJob(id))!.state, 'active');
  child.kill('SIGTERM');
  const exit = await child.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.match(child.output(), /stopping with 1 running[\s\S]*stopped/);
  const job = (await client.getJob(id))!;
  assert.equal(job.state, 'completed', 'the job finished before the process exited');
  assert.deepEqual(job.attempts.map((a) => [a.outcome, a.runnerId]), [['completed', child.runnerId]]);
  const self = (await client.snapshot()).runners.find((r) => r.id === child.runnerId);
  assert.equal(self?.alive, false, 'the stopped runner is shown as gone');
});

test('after the shutdown timeout a running job is returned to the queue without losing an attempt', async () => {
  const client = await runners.start(crashTasks(), { work: false });
  const child = await children.start(db, { IFQ_HOLD_SECONDS: '600', IFQ_SHUTDOWN_MS: '500' });
  const id = await client.enqueue('hold', {});
  await waitFor('the child to start the job', async () => (await attemptOf(id, 1))?.runner_id === child.runnerId);
  child.kill('SIGTERM');
  assert.deepEqual(await child.exited, { code: 0, signal: null });
  const returned = (await client.getJob(id))!;
  assert.equal(returned.state, 'created', 'back in the queue');
  assert.equal(returned.attempt, 0, 'the aborted attempt does not count');
  assert.equal(returned.maxAttempts, 3);
  assert.equal(returned.attempts[0].outcome, 'returned');
  assert.ok((await client.getLog(id)).some((l) => /returned to the queue \(this attempt is not counted\)/.test(l.text)));
  const survivor = await runners.start(crashTasks({ holdSeconds: 0 }));
  const done = await waitForState(db, id, 'completed');
  assert.equal(done.retry_count, 0, 'completed on its first counted attempt');
  const job = (await client.getJob(id))!;
  assert.deepEqual(job.attempts.map((a) => [a.attempt, a.outcome, a.runnerId]), [[1, 'completed', survivor.id]]);
  await survivor.stop();
});
