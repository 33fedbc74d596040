// A real database outage under the dashboard: a real Runner on a PostgreSQL cluster of the test's own,
// stopped and started again. The dashboard says the database is down, an action fails visibly, and it
// recovers by itself: live again, counts read again, and actions work.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Runner } from '../../src/runner/runner.ts';
import { demoTasks } from '../../src/tasks/demo/index.ts';
import { clusterDatabase, startCluster, type FaultDatabase, type PgCluster } from '../fault/harness/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { mount, KEY, type Harness } from './harness.ts';

let cluster: PgCluster;
let db: FaultDatabase;
let runner: Runner;
let h: Harness<Runner> | null = null;

before(async () => {
  cluster = await startCluster();
  db = await clusterDatabase(cluster, 'ui_outage');
  runner = new Runner({ databaseUrl: db.url, tasks: demoTasks, kind: 'dashboard', heartbeatSeconds: 1, lostAfterSeconds: 3, poolSize: 4, onError: () => {} });
  await runner.start();
});

after(async () => {
  await h?.close();
  await runner?.stop({ timeoutMs: 1000 }).catch(() => {});
  await db?.close();
  await cluster?.destroy();
});

test('PostgreSQL stopped under the dashboard: it shows the database down, an action fails visibly, and it recovers when the server is back', async (t) => {
  await runner.enqueue('demo-noop', {}, { name: 'before the outage' });
  h = mount({ api: runner });
  await h.waitFor('● live', 15_000);
  await waitFor('the first job counted', () => h!.store.getState().snapshot?.queues.find((q) => q.task === 'demo-noop')?.completedLastHour === 1);

  await cluster.stop('fast');
  let f = await h.waitFor('database down', 30_000);
  assert.doesNotMatch(f, /● live/, 'no longer shown as live');
  assert.equal(h.store.getState().connected, false);
  await h.press('p');
  const flash = await waitFor('the pause to fail', () => (h!.store.getState().flash?.kind === 'error' ? h!.store.getState().flash : null), { timeoutMs: 30_000 });
  f = await h.waitFor(flash.text.slice(0, 40));
  assert.match(f, /database down/, 'the header still says why');
  t.diagnostic(`while down: ${f.split('\n').filter((l) => /✗/.test(l)).map((l) => l.trim()).join(' | ')}`);

  await cluster.start();
  f = await h.waitFor((x) => x.includes('● live') && !x.includes('database down'), 60_000);
  assert.equal(h.store.getState().connected, true);
  // Working again: a job enqueued from the dashboard is stored, runs, and is counted.
  await h.press('n');
  await h.waitFor('─ New job');
  await h.press(KEY.ctrlU);
  await h.type('{"seconds":0}');
  await h.waitFor('✓ looks valid');
  await h.press(KEY.tab);
  await h.type('after the outage');
  await h.press(KEY.enter);
  await h.waitFor('✓ Enqueued demo-sleep job', 30_000);
  const { rows } = await db.query(`SELECT job_id FROM ifqueue.job_meta WHERE name = 'after the outage'`);
  assert.equal(rows.length, 1);
  assert.equal((await db.query(`SELECT count(*)::int AS n FROM ifqueue.queue_state WHERE paused`)).rows[0].n, 0, 'the pause tried during the outage did not happen');
  await waitFor('the job to complete', async () => (await db.query(`SELECT state FROM pgboss.job WHERE id = $1`, [rows[0].job_id])).rows[0]?.state === 'completed', { timeoutMs: 60_000 });
  await waitFor('the dashboard to count it', () => h!.store.getState().snapshot?.queues.find((q) => q.task === 'demo-sleep')?.completedLastHour === 1, { timeoutMs: 30_000 });
});
