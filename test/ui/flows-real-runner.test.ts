// The dashboard's actions that change data, driven by keys against a real Runner on a test database
// (not the fake): each checks the rows it changed and the rows it had to leave alone.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Runner } from '../../src/runner/runner.ts';
import { demoTasks } from '../../src/tasks/demo/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitFor, waitForState } from '../runner/support.ts';
import { mount, KEY, type Harness } from './harness.ts';

let db: TestDatabase;
let runners: RunnerPool;
let runner: Runner;

before(async () => {
  db = await createTestDatabase('ui_real_runner');
  runners = new RunnerPool(db);
  // no retention sweep (it would take the backdated jobs of the cleanup test before the dashboard can)
  runner = await runners.start(demoTasks, { retentionDays: 36_500 });
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

const jobRow = async (id: string) =>
  (await db.query(`SELECT j.state, j.data, j.priority, j.retry_count, m.name FROM pgboss.job j LEFT JOIN ifqueue.job_meta m ON m.job_id = j.id WHERE j.id = $1`, [id])).rows[0];
const attempts = async (id: string) => (await db.query(`SELECT attempt, outcome FROM ifqueue.job_attempt WHERE job_id = $1 ORDER BY attempt`, [id])).rows;

async function openQueue(h: Harness<Runner>, task: string): Promise<void> {
  await h.waitFor('● live');
  const index = h.store.getState().snapshot!.queues.findIndex((q) => q.task === task);
  assert.ok(index >= 0, `${task} is listed`);
  await h.press('g', ...Array(index).fill('j'), KEY.enter);
  await h.waitFor(`ifqueue › ${task}`);
}

/** Moves the selection on the job list to the row whose name is `name`. */
async function select(h: Harness<Runner>, name: string): Promise<void> {
  await waitFor(`${name} in the list`, () => h.store.getState().jobList.rows.some((r) => r.name === name));
  const index = h.store.getState().jobList.rows.findIndex((r) => r.name === name);
  await h.press('g', ...Array(index).fill('j'));
  await waitFor(`${name} selected`, () => h.store.getState().jobList.rows[h.store.getState().jobList.index]?.name === name);
}

describe('dashboard actions against a real runner', () => {
  let h: Harness<Runner> | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('n: the new-job form enqueues a job with its arguments, name and priority', async () => {
    await runner.pauseQueue('demo-sleep'); // so the job stays waiting to be looked at
    try {
      h = mount({ api: runner });
      await h.waitFor('● live');
      await h.press('n');
      await h.waitFor('─ New job');
      await waitFor('the form on demo-sleep', () => /task\s+demo-sleep/.test(h!.frame()));
      await h.press(KEY.ctrlU);
      await h.type('{"seconds":7}');
      await h.waitFor('✓ looks valid');
      await h.press(KEY.tab);
      await h.type('form nap');
      await h.press(KEY.tab);
      await h.type('5');
      await h.press(KEY.enter);
      await h.waitFor('✓ Enqueued demo-sleep job');
      const { rows } = await db.query(`SELECT job_id FROM ifqueue.job_meta WHERE name = 'form nap'`);
      assert.equal(rows.length, 1, 'one job with that name');
      const job = await runner.getJob(rows[0].job_id);
      assert.deepEqual(job?.args, { seconds: 7 });
      assert.equal(job?.priority, 5);
      assert.equal(job?.state, 'created');
      assert.equal(job?.task, 'demo-sleep');
      await runner.cancelJob(rows[0].job_id);
    } finally {
      await runner.resumeQueue('demo-sleep');
    }
  });

  test('/ and R: a filtered bulk retry runs the matching failed jobs again and leaves the others failed', async () => {
    const ids = {
      a1: await runner.enqueue('demo-fail', { message: 'bulk one' }, { name: 'bulk-a-1' }),
      a2: await runner.enqueue('demo-fail', { message: 'bulk two' }, { name: 'bulk-a-2' }),
      b1: await runner.enqueue('demo-fail', { message: 'bulk three' }, { name: 'bulk-b-1' }),
    };
    for (const id of Object.values(ids)) await waitForState(db, id, 'failed');
    h = mount({ api: runner });
    await openQueue(h, 'demo-fail');
    await h.press('5');
    await h.waitFor('showing 1–3 of 3');
    await h.press('/');
    await h.type('bulk-a');
    await h.press(KEY.enter);
    let f = await h.waitFor('showing 1–2 of 2');
    assert.doesNotMatch(f, /bulk-b-1/);
    await h.press('R');
    await h.waitFor('Retry 2 failed jobs in demo-fail matching "bulk-a"?');
    await h.press(KEY.enter);
    await h.waitFor('✓ Retried 2 failed jobs in demo-fail matching "bulk-a"');
    for (const id of [ids.a1, ids.a2]) {
      await waitFor('a second attempt, failed again', async () => (await attempts(id)).map((a) => a.outcome).join() === 'failed,failed');
      await waitForState(db, id, 'failed');
    }
    // the retry was one statement, already committed: what it left alone stays as it was
    assert.deepEqual((await attempts(ids.b1)).map((a) => a.outcome), ['failed']);
    assert.equal((await jobRow(ids.b1)).state, 'failed');
    // Esc while editing the filter clears it
    await h.press('/', KEY.escape);
    f = await h.waitFor('showing 1–3 of 3');
    assert.match(f, /filter: —/);
  });

  test('d refuses a running job (the runner would not delete it); x cancels it; d then deletes it with its attempts and log', async () => {
    const id = await runner.enqueue('demo-sleep', { seconds: 600 }, { name: 'long-running' });
    await waitForState(db, id, 'active');
    await waitFor('its first log line', async () => (await db.query(`SELECT 1 FROM ifqueue.job_log WHERE job_id = $1`, [id])).rows.length > 0);
    h = mount({ api: runner });
    await openQueue(h, 'demo-sleep');
    await h.press('3');
    await select(h, 'long-running');
    await h.press('d');
    await h.waitFor(/Job .* \(long-running\) is running: cancel it first \(x\), then delete it/);
    assert.equal(h.store.getState().dialog, null, 'nothing to confirm');
    assert.equal((await jobRow(id)).state, 'active', 'the running job is untouched');

    await h.press('x');
    await h.waitFor('✓ Cancelled job');
    await waitForState(db, id, 'cancelled');
    await waitFor('the attempt to end as cancelled', async () => (await attempts(id)).at(-1)?.outcome === 'cancelled');

    await h.press('7');
    await select(h, 'long-running');
    await h.press('d');
    await h.waitFor('Delete job');
    await h.press(KEY.enter);
    await h.waitFor('✓ Deleted job');
    assert.equal(await jobRow(id), undefined, 'the job row is gone');
    assert.deepEqual(await attempts(id), [], 'its attempts are gone');
    assert.equal((await db.query(`SELECT count(*)::int AS n FROM ifqueue.job_log WHERE job_id = $1`, [id])).rows[0].n, 0, 'its log is gone');
    assert.equal((await db.query(`SELECT count(*)::int AS n FROM ifqueue.job_meta WHERE job_id = $1`, [id])).rows[0].n, 0, 'its name and options are gone');
  });

  test('c opens the cleanup form (IFQUEUE_RETENTION_DAYS), counts, and Enter deletes only the finished jobs older than that; failed ones only when asked', async () => {
    const old = [await runner.enqueue('demo-noop', {}, { name: 'old-done' }), await runner.enqueue('demo-log-burst', { lines: 2 }, { name: 'old-done-2' })];
    const recent = await runner.enqueue('demo-noop', {}, { name: 'recent-done' });
    const oldFailed = await runner.enqueue('demo-fail', { message: 'old failure' }, { name: 'old-failed' });
    for (const id of [...old, recent]) await waitForState(db, id, 'completed');
    await waitForState(db, oldFailed, 'failed');
    await db.query(`UPDATE pgboss.job SET completed_on = now() - interval '30 days' WHERE id = ANY($1::uuid[])`, [[...old, oldFailed]]);
    const total = async () => (await db.query(`SELECT count(*)::int AS n FROM pgboss.job`)).rows[0].n;
    const before = await total();

    h = mount({ api: runner, retentionDays: 20 });
    await h.waitFor('● live');
    await h.press('c');
    await h.waitFor('─ Cleanup all queues');
    await h.press(KEY.enter);
    const f = await h.waitFor('Delete 2 jobs in all queues finished more than 20 days ago?');
    assert.match(f, /Completed 2, cancelled 0\./);
    assert.equal(await total(), before, 'the preview deleted nothing');
    await h.press(KEY.enter);
    await h.waitFor('✓ Cleanup deleted 2 jobs in all queues (older than 20 days)');
    for (const id of old) assert.equal(await jobRow(id), undefined, 'an old finished job is gone');
    assert.equal((await jobRow(recent)).state, 'completed', 'a recent one stays');
    assert.equal((await jobRow(oldFailed)).state, 'failed', 'failed jobs stay (cleanup without --failed)');
    assert.equal(await total(), before - 2);

    // Failed jobs go only when the form says so.
    await h.press('c', KEY.tab, ' ');
    await h.waitFor('[x] yes');
    await h.press(KEY.enter);
    await h.waitFor('Delete 1 job in all queues finished more than 20 days ago?');
    await h.press(KEY.enter);
    await h.waitFor('✓ Cleanup deleted 1 job in all queues (older than 20 days)');
    assert.equal(await jobRow(oldFailed), undefined, 'the old failed job is gone');
    assert.equal((await jobRow(recent)).state, 'completed');
  });

  test('p pauses the selected queue in the database and p again resumes it; a job queued meanwhile runs after the resume', async () => {
    h = mount({ api: runner });
    await h.waitFor('● live');
    const index = h.store.getState().snapshot!.queues.findIndex((q) => q.task === 'demo-log-burst');
    await h.press('g', ...Array(index).fill('j'));
    await h.press('p');
    await h.waitFor('✓ Paused queue demo-log-burst');
    await h.waitFor('‖ paused');
    const paused = async () => (await db.query(`SELECT paused FROM ifqueue.queue_state WHERE task = 'demo-log-burst'`)).rows[0]?.paused;
    assert.equal(await paused(), true);
    const queued = await runner.enqueue('demo-log-burst', { lines: 1 }, { name: 'while-paused' });
    // a job of another queue, enqueued after it, completing: the runner has seen the pause by then
    const witness = await runner.enqueue('demo-noop', {}, { name: 'witness' });
    await waitForState(db, witness, 'completed');
    assert.equal((await jobRow(queued)).state, 'created', 'nothing starts on a paused queue');
    await h.press('p');
    await h.waitFor('✓ Resumed queue demo-log-burst');
    assert.equal(await paused(), false);
    await waitForState(db, queued, 'completed');
  });

  test('the schedule editor saves a schedule to the database; edit, pause, run now and delete change that row', async () => {
    h = mount({ api: runner });
    await h.waitFor('● live');
    await h.press('s', 'a');
    await h.waitFor('─ Add schedule');
    await h.press(KEY.right);
    await h.waitFor('‹ demo-fail ›');
    await h.press(KEY.tab, KEY.ctrlU);
    await h.type('*/15 * * * *');
    await h.waitFor('✓ next');
    await h.press(KEY.tab, KEY.tab, KEY.ctrlU);
    await h.type('{"message":"nightly"}');
    await h.press(KEY.enter);
    await h.waitFor('✓ Saved schedule demo-fail');
    const row = async () => (await db.query(`SELECT id, cron, args, paused, last_job_id FROM ifqueue.schedule WHERE task = 'demo-fail'`)).rows;
    let rows = await row();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].cron, '*/15 * * * *');
    assert.deepEqual(rows[0].args, { message: 'nightly' });
    assert.equal(rows[0].paused, false);

    await waitFor('the schedule listed', () => h!.store.getState().snapshot?.schedules.some((s) => s.task === 'demo-fail'));
    const index = h.store.getState().snapshot!.schedules.findIndex((s) => s.task === 'demo-fail');
    await h.press('g', ...Array(index).fill('j'), KEY.enter);
    await h.waitFor('─ Edit schedule');
    await h.press(KEY.ctrlU);
    await h.type('0 3 * * *');
    await h.waitFor(/✓ next .*03:00/);
    await h.press(KEY.enter);
    await waitFor('the form to close', () => h!.store.getState().dialog === null);
    await h.waitFor('✓ Saved schedule demo-fail');
    rows = await row();
    assert.equal(rows.length, 1, 'edited in place');
    assert.equal(rows[0].cron, '0 3 * * *');

    await h.press('p');
    await h.waitFor('✓ Paused schedule demo-fail');
    assert.equal((await row())[0].paused, true);
    await h.press('r');
    await h.waitFor('✓ Started demo-fail now as job');
    rows = await row();
    assert.ok(rows[0].last_job_id, 'the run is recorded on the schedule');
    assert.deepEqual((await jobRow(rows[0].last_job_id)).data, { message: 'nightly' }, 'the job has the schedule’s arguments');
    await h.press('d');
    await h.waitFor('Delete schedule demo-fail');
    await h.press(KEY.enter);
    await h.waitFor('✓ Deleted schedule demo-fail');
    assert.deepEqual(await row(), []);
  });
});
