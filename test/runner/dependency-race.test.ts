// A dependent enqueued while its parent is being settled is released at once, not at the next
// periodic pass: neither the settlement (its statement's snapshot predates the dependent) nor the
// enqueue (it saw the parent still running) can see the other, so each side looks once more after
// its commit. The periodic pass is set to ten minutes here, so only those looks can release it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunnerPool, gate, recordEvents, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let runner: Runner;
const gates = new Map<string, ReturnType<typeof gate>>();
const ran: string[] = [];

const held = defineTask({
  name: 'held',
  description: 'runs until the test opens its gate',
  schema: z.object({ label: z.string() }),
  concurrency: 4,
  async handler({ label }) {
    await gates.get(label)!.promise;
    ran.push(label);
  },
});

const child = defineTask({
  name: 'child',
  description: 'records that it ran',
  schema: z.object({ label: z.string() }),
  async handler({ label }) {
    ran.push(label);
  },
});

before(async () => {
  db = await createTestDatabase('runner_dependency_race');
  runners = new RunnerPool(db);
  runner = await runners.start([held, child], { housekeepingSeconds: 600 });
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

async function runningParent(label: string): Promise<string> {
  gates.set(label, gate());
  const id = await runner.enqueue('held', { label });
  await waitForState(db, id, 'active');
  return id;
}

async function enqueueChild(q: { query: pg.ClientBase['query'] } | TestDatabase, label: string, parent: string): Promise<string> {
  const { rows } = await (q as pg.ClientBase).query(`SELECT ifqueue.enqueue('child', $1::jsonb, $2::jsonb) AS id`, [{ label }, { dependsOn: parent }]);
  return rows[0].id;
}

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  return client;
}

test('a dependent committed after its parent completed (enqueued while the parent ran) runs at once', async () => {
  const parent = await runningParent('parent-a');
  const tx = await connect();
  try {
    await tx.query('BEGIN');
    const id = await enqueueChild(tx, 'child-a', parent);
    gates.get('parent-a')!.open();
    await waitForState(db, parent, 'completed');
    assert.equal((await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE id = $1`, [id])).rows[0].n, 0, 'not committed yet');
    await tx.query('COMMIT');
    await waitForState(db, id, 'completed', { timeoutMs: 10_000 });
    assert.deepEqual(ran.filter((l) => l.endsWith('-a')), ['parent-a', 'child-a']);
  } finally {
    await tx.end();
  }
});

test("a dependent committed while its parent's completion statement runs is released when that completion commits", async () => {
  const parent = await runningParent('parent-b');
  // holds the parent's attempt row: its completion statement starts (its snapshot taken) and waits here
  const blocker = await connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM ifqueue.job_attempt WHERE job_id = $1 FOR UPDATE`, [parent]);
    gates.get('parent-b')!.open();
    await waitFor('the completion statement to wait on the attempt row', async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%job_attempt%'`);
      return rows[0].n > 0;
    });
    // the enqueue sees the parent still active (held); its own look after the commit finds it still active
    const created = recordEvents(runner, ['job:created']);
    const id = await enqueueChild(db, 'child-b', parent);
    assert.equal((await runner.getJob(id))!.blocked, true);
    await waitFor('the runner to hear of the dependent', () => created.seen.some((e) => e.payload.id === id && e.payload.dependencyPending));
    created.off();
    await sleep(100); // past the kick's 20 ms delay; reconcile() then waits for that pass to end
    await runner.reconcile();
    assert.equal((await runner.getJob(id))!.state, 'created', 'still held while the completion waits');
    await blocker.query('COMMIT');
    await waitForState(db, parent, 'completed');
    await waitForState(db, id, 'completed', { timeoutMs: 10_000 });
    assert.deepEqual(ran.filter((l) => l.endsWith('-b')), ['parent-b', 'child-b']);
  } finally {
    await blocker.end();
  }
});

test('a dependent of a job that completes while its runner stops is released before that runner exits', async () => {
  const parent = await runningParent('parent-c');
  const created = recordEvents(runner, ['job:created']);
  const id = await enqueueChild(db, 'child-c', parent);
  await waitFor('the runner to hear of the dependent', () => created.seen.some((e) => e.payload.id === id));
  created.off();
  await sleep(100);
  await runner.reconcile();
  const stopped = runner.stop({ timeoutMs: 10_000 });
  gates.get('parent-c')!.open();
  await stopped;
  assert.equal((await db.query(`SELECT state FROM pgboss.job WHERE id = $1`, [parent])).rows[0].state, 'completed');
  const meta = (await db.query(`SELECT dep_state FROM ifqueue.job_meta WHERE job_id = $1`, [id])).rows[0];
  assert.equal(meta.dep_state, 'released', 'no other runner hears of that completion: the stopping one releases it');
});
