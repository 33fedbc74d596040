// Fault scenarios 3 and 4, on a PostgreSQL cluster of the test's own: every session of the runners
// terminated repeatedly (the LISTEN session included), and the server restarted (fast, and immediate
// with a pause) while a producer enqueues.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogLine } from '../../src/runner/types.ts';
import { lifecycleSqlFor } from '../../src/runner/lifecycle-sql.ts';
import { UNKNOWN_CLAIM_AGE_SECONDS } from '../../src/runner/runner.ts';
import { clusterDatabase, startCluster, type PgCluster } from './harness/cluster.ts';
import { Children, FIXTURES, whileAlive } from './harness/children.ts';
import { PROFILE, RUNNER_TIMING, clientRunner, enqueueKeys, keyRange, seconds, sleep, waitFor } from './harness/common.ts';
import { assertNothingLost, formatTable, installLedger, reconcile, report, unfinished, type Query } from './harness/ledger.ts';

let cluster: PgCluster;
const children = new Children();
const clients: { close(): Promise<void> }[] = [];

before(async () => {
  cluster = await startCluster();
});

after(async () => {
  await children.stopAll();
  for (const c of clients) await c.close();
  await cluster?.destroy();
});

async function setUp(database: string) {
  const db = await clusterDatabase(cluster, database);
  clients.push(db);
  const { url } = db;
  const query: Query = db.query;
  await installLedger(query);
  const client = await clientRunner(url);
  clients.push(client);
  return { url, query, client };
}

describe('database connections', () => {
  // a scenario that failed half-way must not leave its processes to the next one
  afterEach(() => children.stopAll());

  test('sessions terminated again and again (LISTEN included): runners recover by themselves, no job lost, live logs and wake-ups resume', async (t) => {
    const { url, query, client } = await setUp('drops');
    // Idle workers poll only every 10 minutes: a job picked up sooner was woken by NOTIFY.
    const timing = { ...RUNNER_TIMING, pollSeconds: { notify: 600, fallback: 1 } };
    const runners = [await children.startRunner('A', url, timing), await children.startRunner('B', url, timing)];

    const logKey = 'drops-log';
    const logLines = 60;
    const logJob = await client.runner.enqueue('ledger-log', { key: logKey, lines: logLines, everyMs: 100 }, { name: logKey });
    const followed: LogLine[] = [];
    const unfollow = await client.runner.followLog(logJob, (lines) => followed.push(...lines));
    const keys = keyRange('drops', PROFILE.jobs);
    await enqueueKeys(client.runner, keys, (_k, i) => ({ ms: 30 + ((i * 41) % 170) }));

    const terminated: number[] = [];
    for (let i = 0; i < PROFILE.drops; i++) {
      await sleep(800);
      terminated.push(await cluster.terminate('drops'));
    }
    await waitFor('every job to complete', async () => (await unfinished(query, [...keys, logKey])) === 0, 120_000, 250);
    await waitFor('the follower to catch up', () => followed.some((l) => l.text === `line ${logLines} of ${logLines}`), 30_000);
    unfollow();

    // LISTEN is back on all three listener sessions (two runners and this client).
    await waitFor('three listeners', async () => {
      const { rows } = await cluster.query('postgres', `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'drops' AND application_name = 'ifqueue listener' AND query LIKE 'LISTEN%'`);
      return rows[0].n === 3;
    }, 30_000);
    const wakeKeys = keyRange('drops-wake', 10);
    const enqueuedAt = Date.now();
    await enqueueKeys(client.runner, wakeKeys);
    await waitFor('the wake-up jobs to complete', async () => (await unfinished(query, wakeKeys)) === 0, 60_000, 50);
    const pickup = (await query(`SELECT max(started_on - created_on) AS worst FROM pgboss.job WHERE data->>'key' = ANY($1)`, [wakeKeys])).rows[0].worst;

    const completedAttempt = (await query(`SELECT attempt FROM ifqueue.job_attempt WHERE job_id = $1 AND outcome = 'completed'`, [logJob])).rows[0].attempt;
    const finalLines = followed.filter((l) => l.attempt === completedAttempt).map((l) => l.text);
    assert.deepEqual(finalLines, Array.from({ length: logLines }, (_, i) => `line ${i + 1} of ${logLines}`), 'the completed attempt was followed line by line, none missed or repeated');
    const seen = new Set(followed.map((l) => `${l.attempt}:${l.seq}`));
    assert.equal(seen.size, followed.length, 'no line delivered twice');
    for (const r of runners) assert.ok(r.alive(), `${r.name} recovered without a restart`);
    assert.ok(terminated.every((n) => n > 0), 'every round terminated sessions');
    assert.ok(runners.every((r) => r.events.some((e) => e.event === 'db' && e.connected === false)), 'each runner noticed its listener going down');

    const results = [await reconcile(query, 'connections dropped', [...keys, logKey]), await reconcile(query, 'wake-ups after drops', wakeKeys)];
    report(t, [
      ...formatTable(results),
      `${terminated.length} rounds terminated ${terminated.join('/')} sessions; wake-up pickup after the storm: worst ${pickup?.milliseconds ?? 0} ms (idle poll 600 s)`,
      `log follower: ${followed.length} lines over ${new Set(followed.map((l) => l.attempt)).size} attempt(s), final attempt ${completedAttempt} complete`,
    ]);
    for (const r of results) assertNothingLost(r);
    for (const r of runners) r.kill('SIGTERM');
    await Promise.all(runners.map((r) => r.exited));
  });

  test('PostgreSQL restarted (fast, then immediate with a pause) under load with a producer: nothing lost, no enqueue dropped silently', async (t) => {
    const { url, query, client } = await setUp('restart');
    const runners = [await children.startRunner('A', url, RUNNER_TIMING), await children.startRunner('B', url, RUNNER_TIMING)];
    const keys = keyRange('restart', PROFILE.jobs);
    const producer = children.spawnScript('producer', FIXTURES.producer, {
      env: { DATABASE_URL: url, FAULT_PRODUCER: JSON.stringify({ mode: 'sequence', keys, intervalMs: 30, ms: 300 }) },
    });
    await producer.waitForLine((e) => e.event === 'ready', 60_000);
    const enqueued = () => producer.events.filter((e) => e.event === 'enqueued').length;

    await whileAlive(producer, waitFor('a fifth of the keys enqueued', () => enqueued() >= keys.length / 5, 60_000, 20));
    let t0 = Date.now();
    await cluster.stop('fast');
    await cluster.start();
    const fastOutage = Date.now() - t0;
    await whileAlive(producer, waitFor('half of the keys enqueued', () => enqueued() >= keys.length / 2, 60_000, 20));
    t0 = Date.now();
    await cluster.stop('immediate');
    await sleep(PROFILE.outagePauseSeconds * 1000);
    await cluster.start();
    const backAt = Date.now();
    const longOutage = backAt - t0;
    // A runner found "lost" is marked stopped until its next heartbeat clears it: watch for that window.
    const markedLost = new Set<string>();
    while (Date.now() - backAt < (RUNNER_TIMING.lostAfterSeconds + 2) * 1000) {
      const { rows } = await query(`SELECT id FROM ifqueue.runner WHERE stopped_at IS NOT NULL AND id = ANY($1::uuid[])`, [runners.map((r) => r.runnerId)]).catch(() => ({ rows: [] as any[] }));
      for (const row of rows) markedLost.add(row.id);
      await sleep(50);
    }

    await producer.waitForLine((e) => e.event === 'done', 180_000);
    await waitFor('every job to complete', async () => (await unfinished(query, keys)) === 0, 180_000, 250);
    const firstAfter = (await query(`SELECT min(at) AS at FROM fault.effect WHERE at > $1`, [new Date(backAt)])).rows[0].at;

    const successes = producer.events.filter((e) => e.event === 'enqueued');
    const failures = producer.events.filter((e) => e.event === 'enqueue-error');
    assert.deepEqual(new Set(successes.map((e) => e.key)), new Set(keys), 'every key was enqueued in the end');
    const { rows: existing } = await query(`SELECT count(*)::int AS n FROM pgboss.job WHERE id = ANY($1::uuid[])`, [successes.map((e) => e.id)]);
    assert.equal(existing[0].n, new Set(successes.map((e) => e.id)).size, 'every id the producer was given exists');
    assert.ok(failures.length > 0, 'enqueues during the outage failed visibly');
    for (const f of failures) assert.match(f.error, /^\S.*$/, 'each failure has a one-line message');
    for (const r of runners) assert.ok(r.alive(), `${r.name} survived both restarts`);

    const result = await reconcile(query, 'PostgreSQL restarted', keys);
    const messages = [...new Set(failures.map((f) => f.error.replace(/\d+/g, 'N')))];
    report(t, [
      ...formatTable([result]),
      `fast restart: server down ${seconds(fastOutage)}; immediate stop + ${PROFILE.outagePauseSeconds} s pause: down ${seconds(longOutage)}`,
      `first effect ${firstAfter ? seconds(firstAfter.getTime() - backAt) : 'n/a'} after the server came back; ${failures.length} enqueue calls failed and were retried`,
      ...messages.map((m) => `  enqueue error seen: ${m}`),
      `live runners declared lost after the outage: ${markedLost.size}`,
    ]);
    assert.equal(markedLost.size, 0, 'a runner cut off by the outage like everyone else is not declared lost');
    assert.ok(result.duplicated <= failures.length, 'a duplicate can only come from a retried enqueue that reported an error');
    assert.equal(result.lost, 0);
    assert.equal(result.effects, result.enqueued);
    assert.equal(result.completed, result.enqueued);
  });

  test('a claim whose reply never reached its runner (the connection dropped after the commit) is given back by that runner, not left until expiry', async (t) => {
    const { url, query, client } = await setUp('orphans');
    const keys = keyRange('orphan', 5);
    await enqueueKeys(client.runner, keys);
    // R runs another queue, so only the test claims ledger-work jobs, on R's behalf: exactly what a
    // claim statement whose reply was lost leaves behind (jobs active, attempts running under R's id).
    const r = await children.startRunner('R', url, { ...RUNNER_TIMING, queues: ['ledger-log'] });
    const queue = (await query(`SELECT name, table_name AS "table", policy FROM pgboss.queue WHERE name = 'ledger-work'`)).rows[0];
    const claim = lifecycleSqlFor('pgboss').claim(queue, 5, r.runnerId, 'lost-reply');
    assert.equal((await query(claim.text, claim.values)).rows.length, 5, 'the five jobs were claimed for R');
    const claimedAt = Date.now();
    await waitFor('R to give back the claims it never received', async () =>
      (await query(`SELECT count(*)::int AS n FROM ifqueue.job_attempt WHERE runner_id = $1 AND outcome = 'returned'`, [r.runnerId])).rows[0].n === 5,
    60_000, 100);
    const tookMs = Date.now() - claimedAt;
    const { rows } = await query(`SELECT state, retry_count FROM pgboss.job WHERE name = 'ledger-work' AND data->>'key' = ANY($1)`, [keys]);
    assert.deepEqual(rows.map((x) => [x.state, x.retry_count]), Array(5).fill(['created', 0]), 'back in the queue, no attempt used');
    const bound = (UNKNOWN_CLAIM_AGE_SECONDS + RUNNER_TIMING.housekeepingSeconds) * 1000 + 10_000;
    assert.ok(tookMs <= bound, `given back within the unknown-claim age + one housekeeping pass (+10 s slack): ${tookMs} ms > ${bound} ms`);
    const w = await children.startRunner('W', url, RUNNER_TIMING);
    await waitFor('the given-back jobs to run', async () => (await unfinished(query, keys)) === 0, 60_000, 100);
    const result = await reconcile(query, 'claims whose reply was lost', keys);
    report(t, [
      ...formatTable([result]),
      `claims whose reply was lost were given back ${seconds(tookMs)} after the claim (age threshold ${UNKNOWN_CLAIM_AGE_SECONDS} s, housekeeping every ${RUNNER_TIMING.housekeepingSeconds} s)`,
    ]);
    assertNothingLost(result);
    assert.equal(result.extraRuns, 0);
    for (const c of [r, w]) c.kill('SIGTERM');
    await Promise.all([r.exited, w.exited]);
  });
});
