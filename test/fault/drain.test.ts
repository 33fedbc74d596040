// The drain under chaos: a backlog worked off by three supervised runners while runners are killed,
// every session is terminated, and PostgreSQL is stopped immediately and started again after a pause.
// Fast profile: 1 000 jobs, one fault of each kind. Soak profile (FAULT_SOAK=1): 100 000 jobs, a
// fault at every tenth of the way and a 30 s outage halfway.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Children, ready, supervise, type Child, type Supervised } from './harness/children.ts';
import { clusterDatabase, startCluster, type FaultDatabase, type PgCluster } from './harness/cluster.ts';
import { PROFILE, RUNNER_TIMING, SOAK, clientRunner, keyRange, seconds, sleep, waitFor } from './harness/common.ts';
import { assertNothingLost, formatTable, installLedger, reconcile, report, unfinished } from './harness/ledger.ts';

type Fault = 'kill' | 'drop' | 'restart';

let cluster: PgCluster;
let db: FaultDatabase;
let client: Awaited<ReturnType<typeof clientRunner>>;
const children = new Children();
let supervised: Supervised[] = [];

/** Which fault to inject when the drain passes each fraction of the backlog. */
function faultPlan(): [number, Fault][] {
  if (!SOAK) return [[0.2, 'kill'], [0.4, 'drop'], [0.6, 'restart']];
  const plan: [number, Fault][] = [];
  for (let i = 1; i <= 9; i++) plan.push([i / 10, i % 3 === 0 ? 'drop' : 'kill'], [i / 10 + 0.05, 'drop']);
  plan.push([0.5, 'restart']);
  return plan.sort((a, b) => a[0] - b[0]);
}

before(async () => {
  cluster = await startCluster();
  db = await clusterDatabase(cluster, 'drain');
  await installLedger(db.query);
  client = await clientRunner(db.url);
});

after(async () => {
  await Promise.all(supervised.map((s) => s.stop()));
  await children.stopAll();
  await client?.close();
  await db?.close();
  await cluster?.destroy();
});

describe('drain under chaos', () => {
  test(`${PROFILE.drainJobs} jobs drained through runner kills, dropped connections and a PostgreSQL restart: nothing lost`, async (t) => {
    const keys = keyRange('drain', PROFILE.drainJobs);
    const enqueueStarted = Date.now();
    for (let i = 0; i < keys.length; i += 10_000) {
      await client.runner.enqueueMany('ledger-work', keys.slice(i, i + 10_000).map((key) => ({ key, ms: SOAK ? 0 : 30 })));
    }
    const enqueueMs = Date.now() - enqueueStarted;

    const config = { ...RUNNER_TIMING, ledger: { concurrency: SOAK ? 50 : 8 } };
    supervised = ['D1', 'D2', 'D3'].map((name) => supervise((generation) => children.spawnRunner(`${name}.${generation}`, db.url, config)));
    await Promise.all(supervised.map((s) => ready(s.current()!)));
    const started = Date.now();

    const done = async () => Number((await db.query(`SELECT count(*) AS n FROM fault.effect`)).rows[0].n);
    const log: string[] = [];
    const killed: { owner: Supervised; victim: Child }[] = [];
    let outage = 0;
    for (const [fraction, fault] of faultPlan()) {
      await waitFor(`${Math.round(fraction * 100)}% of the backlog`, async () => (await done()) >= fraction * keys.length, 600_000, SOAK ? 500 : 50);
      const at = `${Math.round(fraction * 100)}%`;
      if (fault === 'kill') {
        const owner = supervised[Math.floor(Math.random() * supervised.length)];
        const victim = owner.current()!;
        victim.kill('SIGKILL');
        killed.push({ owner, victim });
        log.push(`${at}: SIGKILL ${victim.name}`);
      } else if (fault === 'drop') {
        log.push(`${at}: terminated ${await cluster.terminate('drain')} sessions`);
      } else {
        const t0 = Date.now();
        await cluster.stop('immediate');
        await sleep(PROFILE.outagePauseSeconds * 1000);
        await cluster.start();
        outage = Date.now() - t0;
        log.push(`${at}: PostgreSQL stopped (immediate) and started after ${seconds(outage)}`);
      }
    }
    await waitFor('the backlog to drain', async () => (await unfinished(db.query, keys)) === 0, SOAK ? 3_600_000 : 180_000, SOAK ? 2000 : 250);
    const drainMs = Date.now() - started;

    const result = await reconcile(db.query, `drain ${keys.length} under chaos`, keys);
    const crashes = supervised.reduce((n, s) => n + s.crashes(), 0);
    report(t, [
      ...formatTable([result]),
      `profile ${PROFILE.name}: enqueued in ${seconds(enqueueMs)}; drained in ${seconds(drainMs)} (${Math.round(keys.length / (drainMs / 1000))} jobs/s) by 3 runners, ${crashes} killed and restarted`,
      ...log.map((l) => `  ${l}`),
    ]);
    assertNothingLost(result);
    assert.equal(crashes, faultPlan().filter(([, f]) => f === 'kill').length, 'each planned kill happened');
    // Survived: each killed runner's supervisor brought up a new process that came up ready and is still up.
    for (const { owner, victim } of killed) {
      const successor = await waitFor(`a successor of ${victim.name}`, () => (owner.current() !== victim ? owner.current() : null), 60_000);
      await ready(successor);
      assert.ok(successor.alive(), `${successor.name} (after ${victim.name}) is running`);
    }
    assert.ok(supervised.every((s) => s.current()?.alive()), 'all three runners are up at the end');
  });
});
