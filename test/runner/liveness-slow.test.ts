// A heartbeat that the server answers slowly (a statement timeout under load, a lock wait) says the
// process and its session are alive. Ending the session over it released the runner's liveness lock,
// and any lost-runner pass that ran before the runner took it again declared it lost and restarted
// its running jobs while they ran.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { z } from 'zod';
import { LIVENESS_LOCK_CLASS } from '../../src/runner/lifecycle-sql.ts';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitFor } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
const idle = defineTask({ name: 'idle', description: 'never enqueued', schema: z.object({}), async handler() {} });

before(async () => {
  db = await createTestDatabase('runner_liveness_slow');
  runners = new RunnerPool(db);
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

/** The backend holding the runner's liveness lock, if any. */
async function lockHolder(runnerId: string): Promise<number | null> {
  const { rows } = await db.query(
    `SELECT l.pid FROM pg_locks l JOIN ifqueue.runner r ON l.objid = r.lock_key::oid
      WHERE r.id = $1 AND l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = $2::oid`,
    [runnerId, LIVENESS_LOCK_CLASS],
  );
  return rows[0]?.pid ?? null;
}

test('a heartbeat that times out on the server keeps the liveness session, and its lock', async () => {
  const runner = await runners.start([idle], { heartbeatSeconds: 1, lostAfterSeconds: 60 });
  const holderPid = await waitFor('the liveness lock', () => lockHolder(runner.id));
  const blocker = new pg.Client({ connectionString: db.url });
  await blocker.connect();
  try {
    // the heartbeat waits on the runner's row until its statement timeout (10 s) cancels it
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM ifqueue.runner WHERE id = $1 FOR UPDATE`, [runner.id]);
    await waitFor('a heartbeat to time out', () => runners.errors.some((e) => /^liveness: .*statement timeout/.test(e)), { timeoutMs: 30_000 });
    await blocker.query('ROLLBACK');
  } finally {
    await blocker.end();
  }
  const released = Date.now();
  await waitFor('a heartbeat to get through again', async () =>
    (await db.query(`SELECT last_seen > to_timestamp($2 / 1000.0) AS ok FROM ifqueue.runner WHERE id = $1`, [runner.id, released])).rows[0].ok,
  );
  assert.equal(await lockHolder(runner.id), holderPid, 'the same session held the lock throughout');
  await runner.stop({ timeoutMs: 500 });
});
