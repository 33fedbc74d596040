// Start-up on an empty database: ten runners at once all succeed (schemas, migrations and queues
// are created once, under locks), and starting again on the migrated database changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { SCHEMA_VERSION } from '../../src/runner/schema.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;

const tasks = ['alpha', 'beta', 'gamma'].map((name) =>
  defineTask({ name, description: name, schema: z.object({}), exclusive: name === 'gamma', async handler() {} }),
);

before(async () => {
  db = await createTestDatabase('runner_migrations');
  runners = new RunnerPool(db);
});

after(async () => {
  await runners.stopAll();
  await db.drop();
});

test('ten runners starting at once on an empty database all succeed', async () => {
  const starting = Array.from({ length: 10 }, () => runners.create(tasks, { work: false, register: true, poolSize: 2 }));
  const results = await Promise.allSettled(starting.map((r) => r.start()));
  assert.deepEqual(
    results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
    [],
    'no runner failed to start',
  );
  const migrations = await db.query(`SELECT version FROM ifqueue.migration ORDER BY version`);
  // Literal on purpose: a migration added (or lost) must show up here. Add its number when you add one.
  assert.deepEqual(migrations.rows.map((r) => r.version), [1, 2, 3, 4, 5, 6, 7], 'each migration applied once');
  assert.equal(SCHEMA_VERSION, 7);
  const queues = await db.query(`SELECT name, policy FROM pgboss.queue ORDER BY name`);
  assert.deepEqual(queues.rows.map((r) => [r.name, r.policy]), [['alpha', 'standard'], ['beta', 'standard'], ['gamma', 'singleton']]);
  assert.equal((await db.query(`SELECT count(*)::int AS n FROM ifqueue.runner WHERE stopped_at IS NULL`)).rows[0].n, 10);
  // every runner works on the result
  const ids = await Promise.all(starting.map((r, i) => r.enqueue(tasks[i % 3].name, {})));
  assert.equal(new Set(ids).size, 10);
  await Promise.all(starting.map((r) => r.stop()));
  assert.equal((await db.query(`SELECT count(*)::int AS n FROM ifqueue.runner WHERE stopped_at IS NULL`)).rows[0].n, 0, 'all stopped cleanly');
});

test('starting again on a migrated database is idempotent', async () => {
  const tables = async () => (await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'ifqueue' ORDER BY 1`)).rows.map((r) => r.table_name);
  const before = await tables();
  const again = await runners.start(tasks, { work: false });
  assert.deepEqual(await tables(), before);
  assert.deepEqual((await db.query(`SELECT version FROM ifqueue.migration ORDER BY version`)).rows.map((r) => r.version), [1, 2, 3, 4, 5, 6, 7], 'no migration applied twice');
  assert.equal(await again.countJobs({}), 10, 'the jobs are still there');
});
