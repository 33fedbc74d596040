// The periodic check for claims that never reached this runner (their reply was lost with the
// connection) gives such jobs back. A claim whose reply is merely late — the event loop was blocked,
// or the process stopped, while it sat in the socket — is not lost: giving it back while it starts
// running here would run the job twice at the same time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import { lifecycleSqlFor } from '../../src/runner/lifecycle-sql.ts';
import { UNKNOWN_CLAIM_AGE_SECONDS } from '../../src/runner/runner.ts';
import { defineTask } from '../../src/runner/task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, gate, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
const life = lifecycleSqlFor('pgboss');
const release = gate();
let runs = 0;

const victim = defineTask({
  name: 'late-claim',
  description: 'counts its runs and waits for the test',
  schema: z.object({}),
  retry: { retries: 2, delaySeconds: 0, backoff: false },
  async handler() {
    runs++;
    await release.promise;
    return {};
  },
});

before(async () => {
  db = await createTestDatabase('runner_unknown_claims');
  runners = new RunnerPool(db);
});

after(async () => {
  release.open();
  await runners.stopAll();
  await db.drop();
});

/** Blocks this process's event loop (runner and test alike) until `until`, from the check phase: timers run next, then I/O. */
const blockUntil = (until: number) =>
  new Promise<void>((resolve) =>
    setImmediate(() => {
      while (Date.now() < until);
      resolve();
    }),
  );

test('a claim whose reply is read late (the event loop was blocked) is not given back while it runs', async () => {
  const client = await runners.start([victim], { work: false });
  const id = await client.enqueue('late-claim', {});
  // claimed by someone else and given back: the next claim rewrites that attempt row, which the test holds
  const queue = (await db.query(`SELECT name, table_name AS "table", policy FROM pgboss.queue WHERE name = 'late-claim'`)).rows[0];
  const first = life.claim(queue, 1, randomUUID(), 'test');
  const [claimed] = (await db.query(first.text, first.values)).rows;
  const back = life.giveBack('late-claim', [{ id, claim: claimed.claim }], 'test', 'test');
  await db.query(back.text, back.values);
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM ifqueue.job_attempt WHERE job_id = $1 FOR UPDATE`, [id]);
    const worker = await runners.start([victim], { housekeepingSeconds: 1 });
    await waitFor("the worker's claim to wait on the held row", async () =>
      (await db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%job_attempt%'`)).rows.length > 0,
    );
    const claimWaitSince = Date.now();
    // the claim commits once the row is free, older than the unknown-claim age; its reply then waits in
    // the socket while the event loop is blocked
    const freed = holder.query(`SELECT pg_sleep(${UNKNOWN_CLAIM_AGE_SECONDS + 0.5}); COMMIT`);
    await waitFor('the claim to be nearly as old as the unknown-claim age', () => Date.now() >= claimWaitSince + (UNKNOWN_CLAIM_AGE_SECONDS - 1) * 1000, { timeoutMs: 30_000 });
    await blockUntil(claimWaitSince + (UNKNOWN_CLAIM_AGE_SECONDS + 2) * 1000);
    await freed;
    await waitFor('the job to run here', () => runs === 1);
    // the periodic pass (every second) runs first thing after the block; three intervals to misjudge the claim
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(runners.errors.filter((e) => /given back/.test(e)), [], 'nothing given back');
    assert.deepEqual((await db.query(`SELECT outcome FROM ifqueue.job_attempt WHERE job_id = $1`, [id])).rows.map((r) => r.outcome), ['running']);
    release.open();
    await waitForState(db, id, 'completed');
    assert.equal(runs, 1, 'the job ran once');
    await worker.stop({ timeoutMs: 500 });
  } finally {
    await holder.end().catch(() => {});
  }
});
