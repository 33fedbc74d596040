// Read side: counts per task and state, keyset paging without duplicates or gaps, search by name,
// id prefix and argument text, and job detail with attempts, errors and stacks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import type { JobSummary } from '../../src/runner/types.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, gate, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let client: Runner;
const release = gate();

const ok = defineTask({ name: 'ok', description: 'succeeds', schema: z.object({ n: z.number().default(0) }), concurrency: 4, async handler() {} });
const bad = defineTask({
  name: 'bad',
  description: 'fails with a stack',
  schema: z.object({ url: z.string().default('') }),
  retry: { retries: 1, delaySeconds: 0, backoff: false },
  async handler({ url }, ctx) {
    throw new Error(`cannot fetch ${url} (attempt ${ctx.job.attempt})\nsecond line of the message`);
  },
});
const later = defineTask({
  name: 'later',
  description: 'fails, retried much later',
  schema: z.object({}),
  retry: { retries: 2, delaySeconds: 3600, backoff: false },
  async handler() {
    throw new Error('try again later');
  },
});
const hold = defineTask({ name: 'hold', description: 'waits for the test', schema: z.object({}), async handler() { await release.promise; } });
const idle = defineTask({ name: 'idle', description: 'no runner takes it', schema: z.object({ n: z.number().default(0), word: z.string().default('') }), async handler() {} });
const loose = defineTask({ name: 'loose', description: 'no runner takes it; any arguments', schema: z.object({}).passthrough(), async handler() {} });
const tasks = [ok, bad, later, hold, idle, loose];

before(async () => {
  db = await createTestDatabase('runner_queries');
  runners = new RunnerPool(db);
  await runners.start(tasks, { queues: ['ok', 'bad', 'later', 'hold'] });
  client = await runners.start(tasks, { work: false });
});

after(async () => {
  release.open();
  await runners.stopAll();
  await db.drop();
});

test('counts per task and state', async () => {
  const ids = {
    ok: [await client.enqueue('ok', {}), await client.enqueue('ok', {}), await client.enqueue('ok', {})],
    bad: await client.enqueue('bad', { url: 'http://a.example/' }),
    later: await client.enqueue('later', {}),
    hold: await client.enqueue('hold', {}),
    waiting: [await client.enqueue('idle', {}), await client.enqueue('idle', {})],
    scheduled: await client.enqueue('idle', {}, { startAfter: 3600 }),
    cancelled: await client.enqueue('idle', {}),
  };
  await client.cancelJob(ids.cancelled);
  for (const id of ids.ok) await waitForState(db, id, 'completed');
  await waitForState(db, ids.bad, 'failed');
  await waitForState(db, ids.later, 'retry');
  await waitForState(db, ids.hold, 'active');
  await db.query(`UPDATE pgboss.job SET start_after = now() - interval '90 seconds' WHERE id = $1`, [ids.waiting[0]]);
  await client.pauseQueue('idle');

  const s = await client.snapshot();
  const q = Object.fromEntries(s.queues.map((x) => [x.task, x]));
  const pick = (t: string) => {
    const { waiting, scheduled, active, retry, failed, cancelled, completed, completedLastHour, failedLastHour, paused } = q[t];
    return { waiting, scheduled, active, retry, failed, cancelled, completed, completedLastHour, failedLastHour, paused };
  };
  const zero = { waiting: 0, scheduled: 0, active: 0, retry: 0, failed: 0, cancelled: 0, completed: 0, completedLastHour: 0, failedLastHour: 0, paused: false };
  assert.deepEqual(pick('ok'), { ...zero, completed: 3, completedLastHour: 3 });
  assert.deepEqual(pick('bad'), { ...zero, failed: 1, failedLastHour: 1 });
  assert.deepEqual(pick('later'), { ...zero, retry: 1 });
  assert.deepEqual(pick('hold'), { ...zero, active: 1 });
  assert.deepEqual(pick('idle'), { ...zero, waiting: 2, scheduled: 1, cancelled: 1, paused: true });
  assert.ok(q.idle.oldestWaitingSeconds! >= 89, `oldest waiting ${q.idle.oldestWaitingSeconds}s`);
  assert.equal(q.ok.oldestWaitingSeconds, null);
  assert.equal(q.ok.throughput.reduce((a, b) => a + b, 0), 3);
  assert.deepEqual(
    { waiting: s.totals.waiting, scheduled: s.totals.scheduled, active: s.totals.active, retry: s.totals.retry, failed: s.totals.failed },
    { waiting: 2, scheduled: 1, active: 1, retry: 1, failed: 1 },
  );
  assert.equal(await client.countJobs({ state: 'waiting' }), 2);
  assert.equal(await client.countJobs({ state: 'scheduled' }), 1);
  assert.equal(await client.countJobs({ task: 'ok', state: 'completed' }), 3);
  assert.equal((await client.listJobs({ state: 'retry' })).jobs[0].id, ids.later);
  await client.resumeQueue('idle');
});

test('runners register with host, pid, version, kind and the queues they run', async () => {
  const { runners: list } = await client.snapshot();
  const worker = list.find((r) => r.queues.length > 0)!;
  assert.ok(worker.alive);
  assert.equal(worker.pid, process.pid);
  assert.equal(worker.kind, 'test');
  assert.match(worker.version, /^\d+\.\d+\.\d+/);
  assert.ok(worker.host.length > 0);
  assert.deepEqual([...worker.queues].sort(), ['bad', 'hold', 'later', 'ok']);
  assert.ok(worker.startedAt <= worker.lastSeenAt);
  assert.equal(list.filter((r) => r.alive).length, 1, 'a runner that only watches does not register');
});

test('listJobs pages by keyset without duplicates or gaps, also across jobs created in one statement', async () => {
  const filter = { task: 'idle' as const };
  await client.pauseQueue('idle');
  for (let i = 0; i < 40; i++) await client.enqueue('idle', { n: i });
  // jobs inserted together share created_on: the id breaks the tie
  const boss = new PgBoss({ connectionString: db.url, schema: 'pgboss', supervise: false, schedule: false, migrate: false });
  boss.on('error', () => {});
  await boss.start();
  try {
    await boss.insert('idle', Array.from({ length: 30 }, (_, i) => ({ data: { n: 100 + i } })));
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
  const total = await client.countJobs(filter);
  const all = (await db.query(`SELECT id FROM pgboss.job WHERE name = 'idle'`)).rows.map((r) => r.id).sort();
  assert.equal(total, all.length);
  const seen: JobSummary[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const page = await client.listJobs(filter, { limit: 7, after });
    assert.ok(page.jobs.length <= 7);
    seen.push(...page.jobs);
    after = page.next;
    pages++;
  } while (after);
  assert.equal(pages, Math.ceil(total / 7));
  assert.deepEqual(seen.map((j) => j.id).sort(), all, 'every job exactly once');
  const order = (await db.query(`SELECT id FROM pgboss.job WHERE name = 'idle' ORDER BY created_on DESC, id DESC`)).rows.map((r) => r.id);
  assert.deepEqual(seen.map((j) => j.id), order, 'newest first, ties broken by id');
  await assert.rejects(client.listJobs(filter, { after: 'garbage' }), /invalid page cursor/);
});

test('search matches names, id prefixes and argument text', async () => {
  const named = await client.enqueue('idle', { word: 'xyzzy-plugh' }, { name: 'CloneUrl(4242)' });
  const other = await client.enqueue('idle', { word: 'nothing here' }, { name: 'RecodeGame(7)' });
  const ids = async (search: string) => (await client.listJobs({ search }, { limit: 100 })).jobs.map((j) => j.id);
  assert.deepEqual(await ids('CloneUrl(4242)'), [named], 'exact name');
  assert.deepEqual(await ids('cloneurl(42'), [named], 'name, case-insensitive part');
  assert.deepEqual(await ids('xyzzy'), [named], 'argument text');
  assert.deepEqual(await ids(named.slice(0, 13)), [named], 'id prefix');
  assert.deepEqual(await ids('100%_'), [], 'LIKE wildcards are literal');
  assert.deepEqual(await ids('plugh'), [named]);
  assert.ok((await ids('RecodeGame')).includes(other));
  assert.equal(await client.countJobs({ search: 'xyzzy' }), 1);
  assert.equal((await client.listJobs({ search: 'CloneUrl(4242)' })).jobs[0].name, 'CloneUrl(4242)');
});

test('search matches argument values whatever JSON escapes in them, and never keys', async () => {
  const quoted = await client.enqueue('loose', { title: 'say "hi" to C:\\games', nested: { deep: ['Ёлка 2'] } });
  const ids = async (search: string) => (await client.listJobs({ search }, { limit: 100 })).jobs.map((j) => j.id);
  assert.deepEqual(await ids('"hi"'), [quoted], 'a quote in the query: the value, which JSON escapes');
  assert.deepEqual(await ids('C:\\games'), [quoted], 'a backslash in the query');
  assert.deepEqual(await ids('ёлка'), [quoted], 'a nested value, case-insensitive, non-ASCII');
  assert.deepEqual(await ids('nested'), [], 'a key is not a value');
  assert.deepEqual(await ids('title'), [], 'nor is the top-level key');
});

test('getJob shows args, options, attempts with errors and stacks, and dependencies', async () => {
  const id = await client.enqueue('bad', { url: 'http://b.example/' }, { name: 'Fetch(b)', priority: 40 });
  const dependent = await client.enqueue('ok', {}, { dependsOn: id });
  await waitForState(db, id, 'failed');
  await waitForState(db, dependent, 'failed');
  const job = (await client.getJob(id))!;
  assert.equal(job.task, 'bad');
  assert.equal(job.name, 'Fetch(b)');
  assert.equal(job.priority, 40);
  assert.deepEqual(job.args, { url: 'http://b.example/' });
  assert.equal(job.state, 'failed');
  assert.equal(job.attempt, 2);
  assert.equal(job.maxAttempts, 2);
  assert.equal(job.error, 'cannot fetch http://b.example/ (attempt 2)\nsecond line of the message');
  assert.match(job.errorStack!, /^Error: cannot fetch http:\/\/b\.example\/ \(attempt 2\)[\s\S]*at /);
  assert.equal(job.options.retryLimit, 1);
  assert.equal(job.options.expireSeconds, 900);
  assert.deepEqual(job.dependents, [dependent]);
  assert.ok(job.startedAt && job.finishedAt && job.createdAt <= job.startedAt && job.startedAt <= job.finishedAt);
  assert.deepEqual(job.attempts.map((a) => [a.attempt, a.outcome]), [[1, 'failed'], [2, 'failed']]);
  assert.equal(job.attempts[0].error, 'cannot fetch http://b.example/ (attempt 1)\nsecond line of the message');
  assert.match(job.attempts[0].errorStack!, /at /);
  assert.ok(job.attempts.every((a) => a.host && a.pid === process.pid && a.finishedAt && a.logLines > 0));
  const summary = (await client.listJobs({ search: 'Fetch(b)' })).jobs[0];
  assert.equal(summary.error, 'cannot fetch http://b.example/ (attempt 2)', 'lists show the first line of the error');
  const dep = (await client.getJob(dependent))!;
  assert.equal(dep.dependsOn, id);
  assert.equal(dep.error, `dependency ${id} failed`);
  const log = await client.getLog(id, { attempt: 2 });
  assert.ok(log.every((l) => l.attempt === 2));
  assert.ok(log.some((l) => l.level === 'error' && l.text.startsWith('failed: cannot fetch')));
  const tail = await client.getLog(id, { attempt: 2, afterSeq: 2 });
  assert.deepEqual(tail.map((l) => l.seq), log.filter((l) => l.seq > 2).map((l) => l.seq), 'log from an offset');
  assert.equal(await client.getJob('00000000-0000-4000-8000-000000000000'), null);
  assert.equal(await client.getJob('not-an-id'), null);
});
