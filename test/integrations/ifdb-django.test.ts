// IFDB's drop-in taskqueue.py in real Django (Debian's) against PostgreSQL: the Python test module
// integrations/ifdb/tests/test_taskqueue.py runs against a database a real runner prepared, while that
// runner works the jobs with stand-in handlers (IFDB's real task names and argument schemas).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PermanentError } from '../../src/runner/errors.ts';
import { abortableSleep } from '../../src/runner/sleep.ts';
import { buildAllTasks } from '../../src/tasks/index.ts';
import type { TaskDefinition } from '../../src/runner/types.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool } from '../runner/support.ts';
import { DROP_IN_DIR, runPython } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let tasksPool: pg.Pool;

/** clone-file fails for good on url 404, and waits for url ids from 900000 until the test releases them. */
function standIns(): TaskDefinition[] {
  return buildAllTasks({ pool: tasksPool, env: {} }).map((definition) => ({
    ...definition,
    async handler(args: { urlId?: number }, ctx) {
      if (definition.name !== 'clone-file') return null;
      if (args.urlId === 404) throw new PermanentError(`HTTP 404 for url ${args.urlId}`);
      while ((args.urlId ?? 0) >= 900_000 && !ctx.signal.aborted) {
        const { rowCount } = await db.query('SELECT 1 FROM ifqueue_test_release WHERE url_id = $1', [args.urlId]);
        if (rowCount) break;
        await abortableSleep(100, ctx.signal);
      }
      return null;
    },
  }));
}

before(async () => {
  db = await createTestDatabase('ifdb_django');
  await db.query('CREATE TABLE ifqueue_test_release (url_id int PRIMARY KEY)');
  tasksPool = new pg.Pool({ connectionString: db.url, max: 2 });
  runners = new RunnerPool(db);
  await runners.start(standIns());
});

after(async () => {
  await db.query('INSERT INTO ifqueue_test_release SELECT generate_series(900000, 901000) ON CONFLICT DO NOTHING').catch(() => {});
  await runners.stopAll();
  await tasksPool.end();
  await db.drop();
});

test('the drop-in in Django: atomic commit and rollback, dependency, on-fail, unknown functions, EnqueueOrGet racing itself, priorities, retries', async () => {
  const module = path.join(DROP_IN_DIR, 'tests', 'test_taskqueue.py');
  const expected = [...readFileSync(module, 'utf8').matchAll(/^ {4}def (test_\w+)/gm)].map((m) => m[1]);
  assert.ok(expected.length >= 14, 'the Python module has its tests');
  const run = await runPython(['-m', 'unittest', '-v', 'test_taskqueue'], {
    cwd: path.join(DROP_IN_DIR, 'tests'),
    env: { IFQUEUE_TEST_DATABASE_URL: db.url },
  });
  const report = `exit ${run.code}\n${run.stderr}\n${run.stdout}`;
  assert.equal(run.code, 0, report);
  assert.match(run.stderr, new RegExp(`^Ran ${expected.length} tests? in `, 'm'), report);
  assert.match(run.stderr, /^OK$/m, report);
  for (const name of expected) assert.match(run.stderr, new RegExp(`^${name} \\(.*\\) \\.\\.\\. ok$`, 'm'), `${name} passed\n${report}`);
  assert.equal(runners.errors.length, 0, runners.errors.join('\n'));
});
