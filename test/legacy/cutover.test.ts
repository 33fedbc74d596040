// The cutover scenario end to end, with the stand-in old worker as a real process and Django's
// Enqueue() stand-in: the old worker runs while rows keep arriving; the bridge starts; the old
// worker is stopped; rows keep arriving; rollback (with jobs that had not started yet); bridge
// again. Every row runs exactly once (the ledger) and ends succeeded, with times and a log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { enableBridging, startBridge, type Bridge } from '../../src/legacy/bridge.ts';
import type { LegacyOptions } from '../../src/legacy/options.ts';
import { isWorkerCmdline, processCmdline } from '../../src/legacy/process.ts';
import { rollback } from '../../src/legacy/rollback.ts';
import { legacyReport, toLegacyStatus } from '../../src/legacy/status.ts';
import { stopWorker } from '../../src/legacy/stop.ts';
import type { Runner } from '../../src/runner/runner.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { CloneFile, MarkBroken, enqueue } from '../fixtures/legacy/enqueue.ts';
import { ledger, legacyDatabase, rows, spawnWorker, standInTasks, startRunner, tempDir, waitFor, workerArgs, type StandInWorker } from './support.ts';

let db: TestDatabase;
let runner: Runner;
let tmp: { dir: string; remove(): Promise<void> };
let bridge: Bridge | null = null;
let worker: StandInWorker | null = null;
let pidFile: string;

before(async () => {
  db = await legacyDatabase('legacy_cutover');
  tmp = await tempDir();
  pidFile = path.join(tmp.dir, 'ifdbworker.pid');
  runner = await startRunner(db, standInTasks(db, { taskMs: 30 }));
});

after(async () => {
  await bridge?.stop();
  await worker?.stop();
  // The worker that rollback started is detached: stop it by its verified pid.
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  const argv = pid ? await processCmdline(pid) : null;
  if (argv && isWorkerCmdline(argv)) {
    process.kill(pid, 'SIGTERM');
    await waitFor('the detached worker to exit', async () => !(await processCmdline(pid)));
  }
  await runner?.stop({ timeoutMs: 1000 });
  await db?.drop();
  await tmp?.remove();
});

async function setQueuePaused(task: string, paused: boolean) {
  let heard = false;
  const off = runner.on('queue:changed', (e) => {
    if (e.task === task && e.paused === paused) heard = true;
  });
  await (paused ? runner.pauseQueue(task) : runner.resumeQueue(task));
  await waitFor(`queue ${task} ${paused ? 'paused' : 'resumed'}`, () => heard);
  off();
}

test('old worker, bridge, stop, rollback, bridge again: every row runs exactly once and ends succeeded with a log', { timeout: 120_000 }, async () => {
  const options: LegacyOptions = { pidFile, unit: null, workerCommand: [process.execPath, ...workerArgs(db.url, pidFile, { taskMs: 30 })].join(' ') };
  const all: number[] = [];
  let urlId = 1000;
  const arrive = async (n: number) => {
    const ids: number[] = [];
    for (let i = 0; i < n; i++, urlId++) ids.push(await enqueue(db, pidFile, CloneFile, [urlId], { name: `CloneUrl(${urlId})`, onfail: MarkBroken }));
    all.push(...ids);
    return ids;
  };
  const allFinished = () =>
    waitFor(`all ${all.length} rows to finish`, async () => (await rows(db, all)).every((r) => !r.pending && (r.success || r.fail)), { timeoutMs: 30_000 });
  const status = async () => toLegacyStatus(await legacyReport(runner.db, options));

  // 1. The old worker runs and rows keep arriving.
  worker = await spawnWorker(db.url, pidFile, { taskMs: 30 });
  await arrive(5);
  await waitFor('the old worker to run rows', async () => (await ledger(db)).filter((l) => l.runner === 'legacy').length >= 3);
  assert.deepEqual(await status().then((s) => [s.workerAlive, s.workerPid, s.bridge]), [true, worker.pid, false]);

  // 2. The bridge starts while the old worker is still alive; rows keep arriving.
  bridge = await startBridge(runner, { ...options, enable: true, pollMs: 200, onError: () => {} });
  await arrive(5);
  await bridge.settled();
  assert.equal((await status()).bridge, true);

  // 3. The old worker is stopped: SIGTERM to the verified pid, it finishes its row and exits.
  const progress: string[] = [];
  const stopped = await stopWorker(runner.db, options, (m) => progress.push(m));
  assert.equal(stopped.ok, true, stopped.message);
  assert.match(stopped.message, new RegExp(`old worker \\(pid ${worker.pid}\\) exited`));
  assert.match(progress[0], new RegExp(`sent SIGTERM to the old worker \\(pid ${worker.pid}\\)`));
  assert.equal(await worker.exited, 0);
  assert.equal((await status()).workerAlive, false);

  // 4. Rows keep arriving (Enqueue signals a dead pid, as it would); the bridge takes them.
  await arrive(5);
  await allFinished();

  // 5. Rollback while some bridged jobs have not started (their queue is paused).
  await setQueuePaused('clone-file', true);
  const waiting = await arrive(3);
  await waitFor('the waiting rows to be bridged', async () => (await db.query(`SELECT count(*)::int AS n FROM ifqueue.legacy_link WHERE legacy_id = ANY($1::bigint[]) AND finished_at IS NULL`, [waiting])).rows[0].n === 3);
  const said: string[] = [];
  const rolled = await rollback(runner, { ...options, timeoutMs: 10_000 }, (m) => said.push(m));
  assert.deepEqual(rolled.handedBack, waiting);
  assert.equal(rolled.worker?.ok, true, rolled.worker?.message);
  const workerLog = path.join(tmp.dir, 'ifdbworker.log');
  assert.match(rolled.worker!.message, new RegExp(`; its output goes to ${workerLog.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  assert.equal(rolled.stillRunning, 0);
  await setQueuePaused('clone-file', false);
  const afterRollback = await status();
  assert.equal(afterRollback.bridge, false);
  assert.equal(afterRollback.workerAlive, true);

  // The old worker runs the handed-back rows and new ones.
  await arrive(3);
  await allFinished();

  // The worker rollback started keeps its output in the log file beside the pid file.
  const logged = await readFile(workerLog, 'utf8');
  for (const id of waiting) assert.match(logged, new RegExp(`^started row ${id}$`, 'm'));

  // 6. Bridge again (the bridge process follows the switch), stop the old worker again, more rows.
  await enableBridging(runner);
  await arrive(3);
  const again = await stopWorker(runner.db, options, () => {});
  assert.equal(again.ok, true, again.message);
  await arrive(2);
  await allFinished();

  // Every row ran exactly once and ended succeeded, with times and a log.
  const entries = await ledger(db);
  const byKey = new Map<string, string[]>();
  for (const e of entries) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e.runner]);
  for (let u = 1000; u < urlId; u++) assert.equal(byKey.get(`clone:${u}`)?.length, 1, `url ${u} ran ${byKey.get(`clone:${u}`)?.length ?? 0} times`);
  assert.equal(entries.length, all.length);
  const final = await rows(db, all);
  for (const r of final) {
    assert.deepEqual([r.pending, r.success, r.fail], [false, true, false], `row ${r.id}`);
    assert.ok(r.start_time && r.finish_time && r.start_time <= r.finish_time, `row ${r.id} times`);
    assert.match(r.log, /\n={60}\n/, `row ${r.id} log`);
  }
  const runners = new Set(entries.map((e) => e.runner));
  assert.deepEqual([...runners].sort(), ['ifqueue', 'legacy']);
  for (const id of waiting) {
    const [r] = final.filter((x) => x.id === id);
    assert.match(r.log, /handed back to the legacy worker \(rollback\)/);
    assert.match(r.log, /worker taskqueue\.py\] Running CloneUrl/);
    assert.equal(byKey.get(`clone:${1000 + all.indexOf(id)}`)?.[0], 'legacy');
  }
});
