// A PostgreSQL backend that dies (an OOM kill, a crash) makes the postmaster end every session and
// recover, without restarting itself: pg_postmaster_start_time() does not change, yet every liveness
// lock is gone. Live runners must get the same grace to take their locks again as after a restart,
// or the first runner to reconnect declares every other one lost and their jobs run twice at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { lifecycleSqlFor } from '../../src/runner/lifecycle-sql.ts';
import { DEFAULT_TIMING } from '../../src/runner/runner.ts';
import { Children } from './harness/children.ts';
import type { FaultDatabase, PgCluster } from './harness/cluster.ts';
import { clientRunner, closeLedgerCluster, openLedgerCluster, pastLockGrace, waitFor } from './harness/common.ts';
import { unfinished } from './harness/ledger.ts';

let cluster: PgCluster;
let db: FaultDatabase;
let client: Awaited<ReturnType<typeof clientRunner>>;
const children = new Children();
const life = lifecycleSqlFor('pgboss');

before(async () => ({ cluster, db, client } = await openLedgerCluster('crash_recovery')));

after(() => closeLedgerCluster(children, { cluster, db, client }));

const attempts = async (id: string) => (await db.query(`SELECT attempt, outcome, runner_id FROM ifqueue.job_attempt WHERE job_id = $1 ORDER BY attempt`, [id])).rows;

/** Kills one backend with SIGKILL: the postmaster ends every session and runs crash recovery. */
async function crashOneBackend(): Promise<void> {
  const victim = new pg.Client({ connectionString: db.url, application_name: 'crash victim' });
  victim.on('error', () => {});
  await victim.connect();
  const { rows } = await victim.query('SELECT pg_backend_pid() AS pid, pg_postmaster_start_time() AS started');
  process.kill(rows[0].pid, 'SIGKILL');
  await victim.end().catch(() => {});
  const after = await waitFor('the server to answer after its crash recovery', async () =>
    (await db.query('SELECT pg_postmaster_start_time() AS started')).rows[0], 60_000, 50);
  assert.equal(after.started.getTime(), rows[0].started.getTime(), 'the postmaster did not restart (crash recovery only)');
}

test('after a backend crash, a live runner that has not re-taken its liveness lock yet is not declared lost within the grace', async () => {
  const grace = Math.max(DEFAULT_TIMING.minLockGraceSeconds, 2 * DEFAULT_TIMING.heartbeatSeconds);
  // the grace after the server's own start is over: what follows is judged on the crash alone
  await pastLockGrace(db.query, DEFAULT_TIMING.heartbeatSeconds);
  const a = await children.startRunner('A', db.url, { defaultTiming: true, queues: ['ledger-work'] });
  const key = 'backend-crash';
  const id = await client.runner.enqueue('ledger-work', { key, ms: 3000 });
  await waitFor('A to start the job', async () => (await attempts(id))[0]?.runner_id === a.runnerId, 30_000, 20);
  // frozen through the crash, so it cannot take its lock again before the check below
  a.kill('SIGSTOP');
  try {
    await crashOneBackend();
    // another runner's lost-runner pass, with the default timing, right after the recovery
    const { rows } = await db.query(
      life.declareLost({ self: randomUUID(), lockGraceSeconds: grace, staleSeconds: 3 * DEFAULT_TIMING.heartbeatSeconds, judgeHeartbeats: true }).text,
      [randomUUID(), grace, 3 * DEFAULT_TIMING.heartbeatSeconds, true],
    );
    assert.deepEqual(rows.map((r) => [r.runner_id, r.reason]), [], 'nobody declared lost within the grace');
  } finally {
    a.kill('SIGCONT');
  }
  await waitFor('the job to complete', async () => (await unfinished(db.query, [key])) === 0, 60_000, 100);
  // The task's own queries may fail across the crash (its attempt is then failed and retried), but
  // no attempt was taken from A: it ran them all.
  const att = await attempts(id);
  assert.deepEqual(att.filter((x) => x.outcome === 'lost' || x.runner_id !== a.runnerId), [], 'no attempt lost, none elsewhere');
  assert.equal(att.at(-1).outcome, 'completed');
});
