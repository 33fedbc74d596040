// The SQL API, ifqueue.enqueue, called as any client would (plain connections, psql): the job exists
// if and only if the caller commits, runners wake on commit, orGet dedupes atomically, dependencies and
// on-fail behave as through the runner, unknown tasks and bad arguments or options raise clear errors,
// and the pg-boss row equals the one pg-boss's own send() writes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { PermanentError } from '../../src/runner/errors.ts';
import { defineTask } from '../../src/runner/task.ts';
import type { OnFailArgs } from '../../src/runner/types.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, recordEvents, setQueuePaused, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let runner: Runner;
const ran: string[] = [];
const onFailCalls: OnFailArgs[] = [];

const fetchUrl = defineTask({
  name: 'fetch-url',
  description: 'records its url; fails for good on /404',
  schema: z.object({ url: z.url(), depth: z.number().int().min(0).max(5).default(1), tags: z.array(z.string().max(10)).max(3).optional() }).strict(),
  onFail: 'note-failure',
  retry: { retries: 3, delaySeconds: 7, backoff: true, maxDelaySeconds: 60 },
  expireSeconds: 123,
  async handler({ url }) {
    ran.push(url);
    if (url.endsWith('/404')) throw new PermanentError(`${url} is gone`);
  },
});
const noteFailure = defineTask({
  name: 'note-failure',
  description: 'on-fail handler',
  schema: z.object({ job: z.any(), error: z.any() }),
  async handler(args) {
    onFailCalls.push(args as OnFailArgs);
  },
});
const exclusive = defineTask({ name: 'exclusive-one', description: 'never overlaps itself', schema: z.object({}), exclusive: true, async handler() {} });

/** A client connection of its own, as IFDB's Django or a script would have. */
async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  c.on('error', () => {});
  await c.connect();
  return c;
}
const clients: pg.Client[] = [];
async function openClient(): Promise<pg.Client> {
  const c = await client();
  clients.push(c);
  return c;
}

async function enqueue(c: Pick<TestDatabase, 'query'>, task: string, args: unknown = {}, options: unknown = {}): Promise<string> {
  const { rows } = await c.query('SELECT ifqueue.enqueue($1, $2, $3) AS id', [task, JSON.stringify(args), JSON.stringify(options)]);
  return rows[0].id;
}

async function sqlError(promise: Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof pg.DatabaseError, `expected a database error, got ${error}`);
    return error;
  }
  assert.fail('expected ifqueue.enqueue to raise');
}

const jobCount = async (task: string) => (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1`, [task])).rows[0].n as number;

before(async () => {
  db = await createTestDatabase('runner_sql_api');
  runners = new RunnerPool(db);
  // a long poll: a job that runs soon after its commit was woken by the notification, not found by polling
  runner = await runners.start([fetchUrl, noteFailure, exclusive], { pollSeconds: { notify: 120, fallback: 120 } });
});

after(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
  await runners.stopAll();
  await db.drop();
});

test('the runner registers its tasks, their defaults and argument schemas for the SQL API', async () => {
  const { rows } = await db.query(`SELECT name, priority, on_fail, args_schema FROM ifqueue.task ORDER BY name`);
  assert.deepEqual(rows.map((r) => r.name), ['exclusive-one', 'fetch-url', 'note-failure']);
  const fetch = rows.find((r) => r.name === 'fetch-url');
  assert.equal(fetch.on_fail, 'note-failure');
  assert.equal(fetch.priority, 100);
  assert.deepEqual(fetch.args_schema.required, ['url']);
  assert.equal(fetch.args_schema.additionalProperties, false);
});

test('a job enqueued in a transaction exists only if the caller commits, and runs right after the commit', async () => {
  const c = await openClient();
  await c.query('BEGIN');
  const rolledBack = await enqueue(c, 'fetch-url', { url: 'https://example.org/rolled-back' }, { name: 'Rolled(1)' });
  await c.query('ROLLBACK');
  assert.equal((await db.query('SELECT 1 FROM pgboss.job WHERE id = $1', [rolledBack])).rowCount, 0, 'no job row');
  assert.equal((await db.query('SELECT 1 FROM ifqueue.job_meta WHERE job_id = $1', [rolledBack])).rowCount, 0, 'no metadata');

  await c.query('BEGIN');
  const committed = await enqueue(c, 'fetch-url', { url: 'https://example.org/committed' });
  assert.equal((await db.query('SELECT 1 FROM pgboss.job WHERE id = $1', [committed])).rowCount, 0, 'invisible before the commit');
  await c.query('COMMIT');
  // runners poll every 120 s here: running within 30 s means the commit's notification woke them
  await waitForState(db, committed, 'completed', { timeoutMs: 30_000 });
  assert.ok(ran.includes('https://example.org/committed'));
  assert.ok(!ran.includes('https://example.org/rolled-back'));
});

test('every runner hears job:created for a job enqueued through SQL', async () => {
  const watcher = await runners.start([fetchUrl, noteFailure, exclusive], { work: false });
  const events = recordEvents(watcher, ['job:created']);
  const id = await enqueue(db, 'fetch-url', { url: 'https://example.org/event' }, { name: 'Event(1)' });
  const seen = await waitFor('job:created from SQL', () => events.seen.find((e) => e.payload.id === id));
  assert.deepEqual(seen.payload, { id, task: 'fetch-url', name: 'Event(1)' });
  events.off();
});

test('the pg-boss row is the one pg-boss send() writes: queue policy, retry settings, expiry, retention', async () => {
  const boss = new PgBoss({ connectionString: db.url, schema: 'pgboss', supervise: false, schedule: false, migrate: false });
  boss.on('error', () => {});
  await boss.start();
  try {
    await setQueuePaused(runner, 'fetch-url', true);
    await setQueuePaused(runner, 'exclusive-one', true);
    const cols = `priority, data, state, retry_limit, retry_count, retry_delay, retry_backoff, retry_delay_max, expire_seconds,
      deletion_seconds, singleton_key, singleton_on, group_id, policy, dead_letter, heartbeat_seconds, blocked, blocking,
      pending_dependencies, keep_until - start_after AS retention, start_after - created_on AS delay`;
    const row = async (id: string) => (await db.query(`SELECT ${cols} FROM pgboss.job WHERE id = $1`, [id])).rows[0];
    const args = { url: 'https://example.org/parity', depth: 1 };
    const viaBoss = await boss.send('fetch-url', args, { priority: 100 - 40 });
    const viaSql = await enqueue(db, 'fetch-url', args, { priority: 40 });
    assert.deepEqual(await row(viaSql), await row(viaBoss!));
    const sqlRow = await row(viaSql);
    assert.equal(sqlRow.retry_limit, 3);
    assert.equal(sqlRow.retry_delay, 7);
    assert.equal(sqlRow.retry_backoff, true);
    assert.equal(sqlRow.expire_seconds, 123);

    const exclusiveBoss = await boss.send('exclusive-one', {});
    const exclusiveSql = await enqueue(db, 'exclusive-one');
    assert.deepEqual(await row(exclusiveSql), await row(exclusiveBoss!));
    assert.equal((await row(exclusiveSql)).policy, 'singleton');

    // legacy-style retries: a fixed delay, no backoff
    const legacy = await row(await enqueue(db, 'fetch-url', args, { retries: 3, retryDelaySeconds: 120_000 }));
    assert.deepEqual([legacy.retry_limit, legacy.retry_delay, legacy.retry_backoff], [3, 120_000, false]);
    const viaRunner = await row(await runner.enqueue('fetch-url', args, { retries: 1, retryDelaySeconds: 60 }));
    assert.deepEqual([viaRunner.retry_limit, viaRunner.retry_delay, viaRunner.retry_backoff], [1, 60, false]);
    await db.query(`DELETE FROM pgboss.job WHERE name IN ('fetch-url', 'exclusive-one') AND state = 'created'`);
  } finally {
    await setQueuePaused(runner, 'fetch-url', false);
    await setQueuePaused(runner, 'exclusive-one', false);
    await boss.stop({ graceful: false, close: true, timeout: 1000 });
  }
});

test('orGet: concurrent callers in open transactions get one job; a rolled-back first caller leaves it to the next', async () => {
  await setQueuePaused(runner, 'fetch-url', true);
  try {
    const [a, b] = [await openClient(), await openClient()];
    await a.query('BEGIN');
    await b.query('BEGIN');
    const first = await enqueue(a, 'fetch-url', { url: 'https://example.org/dedupe' }, { name: 'CloneUrl(9)', orGet: true });
    // b waits for a's name lock, then sees a's committed job
    const second = enqueue(b, 'fetch-url', { url: 'https://example.org/dedupe' }, { name: 'CloneUrl(9)', orGet: true, priority: 10 });
    await waitFor('b to wait for the name lock', async () =>
      (await db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rowCount);
    await a.query('COMMIT');
    assert.equal(await second, first);
    await b.query('COMMIT');
    const jobs = await db.query(`SELECT j.id, j.priority FROM ifqueue.job_meta m JOIN pgboss.job j ON j.id = m.job_id WHERE m.name = 'CloneUrl(9)'`);
    assert.equal(jobs.rowCount, 1);
    assert.equal(jobs.rows[0].priority, 90, 'the more urgent priority (10) raised the existing job');

    await a.query('BEGIN');
    await b.query('BEGIN');
    const lost = await enqueue(a, 'fetch-url', { url: 'https://example.org/dedupe' }, { name: 'CloneUrl(10)', orGet: true });
    const next = enqueue(b, 'fetch-url', { url: 'https://example.org/dedupe' }, { name: 'CloneUrl(10)', orGet: true });
    await waitFor('b to wait for the name lock', async () =>
      (await db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)).rowCount);
    await a.query('ROLLBACK');
    const kept = await next;
    await b.query('COMMIT');
    assert.notEqual(kept, lost);
    assert.equal((await db.query(`SELECT count(*)::int AS n FROM ifqueue.job_meta WHERE name = 'CloneUrl(10)'`)).rows[0].n, 1);

    // ten clients at once, in autocommit
    const many = await Promise.all(Array.from({ length: 10 }, () => openClient()));
    const ids = await Promise.all(many.map((c) => enqueue(c, 'fetch-url', { url: 'https://example.org/many' }, { name: 'CloneUrl(11)', orGet: true })));
    assert.equal(new Set(ids).size, 1);

    const rr = await openClient();
    await rr.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const err = await sqlError(enqueue(rr, 'fetch-url', { url: 'https://example.org/rr' }, { name: 'CloneUrl(12)', orGet: true }));
    assert.match(err.message, /orGet needs the READ COMMITTED isolation level/);
    await rr.query('ROLLBACK');
  } finally {
    await setQueuePaused(runner, 'fetch-url', false);
  }
});

test('dependsOn by id or name holds the job until its dependency succeeded; a failed dependency fails it', async () => {
  const parent = await enqueue(db, 'fetch-url', { url: 'https://example.org/parent' }, { name: 'Parent(1)', delaySeconds: 3600 });
  const byName = await enqueue(db, 'fetch-url', { url: 'https://example.org/child-by-name' }, { dependsOn: 'Parent(1)' });
  const byId = await enqueue(db, 'fetch-url', { url: 'https://example.org/child-by-id' }, { dependsOn: parent });
  for (const child of [byName, byId]) {
    const job = (await runner.getJob(child))!;
    assert.equal(job.dependsOn, parent);
    assert.equal(job.blocked, true);
  }
  assert.deepEqual((await runner.getJob(parent))!.dependents.sort(), [byName, byId].sort());
  await db.query(`UPDATE pgboss.job SET start_after = now() WHERE id = $1`, [parent]);
  await db.query(`SELECT pg_notify(('pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24)), 'fetch-url')`);
  await waitForState(db, parent, 'completed');
  for (const child of [byName, byId]) await waitForState(db, child, 'completed', { timeoutMs: 30_000 });

  const doomed = await enqueue(db, 'fetch-url', { url: 'https://example.org/404' }, { name: 'Doomed(1)' });
  await waitForState(db, doomed, 'failed');
  // enqueued after its dependency failed for good: failed at once with the reason, its on-fail runs
  const orphan = await enqueue(db, 'fetch-url', { url: 'https://example.org/orphan' }, { dependsOn: 'Doomed(1)' });
  const failed = await waitForState(db, orphan, 'failed');
  assert.match(failed.output.message, new RegExp(`dependency ${doomed} failed`));
  await waitFor('the on-fail handler of the orphan', () => onFailCalls.find((c) => c.job.id === orphan));
  assert.ok(onFailCalls.find((c) => c.job.id === doomed && /is gone/.test(c.error.message)), 'the default on-fail of the task ran for the dependency');

  const missing = await sqlError(enqueue(db, 'fetch-url', { url: 'https://example.org/x' }, { dependsOn: 'Nobody(1)' }));
  assert.equal(missing.code, '23503');
  assert.equal(missing.message, 'dependency Nobody(1) not found (give an existing job id or name)');
});

test('an unknown task raises naming it and the known tasks', async () => {
  const err = await sqlError(enqueue(db, 'clone-fiel', { urlId: 1 }));
  assert.equal(err.code, '42704');
  assert.equal(err.message, 'unknown task "clone-fiel"; known tasks: exclusive-one, fetch-url, note-failure');
  assert.match(err.hint ?? '', /ifqueue\.task/);
  const onFail = await sqlError(enqueue(db, 'fetch-url', { url: 'https://example.org/' }, { onFail: 'shrug' }));
  assert.match(onFail.message, /^unknown task "shrug"; known tasks: /);
  assert.equal(await jobCount('clone-fiel'), 0);
});

test('bad arguments raise naming the field; what the database cannot check fails the job at pickup, naming the field', async () => {
  const before = await jobCount('fetch-url');
  const cases: [unknown, RegExp][] = [
    [{}, /^invalid arguments for fetch-url: url: required$/],
    [{ url: 42 }, /^invalid arguments for fetch-url: url: expected string, got number$/],
    [{ url: 'https://example.org/', depth: 1.5 }, /depth: expected integer, got a fraction/],
    [{ url: 'https://example.org/', depth: 9 }, /depth: must be <= 5/],
    [{ url: 'https://example.org/', tags: ['a', 'b', 'c', 'd'] }, /tags: must have at most 3 items/],
    [{ url: 'https://example.org/', tags: ['far too long a tag'] }, /tags\.0: must have at most 10 characters/],
    [{ url: 'https://example.org/', extra: true }, /extra: unknown property \(allowed: depth, tags, url\)/],
    [[1, 2], /\(arguments\): expected object, got array/],
    ['just text', /\(arguments\): expected object, got string/],
  ];
  for (const [args, message] of cases) {
    const err = await sqlError(enqueue(db, 'fetch-url', args));
    assert.equal(err.code, '22023', JSON.stringify(args));
    assert.match(err.message, message, JSON.stringify(args));
    assert.match(err.hint ?? '', /args_schema/);
  }
  assert.equal(await jobCount('fetch-url'), before, 'nothing was enqueued');

  // a URL's format is zod's to check: the job is created, and fails at its first attempt for good
  const id = await enqueue(db, 'fetch-url', { url: 'not a url' });
  const failed = await waitForState(db, id, 'failed');
  assert.match(failed.output.message, /^invalid arguments for fetch-url: url: /);
  assert.equal(failed.retry_count, 0, 'not retried');
});

test('bad options raise with the option named', async () => {
  const url = { url: 'https://example.org/' };
  const cases: [unknown, RegExp][] = [
    [{ bogus: 1 }, /^unknown option "bogus"; known options: name, priority, startAfter, delaySeconds, retries, retryDelaySeconds, onFail, dependsOn, orGet$/],
    [{ legacyId: 5 }, /^unknown option "legacyId"/],
    [{ priority: 1.5 }, /^priority must be an integer between/],
    [{ priority: '10' }, /^priority must be an integer between/],
    [{ retries: -1 }, /^retries must be a non-negative integer, got -1$/],
    [{ retryDelaySeconds: 'soon' }, /^retryDelaySeconds must be a non-negative integer/],
    [{ startAfter: 'next tuesday-ish' }, /^startAfter is not a valid date: "next tuesday-ish"$/],
    [{ startAfter: 'infinity' }, /^startAfter is not a valid date/],
    [{ startAfter: '2030-01-01T00:00:00Z', delaySeconds: 5 }, /^give startAfter or delaySeconds, not both$/],
    [{ delaySeconds: 'x' }, /^delaySeconds must be a number of seconds/],
    [{ name: 'n'.repeat(256) }, /^name must be a string of at most 255 characters$/],
    [{ name: 7 }, /^name must be a string/],
    [{ orGet: true }, /^orGet needs a name$/],
    [{ orGet: 'yes', name: 'x' }, /^orGet must be true or false$/],
    [{ dependsOn: 5 }, /^dependsOn must be a job id or name$/],
    [{ onFail: 5 }, /^onFail must be a task name or null$/],
  ];
  for (const [options, message] of cases) {
    const err = await sqlError(enqueue(db, 'fetch-url', url, options));
    assert.equal(err.code, '22023', JSON.stringify(options));
    assert.match(err.message, message, JSON.stringify(options));
  }
  const notObject = await sqlError(db.query(`SELECT ifqueue.enqueue('fetch-url', '{"url": "https://example.org/"}', '[]')`));
  assert.match(notObject.message, /^options must be a JSON object, got array$/);
});

test('hostile input: the runner\'s size and depth bounds hold, echoed input is capped, NUL is refused', async () => {
  const nest = (levels: number): unknown => (levels <= 1 ? {} : { a: nest(levels - 1) });
  const deep = await sqlError(enqueue(db, 'note-failure', { job: nest(70), error: {} }));
  assert.equal(deep.code, '22023');
  assert.equal(deep.message, 'arguments are nested deeper than 64 levels; the limit is 64');
  await enqueue(db, 'note-failure', { job: nest(63), error: {} }); // 64 levels with the outer object: allowed
  const big = await sqlError(enqueue(db, 'note-failure', { job: 'x'.repeat(3 * 1024 * 1024), error: {} }));
  assert.match(big.message, /^arguments are 3072 KiB of JSON; the limit is 2048 KiB$/);

  const longTask = await sqlError(enqueue(db, 't'.repeat(100_000)));
  assert.ok(longTask.message.length < 300, `capped: ${longTask.message.length} characters`);
  const longOption = await sqlError(enqueue(db, 'fetch-url', { url: 'https://example.org/' }, { ['o'.repeat(100_000)]: 1 }));
  assert.ok(longOption.message.length < 300);
  const longRef = await sqlError(enqueue(db, 'fetch-url', { url: 'https://example.org/' }, { dependsOn: 'd'.repeat(100_000) }));
  assert.ok(longRef.message.length < 400);
  const nul = await sqlError(db.query(`SELECT ifqueue.enqueue('fetch-url', '{"url": "https://example.org/\\u0000"}')`));
  assert.match(nul.message, /unsupported Unicode escape sequence/, 'jsonb itself refuses NUL');
  await assert.rejects(runner.enqueue('fetch-url', { url: 'https://example.org/' }, { name: 'a\u0000b' }), /name contains a NUL character/);
});

test('options: startAfter and delaySeconds delay, null onFail drops the default handler, defaults from the task', async () => {
  await setQueuePaused(runner, 'fetch-url', true);
  try {
    const at = await enqueue(db, 'fetch-url', { url: 'https://example.org/at' }, { startAfter: '2031-02-03T04:05:06Z', onFail: null });
    const later = await enqueue(db, 'fetch-url', { url: 'https://example.org/later' }, { delaySeconds: 600 });
    const { rows } = await db.query(
      `SELECT j.id, j.start_after, extract(epoch FROM j.start_after - j.created_on)::int AS delay, m.on_fail
       FROM pgboss.job j LEFT JOIN ifqueue.job_meta m ON m.job_id = j.id WHERE j.id = ANY($1)`,
      [[at, later]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.equal(byId.get(at).start_after.toISOString(), '2031-02-03T04:05:06.000Z');
    assert.equal(byId.get(at).on_fail, null, 'no metadata row: no on-fail');
    assert.equal(byId.get(later).delay, 600);
    assert.equal(byId.get(later).on_fail, 'note-failure', "the task's default on-fail");
    assert.equal((await runner.getJob(later))!.priority, 100, 'default legacy priority');
    await db.query(`DELETE FROM pgboss.job WHERE id = ANY($1)`, [[at, later]]);
  } finally {
    await setQueuePaused(runner, 'fetch-url', false);
  }
});

test('psql: a rolled-back enqueue leaves nothing, a committed one stays, errors are one clear line', async () => {
  const script = `
\\set ON_ERROR_STOP 0
BEGIN;
SELECT 'rolled back: ' || ifqueue.enqueue('fetch-url', '{"url": "https://example.org/psql-rollback"}', '{"name": "Psql(1)"}');
ROLLBACK;
BEGIN;
SELECT 'committed: ' || ifqueue.enqueue('fetch-url', '{"url": "https://example.org/psql-commit"}', '{"name": "Psql(2)"}');
COMMIT;
SELECT ifqueue.enqueue('no-such-task');
SELECT ifqueue.enqueue('fetch-url', '{"url": 1}');
SELECT 'names: ' || string_agg(name, ',' ORDER BY name) FROM ifqueue.job_meta WHERE name LIKE 'Psql(%';
`;
  const result = spawnSync('psql', ['-X', '-q', '-t', '-A', '-d', db.url], { input: script, encoding: 'utf8' });
  assert.equal(result.error, undefined, `psql could not run: ${result.error}`);
  assert.match(result.stdout, /^rolled back: [0-9a-f-]{36}$/m);
  assert.match(result.stdout, /^committed: [0-9a-f-]{36}$/m);
  assert.match(result.stdout, /^names: Psql\(2\)$/m, 'only the committed job exists');
  assert.match(result.stderr, /ERROR: {2}unknown task "no-such-task"; known tasks: exclusive-one, fetch-url, note-failure/);
  assert.match(result.stderr, /ERROR: {2}invalid arguments for fetch-url: url: expected string, got number/);
  const committed = /^committed: (\S+)$/m.exec(result.stdout)![1];
  await waitForState(db, committed, 'completed', { timeoutMs: 30_000 });
});
