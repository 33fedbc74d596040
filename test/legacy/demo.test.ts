// The demo's stand-in legacy queue: a table only where IFDB's are absent, and an old worker the Legacy screen
// finds by its pid file and stops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitFor } from '../runner/support.ts';
import { buildDemoTasks } from '../../src/tasks/registry.ts';
import { isDemoLegacyQueue, seedDemoLegacyQueue, startStandInWorker, type StandInWorker } from '../../src/legacy/demo.ts';
import { createLegacyControl, hasLegacyQueue } from '../../src/legacy/control.ts';
import { isAlive } from '../../src/legacy/process.ts';

let demo: TestDatabase;
let ifdb: TestDatabase;
let runners: RunnerPool;
const workers: StandInWorker[] = [];

before(async () => {
  [demo, ifdb] = await Promise.all([createTestDatabase('legacy_demo'), createTestDatabase('legacy_demo_ifdb')]);
  await loadIfdbSchema(ifdb);
  runners = new RunnerPool(demo);
});

after(async () => {
  for (const w of workers) w.stop();
  await runners?.stopAll();
  await Promise.all([demo?.drop(), ifdb?.drop()]);
});

test('the demo table is created with rows in a database without IFDB tables, once, and never in IFDB\'s database', async () => {
  const runner = await runners.start(buildDemoTasks(), { work: false });
  assert.equal(await seedDemoLegacyQueue(runner.db), true);
  assert.equal(await seedDemoLegacyQueue(runner.db), false, 'only once');
  assert.equal(await isDemoLegacyQueue(runner.db), true);
  assert.equal(await hasLegacyQueue(runner), true);
  const { rows } = await demo.query<{ pending: number; failed: number; unfinished: number }>(
    `SELECT count(*) FILTER (WHERE pending)::int AS pending, count(*) FILTER (WHERE fail)::int AS failed,
            count(*) FILTER (WHERE NOT pending AND NOT success AND NOT fail)::int AS unfinished FROM core_taskqueueelement`,
  );
  assert.deepEqual(rows[0], { pending: 3, failed: 1, unfinished: 1 });

  const ifdbRunners = new RunnerPool(ifdb);
  try {
    const other = await ifdbRunners.start(buildDemoTasks(), { work: false });
    const before = (await ifdb.query('SELECT count(*)::int AS n FROM core_taskqueueelement')).rows[0].n;
    assert.equal(await seedDemoLegacyQueue(other.db), false, 'IFDB\'s own table is left alone');
    assert.equal(await isDemoLegacyQueue(other.db), false);
    assert.equal((await ifdb.query('SELECT count(*)::int AS n FROM core_taskqueueelement')).rows[0].n, before);
  } finally {
    await ifdbRunners.stopAll();
  }
});

test('the stand-in worker is found through its pid file as the old worker, and S (stopWorker) stops it', async () => {
  const runner = await runners.start(buildDemoTasks(), { work: false });
  const worker = startStandInWorker();
  workers.push(worker);
  assert.equal(readFileSync(worker.pidFile, 'utf8').trim(), String(worker.pid));
  const control = createLegacyControl(runner, { pidFile: worker.pidFile, unit: null });
  const status = await waitFor('the stand-in to be seen as the old worker', async () => {
    const s = await control.status();
    return s.workerAlive ? s : null;
  });
  assert.equal(status.workerPid, worker.pid);
  assert.equal(status.pending, 3);
  assert.equal(status.orphaned, 1, 'the row started before this worker is an orphan');
  const progress: string[] = [];
  const message = await control.stopWorker((m) => progress.push(m));
  assert.match(message, new RegExp(`old worker \\(pid ${worker.pid}\\) exited after \\d+s`));
  assert.match(progress.join('\n'), /sent SIGTERM/);
  assert.equal((await control.status()).workerAlive, false);
  worker.stop();
  assert.equal(existsSync(path.dirname(worker.pidFile)), false, 'its pid file directory is removed');
});

test('a stand-in whose parent goes away exits by itself', async () => {
  const { spawn } = await import('node:child_process');
  const script = `import { startStandInWorker } from ${JSON.stringify(new URL('../../src/legacy/demo.ts', import.meta.url).href)};
    const w = startStandInWorker(); process.stdout.write(w.pid + ' ' + w.pidFile + '\\n'); setTimeout(() => process.kill(process.pid, 'SIGKILL'), 200);`;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  parent.stdout!.on('data', (d) => (out += d));
  await new Promise((r) => parent.once('exit', r));
  const [pid, pidFile] = out.trim().split(' ');
  assert.ok(Number(pid) > 0, out);
  await waitFor('the orphaned stand-in to exit', async () => !(await isAlive(Number(pid))));
  await waitFor('the stand-in to remove its pid file (its parent could not)', () => !existsSync(path.dirname(pidFile)));
});
