// Schedules: one fire per tick with two runners, missed ticks fire once, pause/resume, validation,
// a failing fire never ends the schedule, previews, and the default schedules.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { DEFAULT_SCHEDULES } from '../../src/tasks/index.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, recordEvents, waitFor } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let client: Runner;

const tick = defineTask({ name: 'tick', description: 'scheduled no-op', schema: z.object({ tag: z.string().default('') }), concurrency: 4, async handler() {} });
const tock = defineTask({ name: 'tock', description: 'another scheduled no-op', schema: z.object({}), async handler() {} });
const failing = defineTask({
  name: 'failing',
  description: 'a scheduled job that always fails',
  schema: z.object({}),
  concurrency: 4,
  retry: { retries: 0, delaySeconds: 0, backoff: false },
  async handler() {
    throw new Error('scheduled failure');
  },
});
const importGames = defineTask({ name: 'import-games', description: 'stand-in', schema: z.object({}), async handler() {} });
const fetchFeeds = defineTask({ name: 'fetch-feeds', description: 'stand-in', schema: z.object({}), async handler() {} });
const tasks = [tick, tock, failing, importGames, fetchFeeds];

before(async () => {
  db = await createTestDatabase('runner_schedules');
  runners = new RunnerPool(db);
  client = await runners.start(tasks, { work: false });
  // Every claimed tick (the next_fire_at a scheduler moved forward) is logged by a trigger.
  await db.query(`
    CREATE TABLE fired (schedule_id uuid, tick timestamptz, at timestamptz DEFAULT clock_timestamp());
    CREATE FUNCTION log_fire() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.next_fire_at IS NOT NULL AND NEW.last_fire_at IS DISTINCT FROM OLD.last_fire_at THEN
        INSERT INTO fired (schedule_id, tick) VALUES (NEW.id, OLD.next_fire_at);
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER log_fire AFTER UPDATE ON ifqueue.schedule FOR EACH ROW EXECUTE FUNCTION log_fire();
  `);
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

const jobCount = async (task: string) => (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1`, [task])).rows[0].n as number;

test('a one-second schedule fires once per tick with two runners on the database', async () => {
  const a = await runners.start(tasks, { queues: ['tick'] });
  const b = await runners.start(tasks, { queues: ['tick'] });
  const fired: string[] = [];
  const offs = [a, b].map((r) => r.on('schedule:fired', (e) => e.task === 'tick' && fired.push(e.jobId)));
  const s = await client.setSchedule({ task: 'tick', cron: '* * * * * *', args: { tag: 'every-second' } });
  await waitFor('five fires', async () => (await jobCount('tick')) >= 5);
  await client.pauseSchedule(s.id);
  offs.forEach((f) => f());
  const ticks = (await db.query(`SELECT tick, count(*)::int AS n FROM fired WHERE schedule_id = $1 GROUP BY tick ORDER BY tick`, [s.id])).rows;
  const jobs = await jobCount('tick');
  assert.ok(ticks.length >= 5);
  assert.deepEqual(ticks.filter((t) => t.n !== 1), [], 'no tick was claimed twice');
  assert.equal(jobs, ticks.length, 'one job per claimed tick');
  for (const t of ticks) assert.equal(new Date(t.tick).getMilliseconds(), 0, 'ticks are whole seconds');
  const { rows } = await db.query(`SELECT data, m.name FROM pgboss.job j JOIN ifqueue.job_meta m ON m.job_id = j.id WHERE j.name = 'tick'`);
  assert.ok(rows.every((r) => r.data.tag === 'every-second' && r.name === 'tick@schedule'), 'each fire is its own job with the schedule’s args');
  await waitFor('both runners to hear the fires', () => new Set(fired).size >= 5);
  const schedule = (await client.listSchedules()).find((x) => x.id === s.id)!;
  assert.ok(schedule.lastJobId && schedule.lastRunAt);
  await a.stop();
  await b.stop();
});

test('missed ticks fire once when a runner comes back', async () => {
  const s = await client.setSchedule({ task: 'tock', cron: '* * * * *' });
  // as left by runners that went down ten minutes ago (microsecond precision, as SQL writes it)
  await db.query(`UPDATE ifqueue.schedule SET next_fire_at = now() - interval '10 minutes 0.123456 seconds' WHERE id = $1`, [s.id]);
  const runner = await runners.start(tasks, { queues: ['tock'] });
  const { rows } = await waitFor('the catch-up fire', async () => {
    const r = await db.query(`SELECT next_fire_at FROM ifqueue.schedule WHERE id = $1 AND next_fire_at > now()`, [s.id]);
    return r.rowCount ? r : null;
  });
  const next: Date = rows[0].next_fire_at;
  const before = (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'tock' AND created_on < $1`, [next])).rows[0].n;
  assert.equal(before, 1, 'ten missed ticks produce one job');
  assert.ok(next.getTime() - Date.now() <= 60_000, 'then the schedule goes on from now');
  await client.pauseSchedule(s.id);
  await runner.stop();
});

test('a paused schedule does not fire; resumed, it fires again; a failing fire does not end it', async () => {
  const runner = await runners.start(tasks, { queues: ['tick', 'failing'] });
  const failingSchedule = await client.setSchedule({ task: 'failing', cron: '* * * * * *' });
  const paused = await client.setSchedule({ task: 'tick', key: 'paused', cron: '* * * * * *', paused: true });
  assert.equal(paused.paused, true);
  assert.deepEqual(paused.nextRuns, [], 'a paused schedule has no next fire');
  const tickJobs = await jobCount('tick');
  // the failing schedule is the witness that the scheduler keeps ticking
  await waitFor('three failed fires', async () => (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'failing' AND state = 'failed'`)).rows[0].n >= 3);
  assert.equal(await jobCount('tick'), tickJobs, 'the paused schedule did not fire');
  const failingInfo = (await client.listSchedules()).find((x) => x.id === failingSchedule.id)!;
  assert.equal(failingInfo.paused, false, 'failed fires did not pause or end the schedule');
  assert.equal(failingInfo.nextRuns.length, 5);
  await client.resumeSchedule(paused.id);
  await waitFor('the resumed schedule to fire', async () => (await jobCount('tick')) > tickJobs);
  await client.pauseSchedule(paused.id);
  await client.pauseSchedule(failingSchedule.id);
  await runner.stop();
});

test('a schedule can be edited, fired by hand and deleted', async () => {
  const first = await client.setSchedule({ task: 'tock', key: 'edit', cron: '0 3 * * *' });
  assert.match(first.nextRuns[0], /T03:00:00\.000Z$/);
  const edited = await client.setSchedule({ task: 'tock', key: 'edit', cron: '30 4 * * *', tz: 'Europe/London' });
  assert.equal(edited.id, first.id, 'same schedule');
  assert.deepEqual([edited.cron, edited.tz], ['30 4 * * *', 'Europe/London']);
  assert.match(edited.nextRuns[0], /T0[34]:30:00\.000Z$/);
  const fired = recordEvents(client, ['schedule:fired']);
  const jobId = await client.runScheduleNow(first.id);
  assert.equal((await client.getJob(jobId))!.name, 'tock@schedule');
  await waitFor('schedule:fired', () => fired.seen.find((e) => e.payload.jobId === jobId));
  fired.off();
  assert.equal((await client.listSchedules()).find((x) => x.id === first.id)!.lastJobId, jobId);
  assert.equal(await client.deleteSchedule(first.id), 1);
  assert.equal((await client.listSchedules()).find((x) => x.id === first.id), undefined);
  assert.equal(await client.deleteSchedule(first.id), 0);
  await assert.rejects(client.pauseSchedule(first.id), /unknown schedule/);
});

test('invalid schedules are rejected with a one-line reason', async () => {
  await assert.rejects(client.setSchedule({ task: 'tick', cron: '61 * * * *' }), (e: Error) => /invalid schedule "61 \* \* \* \*": .*minute/.test(e.message) && !e.message.includes('\n'));
  await assert.rejects(client.setSchedule({ task: 'tick', cron: 'every day' }), /invalid schedule/);
  await assert.rejects(client.setSchedule({ task: 'tick', cron: '0 * * * *', tz: 'Mars/Olympus' }), /unknown time zone/);
  await assert.rejects(client.setSchedule({ task: 'no-such-task', cron: '0 * * * *' }), /unknown task "no-such-task"/);
  await assert.rejects(client.setSchedule({ task: 'tick', cron: '0 * * * *', args: { tag: 42 } }), /tag/);
  assert.equal((await client.listSchedules()).filter((s) => s.cron === '61 * * * *' || s.cron === 'every day').length, 0);
});

test('previewCron lists the next fire times in UTC or a time zone, and explains bad expressions', async () => {
  const from = Date.now();
  const half = client.previewCron('*/30 * * * *', 'UTC', 3);
  assert.ok(half.ok);
  assert.equal(half.next.length, 3);
  for (const t of half.next) assert.match(t, /T\d\d:(00|30):00\.000Z$/);
  assert.ok(new Date(half.next[0]).getTime() > from && new Date(half.next[0]).getTime() - from <= 30 * 60_000);
  const seconds = client.previewCron('* * * * * *', 'UTC', 2);
  assert.ok(seconds.ok);
  assert.equal(new Date(seconds.next[1]).getTime() - new Date(seconds.next[0]).getTime(), 1000);
  const noon = client.previewCron('0 12 * * *', 'Asia/Kolkata', 1);
  assert.ok(noon.ok);
  assert.match(noon.next[0], /T06:30:00\.000Z$/, 'noon in India is 06:30 UTC');
  const bad = client.previewCron('0 25 * * *');
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.error : '', /hour/);
});

test('default schedules: import every 6 h and feeds every 30 min in UTC, created once per database', async () => {
  assert.deepEqual(
    DEFAULT_SCHEDULES.map((s) => [s.task, s.cron, s.tz]),
    [
      ['import-games', '0 */6 * * *', 'UTC'],
      ['fetch-feeds', '*/30 * * * *', 'UTC'],
    ],
  );
  const fresh = await createTestDatabase('runner_default_schedules');
  const pool = new RunnerPool(fresh);
  try {
    const first = await pool.start(tasks, { work: false, defaultSchedules: [DEFAULT_SCHEDULES[0], { ...DEFAULT_SCHEDULES[1], paused: true }] });
    const created = await first.listSchedules();
    assert.deepEqual(
      created.map((s) => [s.task, s.cron, s.tz, s.paused]),
      [
        ['fetch-feeds', '*/30 * * * *', 'UTC', true],
        ['import-games', '0 */6 * * *', 'UTC', false],
      ],
    );
    assert.match(created[1].nextRuns[0], /T(00|06|12|18):00:00\.000Z$/);
    await first.deleteSchedule(created[0].id);
    const second = await pool.start(tasks, { work: false, defaultSchedules: DEFAULT_SCHEDULES });
    assert.deepEqual((await second.listSchedules()).map((s) => s.task), ['import-games'], 'a deleted default is not recreated');
  } finally {
    await pool.stopAll();
    await fresh.drop();
  }
});
