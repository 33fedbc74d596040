// Which IFDB tables each task needs, as the dashboard asks before enqueueing on a database without them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../helpers/db.ts';
import { IFDB_TABLES, missingIfdbTables } from '../../src/tasks/ifdb-tables.ts';
import { buildAllTasks } from '../../src/tasks/index.ts';

let db: TestDatabase;
let pool: pg.Pool;

before(async () => {
  db = await createTestDatabase('ifdb_tables');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});

after(async () => {
  await pool?.end();
  await db?.drop();
});

test('every task that is not a demo task says which IFDB tables it needs', () => {
  const names = buildAllTasks({ pool }).map((t) => t.name).filter((n) => !n.startsWith('demo-'));
  assert.deepEqual(names.filter((n) => !IFDB_TABLES[n]), []);
});

test('a database without IFDB tables lacks them for every IFDB task; with the schema loaded it lacks none', async () => {
  const empty = await missingIfdbTables(pool);
  assert.deepEqual(Object.keys(empty).sort(), Object.keys(IFDB_TABLES).sort());
  assert.deepEqual(empty['fetch-feeds'], ['core_feedcache']);
  assert.ok(empty['import-games'].includes('games_game'));
  await loadIfdbSchema(db);
  assert.deepEqual(await missingIfdbTables(pool), {});
});
