// Fault scenario 6: producers racing on the same names, and runners racing to set up an empty database.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clusterDatabase, startCluster, type FaultDatabase, type PgCluster } from './harness/cluster.ts';
import { Children, FIXTURES, ready } from './harness/children.ts';
import { PROFILE, RUNNER_TIMING, clientRunner, enqueueKeys, keyRange, waitFor } from './harness/common.ts';
import { assertNothingLost, formatTable, installLedger, reconcile, report, unfinished } from './harness/ledger.ts';

let cluster: PgCluster;
const databases: FaultDatabase[] = [];
const clients: { close(): Promise<void> }[] = [];
const children = new Children();
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ifq-fault-race-'));
  cluster = await startCluster();
});

after(async () => {
  await children.stopAll();
  for (const c of clients) await c.close();
  for (const db of databases) await db.close();
  await cluster?.destroy();
  await rm(dir, { recursive: true, force: true });
});

async function database(label: string): Promise<FaultDatabase> {
  const db = await clusterDatabase(cluster, label);
  databases.push(db);
  await installLedger(db.query);
  return db;
}

describe('races', () => {
  // a scenario that failed half-way must not leave its processes to the next one
  afterEach(() => children.stopAll());

  test(`${PROFILE.racers} producers × ${PROFILE.racerCalls} enqueueOrGet over 50 names make exactly 50 jobs`, async (t) => {
    const db = await database('race_names');
    const client = await clientRunner(db.url);
    clients.push(client);
    const goFile = path.join(dir, 'go');
    const names = 50;
    const producers = Array.from({ length: PROFILE.racers }, (_, i) =>
      children.spawnScript(`producer ${i + 1}`, FIXTURES.producer, {
        env: { DATABASE_URL: db.url, FAULT_PRODUCER: JSON.stringify({ mode: 'race', prefix: 'race', names, calls: PROFILE.racerCalls, goFile }) },
      }),
    );
    await Promise.all(producers.map((p) => p.waitForLine((e) => e.event === 'ready', 90_000)));
    await writeFile(goFile, 'go');
    await Promise.all(producers.map((p) => p.waitForLine((e) => e.event === 'raced', 120_000)));

    const raced = producers.map((p) => p.events.find((e) => e.event === 'raced')!);
    const { rows } = await db.query(`SELECT m.name, count(*)::int AS n FROM ifqueue.job_meta m JOIN pgboss.job j ON j.id = m.job_id GROUP BY m.name`);
    assert.equal(rows.length, names, 'one name per job');
    assert.ok(rows.every((r) => r.n === 1), 'no name has two jobs');
    const created = raced.reduce((n, r) => n + r.created, 0);
    assert.equal(created, names, 'exactly one call per name reported created: true');
    const everyId = new Set(raced.flatMap((r) => r.ids as string[]));
    assert.equal(everyId.size, names, 'every producer got the same 50 ids');

    // The 50 jobs then run once each.
    const runner = await children.startRunner('drain', db.url, RUNNER_TIMING);
    const keys = Array.from({ length: names }, (_, i) => `race-${i}`);
    await waitFor('the raced jobs to complete', async () => (await unfinished(db.query, keys)) === 0, 60_000, 100);
    const result = await reconcile(db.query, `race: ${PROFILE.racers}×${PROFILE.racerCalls} enqueueOrGet`, keys);
    report(t, [...formatTable([result]), `${PROFILE.racers * PROFILE.racerCalls} calls, ${created} created, ${everyId.size} distinct ids`]);
    assertNothingLost(result);
    assert.equal(result.extraRuns, 0);
    runner.kill('SIGTERM');
    await runner.exited;
  });

  test('10 runners starting at once on an empty database all come up, and share the work', async (t) => {
    const db = await database('race_start');
    const runners = await Promise.all(Array.from({ length: 10 }, (_, i) => ready(children.spawnRunner(`R${i + 1}`, db.url, { ...RUNNER_TIMING, poolSize: 3 }), 120_000)));
    const { rows: registered } = await db.query(`SELECT id FROM ifqueue.runner WHERE stopped_at IS NULL`);
    assert.deepEqual(new Set(registered.map((r) => r.id)), new Set(runners.map((r) => r.runnerId)), 'all ten registered');
    const { rows: queues } = await db.query(`SELECT name FROM pgboss.queue ORDER BY name`);
    assert.deepEqual(queues.map((q) => q.name), ['ledger-exec', 'ledger-log', 'ledger-work', 'poison']);
    for (const r of runners) assert.doesNotMatch(r.stderr(), /error/i, `${r.name} started without errors`);

    const client = await clientRunner(db.url);
    clients.push(client);
    const keys = keyRange('start', PROFILE.jobs);
    await enqueueKeys(client.runner, keys, (_k, i) => ({ ms: 20 + ((i * 31) % 80) }));
    await waitFor('every job to complete', async () => (await unfinished(db.query, keys)) === 0, 90_000, 100);
    const { rows: perRunner } = await db.query(`SELECT pid, count(*)::int AS n FROM fault.effect WHERE key = ANY($1) GROUP BY pid`, [keys]);
    const result = await reconcile(db.query, '10 runners cold start', keys);
    report(t, [...formatTable([result]), `jobs per runner process: ${perRunner.map((r) => r.n).sort((a, b) => b - a).join(' ')}`]);
    assertNothingLost(result);
    assert.equal(result.extraRuns, 0, 'no job ran twice');
    assert.ok(perRunner.length >= 2, 'more than one runner took work');
    for (const r of runners) r.kill('SIGTERM');
    await Promise.all(runners.map((r) => r.exited));
  });
});
