// Settlements racing the lost-runner pass (#11), statement against statement: a settlement holds its
// rows in an open transaction while declareLost (begun before it commits) waits on them, then commits.
// Under READ COMMITTED the waiting statement re-checks only its own WHERE on the new row versions, so
// whatever it must not overwrite has to be in that WHERE.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import { lifecycleSqlFor, type QueueTable } from '../../src/runner/lifecycle-sql.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, bossJob, waitFor } from './support.ts';

const TASK = 'settle-race';
const task = defineTask({
  name: TASK,
  description: 'never run: its jobs are claimed by hand',
  schema: z.object({}),
  retry: { retries: 3, delaySeconds: 0, backoff: false },
  async handler() {},
});

let db: TestDatabase;
let runners: RunnerPool;
let queue: QueueTable;
let client: Runner;
const life = lifecycleSqlFor('pgboss');

before(async () => {
  db = await createTestDatabase('settle_races');
  runners = new RunnerPool(db);
  // creates the schema and the queue; runs no jobs and judges no runners
  client = await runners.start([task], { work: false });
  queue = (await db.query(`SELECT name, table_name AS "table", policy FROM pgboss.queue WHERE name = $1`, [TASK])).rows[0];
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return client;
}

/** A runner row whose liveness lock nobody holds (its process died), and one job it claimed. */
async function claimedByDeadRunner(): Promise<{ runnerId: string; id: string; claim: string }> {
  const runnerId = randomUUID();
  await db.query(
    `INSERT INTO ifqueue.runner (id, host, pid, version, kind, queues, lock_key) VALUES ($1, 'gone', 1, 'test', 'test', '{}', $2)`,
    [runnerId, 1 + Math.floor(Math.random() * 2 ** 30)],
  );
  // jobs an earlier test left queued (a failure retried, a job given back) are not the one claimed here
  await db.query(`UPDATE pgboss.job SET state = 'cancelled', completed_on = now() WHERE name = $1 AND state IN ('created', 'retry')`, [TASK]);
  const id = await client.enqueue(TASK, {});
  const claim = life.claim(queue, 1, runnerId, 'test');
  const { rows } = await db.query(claim.text, claim.values);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].id, id);
  return { runnerId, id, claim: rows[0].claim };
}

/** Runs `settle` in an open transaction, starts the lost-runner pass, waits until it blocks on the settled rows, commits. */
async function settleWhileDeclaredLost(settle: pg.QueryConfig) {
  const settler = await connect();
  const judge = await connect();
  try {
    const judgePid = (await judge.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await settler.query('BEGIN');
    await settler.query(settle);
    const declared = judge.query(life.declareLost({ self: randomUUID(), lockGraceSeconds: 0, staleSeconds: 86_400, judgeHeartbeats: false }));
    await waitFor('the lost-runner pass to wait on the settled rows', async () =>
      (await db.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [judgePid])).rows.length > 0,
    );
    await settler.query('COMMIT');
    return (await declared).rows;
  } finally {
    await settler.end();
    await judge.end();
  }
}

const attempts = async (id: string) => (await db.query(`SELECT attempt, outcome, error FROM ifqueue.job_attempt WHERE job_id = $1 ORDER BY attempt`, [id])).rows;

test('a completion that commits while its runner is being declared lost stays completed (the attempt is not relabelled lost)', async () => {
  const { id, claim } = await claimedByDeadRunner();
  await settleWhileDeclaredLost(life.complete(TASK, [{ id, claim, output: { ok: true }, durationMs: 5 }], 'test'));
  assert.equal((await bossJob(db, id))!.state, 'completed');
  assert.deepEqual((await attempts(id)).map((a) => [a.outcome, a.error]), [['completed', null]]);
});

test('a failure that commits while its runner is being declared lost keeps its outcome and message', async () => {
  const { id, claim } = await claimedByDeadRunner();
  await settleWhileDeclaredLost(life.fail(TASK, { id, claim, permanent: false, outcome: 'failed', message: 'boom', stack: null }, 'test'));
  const job = (await bossJob(db, id))!;
  assert.equal(job.state, 'retry');
  assert.equal(job.output.message, 'boom');
  assert.deepEqual((await attempts(id)).map((a) => [a.outcome, a.error]), [['failed', 'boom']]);
});

test('a job given back while its runner is being declared lost is recorded as returned', async () => {
  const { id, claim } = await claimedByDeadRunner();
  await settleWhileDeclaredLost(life.giveBack(TASK, [{ id, claim }], 'returned at shutdown', 'test'));
  assert.equal((await bossJob(db, id))!.state, 'created');
  assert.deepEqual((await attempts(id)).map((a) => [a.outcome, a.error]), [['returned', 'returned at shutdown']]);
});
