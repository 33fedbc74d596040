// The one safe switch: `legacy cutover` stops the old worker (it finishes its row), then turns the
// take guard and bridging on, while the stand-in worker (dying on a refused save, as the real one
// does) races it and rows keep arriving: the worker exits cleanly, never meets the guard, and every
// row runs once. And when the guard does kill a worker (the old order), `legacy stop` says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBridge, enableBridging, type Bridge } from '../../src/legacy/bridge.ts';
import { cutover } from '../../src/legacy/cutover.ts';
import type { LegacyOptions } from '../../src/legacy/options.ts';
import { legacyReport, reportText } from '../../src/legacy/status.ts';
import { stopWorker } from '../../src/legacy/stop.ts';
import { bridgeSwitch, installedTriggers, lastGuardRefusal, setBridgeSwitch, setTrigger } from '../../src/legacy/store.ts';
import type { Runner } from '../../src/runner/runner.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { CloneFile, FetchFeeds, enqueue } from '../fixtures/legacy/enqueue.ts';
import { ledger, legacyDatabase, rows, spawnWorker, standInTasks, startRunner, tempDir, waitFor, type StandInWorker } from './support.ts';

const BIN = fileURLToPath(new URL('../../bin/ifqueue.js', import.meta.url));
let db: TestDatabase;
let runner: Runner;
let tmp: { dir: string; remove(): Promise<void> };
let bridge: Bridge | null = null;
const workers: StandInWorker[] = [];
const opts = (pidFile: string): LegacyOptions => ({ pidFile, unit: null, workerCommand: null });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  db = await legacyDatabase('legacy_switch');
  tmp = await tempDir();
  runner = await startRunner(db, standInTasks(db, { taskMs: 20 }));
});

after(async () => {
  for (const w of workers) await w.stop();
  await bridge?.stop();
  await runner?.stop({ timeoutMs: 1000 });
  await db?.drop();
  await tmp?.remove();
});

/** Back to the old worker's world: bridging off, no take guard. */
async function legacyWorld() {
  await setBridgeSwitch(runner.db, false, 'test');
  await setTrigger(runner.db, 'guard', false);
}

test('cutover changes nothing while no bridge process would take the rows', async () => {
  const pidFile = path.join(tmp.dir, 'nobridge.pid');
  const worker = await spawnWorker(db.url, pidFile, { exitOnRefusedSave: true });
  workers.push(worker);
  const result = await cutover(runner, opts(pidFile), () => assert.fail('no progress expected'));
  assert.equal(result.ok, false);
  assert.match(result.message, /^no bridge process is running to take the rows: restart the daemon with --bridge .*; nothing was changed$/);
  assert.equal(worker.child.exitCode, null, 'the old worker still runs');
  assert.equal(await bridgeSwitch(runner.db), false);
  assert.equal((await legacyReport(runner.db, opts(pidFile))).bridge.guard, false);
  await worker.stop();
  assert.equal(await worker.exited, 0);
});

test('legacy cutover with the old worker racing it: the worker exits cleanly, never meets the guard, every row runs once', { timeout: 120_000 }, async () => {
  await legacyWorld();
  const pidFile = path.join(tmp.dir, 'race.pid');
  const o = opts(pidFile);
  // the daemon's bridge: it follows the switch, so it takes nothing until cutover turns it on
  bridge = await startBridge(runner, { ...o, pollMs: 200, onError: () => {} });
  // a slow take (150 ms between select and save) keeps the worker inside the window the guard closes
  const worker = await spawnWorker(db.url, pidFile, { taskMs: 30, takeDelayMs: 150, exitOnRefusedSave: true });
  workers.push(worker);
  const cron = await enqueue(db, pidFile, FetchFeeds, [], { name: 'FetchFeeds' }, { cron: '0 3 1 1 *', scheduledTime: new Date(Date.now() + 86400_000) });
  const all: number[] = [];
  let producing = true;
  const producer = (async () => {
    for (let urlId = 3000; producing || urlId < 3030; urlId++) {
      all.push(await enqueue(db, pidFile, CloneFile, [urlId], { name: `CloneUrl(${urlId})` }));
      await sleep(15);
    }
  })();
  await waitFor('the old worker to run rows', async () => (await ledger(db)).filter((l) => l.runner === 'legacy').length >= 5);

  const progress: string[] = [];
  const result = await cutover(runner, { ...o, progressEveryMs: 500 }, (m) => progress.push(m));
  await sleep(300);
  producing = false;
  await producer;
  assert.equal(result.ok, true, result.message);
  assert.match(result.message, /^cutover done: the old worker is stopped, bridging is on; the bridge took \d+ waiting row\(s\) and converted 1 cron row\(s\) into schedules\. next: systemctl disable ifdb-worker/);
  assert.equal(result.converted, 1);
  assert.match(progress[0], new RegExp(`^sent SIGTERM to the old worker \\(pid ${worker.pid}\\)`));
  assert.ok(progress.includes('take guard installed; bridging is on'));
  assert.ok(progress.indexOf('take guard installed; bridging is on') > progress.findIndex((p) => /^old worker \(pid \d+\) exited after/.test(p)), 'the guard only after the worker exited');

  assert.equal(await worker.exited, 0, worker.output.join('\n'));
  assert.deepEqual(worker.output.filter((l) => /save refused|bridge is on/.test(l)), [], 'the worker never met the guard');
  assert.equal(await lastGuardRefusal(runner.db), null, 'the guard never refused a start');

  await waitFor(`all ${all.length} rows to finish`, async () => (await rows(db, all)).every((r) => r.success && !r.pending), { timeoutMs: 60_000 });
  const entries = (await ledger(db)).filter((l) => l.key.startsWith('clone:'));
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
  assert.equal(counts.size, all.length, 'every row ran');
  assert.deepEqual([...counts].filter(([, n]) => n !== 1), [], 'no row ran twice');
  assert.deepEqual([...new Set(entries.map((e) => e.runner))].sort(), ['ifqueue', 'legacy']);
  const [cronRow] = await rows(db, [cron]);
  assert.match(cronRow.log, /converted to the ifqueue schedule fetch-feeds "0 3 1 1 \*"/);
  const feeds = (await runner.listSchedules()).find((s) => s.task === 'fetch-feeds' && s.key === 'default');
  assert.deepEqual([feeds?.cron, feeds?.paused], ['0 3 1 1 *', false]);

  // Running it again is harmless: nothing to stop, bridging already on.
  const again = await cutover(runner, o, () => {});
  assert.equal(again.ok, true, again.message);
});

test("the guard's refusal names the command to run, and legacy stop reports the worker it killed, with exit code 1", { timeout: 60_000 }, async () => {
  await legacyWorld();
  const pidFile = path.join(tmp.dir, 'old-order.pid');
  const o = opts(pidFile);
  const worker = await spawnWorker(db.url, pidFile, { takeDelayMs: 1500, exitOnRefusedSave: true });
  workers.push(worker);
  const id = await enqueue(db, pidFile, CloneFile, [3500], { name: 'CloneUrl(3500)' });
  await worker.waitForOutput(new RegExp(`^selected row ${id}$`));
  // the old documented order: bridging on while the worker is alive (the bridge from the test above takes the row)
  await enableBridging(runner);
  assert.equal(await worker.exited, 1, 'the real worker dies of the refused save');
  const refusal = worker.output.find((l) => l.startsWith(`save refused for row ${id}:`));
  assert.equal(
    refusal,
    `save refused for row ${id}: ifqueue bridge is on: the legacy worker may not start row ${id}. Stop it for good: ifqueue legacy stop, then systemctl disable ifdb-worker (or give it the queue back: ifqueue legacy rollback)`,
  );
  assert.equal((await lastGuardRefusal(runner.db))?.rowId, id);

  const result = await stopWorker(runner.db, o, () => assert.fail('nothing to stop'));
  assert.deepEqual([result.ok, result.crashed], [false, true]);
  assert.match(result.message, new RegExp(`^old worker is not running: it crashed: pid ${worker.pid} from .*old-order\\.pid died on its own: the take guard refused it row ${id} at \\d{4}-.*Z \\(bridging was switched on while it ran\\); nothing to stop$`));
  assert.match(reportText(await legacyReport(runner.db, o)), new RegExp(`crashed: pid ${worker.pid} .* refused it row ${id}`));
  const env = { ...process.env, DATABASE_URL: db.url, WORKER_PID_FILE: pidFile, IFQUEUE_LEGACY_UNIT: '' };
  const cli = await promisify(execFile)(process.execPath, [BIN, 'legacy', 'stop'], { env }).then(() => assert.fail('stop should exit 1'), (error) => error);
  assert.equal(cli.code, 1);
  assert.match(cli.stdout, /^old worker is not running: it crashed: .*the take guard refused it row/);
  // no harm done: the bridge ran the row once
  await waitFor('the raced row', async () => (await rows(db, [id]))[0].success);
  assert.deepEqual((await ledger(db)).filter((l) => l.key === 'clone:3500').map((l) => l.runner), ['ifqueue']);
});

test('a worker killed in the middle of a row is reported as crashed, with the row it left', { timeout: 60_000 }, async () => {
  await legacyWorld();
  const pidFile = path.join(tmp.dir, 'killed.pid');
  const worker = await spawnWorker(db.url, pidFile, { taskMs: 60_000 });
  workers.push(worker);
  const id = await enqueue(db, pidFile, CloneFile, [3600], { name: 'CloneUrl(3600)' });
  await worker.waitForOutput(new RegExp(`^started row ${id}$`));
  // a refusal (an earlier worker's) stamped when this one wrote its pid file, before it started the row:
  // inside the clock slack, so only the row started after it shows it was not this worker's
  const writtenAt = Math.floor((await stat(pidFile)).mtimeMs);
  await runner.db.query(`SELECT setval('ifqueue.legacy_guard_refused_at', $1::bigint, true), setval('ifqueue.legacy_guard_refused_row', 999, true)`, [writtenAt]);
  worker.child.kill('SIGKILL');
  await worker.exited;
  const result = await stopWorker(runner.db, opts(pidFile), () => {});
  assert.deepEqual([result.ok, result.crashed], [false, true]);
  assert.match(result.message, new RegExp(`died on its own: it left row ${id} started and unfinished \\(ifqueue legacy adopt-orphans\\); nothing to stop$`));
});

test('legacy bridge refuses to switch bridging on under a live old worker, and names cutover', { timeout: 60_000 }, async () => {
  await legacyWorld();
  const pidFile = path.join(tmp.dir, 'refuse.pid');
  const worker = await spawnWorker(db.url, pidFile, { exitOnRefusedSave: true });
  workers.push(worker);
  const env = { ...process.env, DATABASE_URL: db.url, WORKER_PID_FILE: pidFile, IFQUEUE_LEGACY_UNIT: '' };
  const cli = await promisify(execFile)(process.execPath, [BIN, 'legacy', 'bridge', '--enable-only'], { env }).then(() => assert.fail('should refuse'), (error) => error);
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, new RegExp(`^ifqueue: the old worker is running \\(running \\(pid ${worker.pid} from .*\\)\\): turning bridging on now would crash it on its next row; use ifqueue legacy cutover .*\\n$`));
  assert.equal(await bridgeSwitch(runner.db), false);
  assert.equal(worker.child.exitCode, null);
  await worker.stop();
  assert.equal(await worker.exited, 0);
});

test('cutover stops before bridging when the old worker does not finish its row in time, and kills nothing', { timeout: 60_000 }, async () => {
  await legacyWorld();
  const pidFile = path.join(tmp.dir, 'slow.pid');
  const worker = await spawnWorker(db.url, pidFile, { taskMs: 8000, exitOnRefusedSave: true });
  workers.push(worker);
  const id = await enqueue(db, pidFile, CloneFile, [3700], { name: 'CloneUrl(3700)' });
  await worker.waitForOutput(new RegExp(`^started row ${id}$`));
  const result = await cutover(runner, { ...opts(pidFile), stopTimeoutMs: 500 }, () => {});
  assert.equal(result.ok, false);
  assert.match(result.message, new RegExp(`^old worker \\(pid ${worker.pid}\\) is still running after \\d+s; it was not killed .*; cutover stopped before bridging \\(bridging stays off\\)`));
  assert.equal(await bridgeSwitch(runner.db), false);
  assert.equal((await installedTriggers(runner.db)).guard, false);
  // it had its SIGTERM: it finishes the row and exits by itself, cleanly
  assert.equal(await worker.exited, 0);
  assert.equal((await rows(db, [id]))[0].success, true);
});

test("the guard records its refusal even when the old worker's database role has no rights on ifqueue's schema", async () => {
  await legacyWorld();
  await setTrigger(runner.db, 'guard', true);
  const role = `ifq_weak_${randomBytes(4).toString('hex')}`;
  const id = await enqueue(db, null, CloneFile, [3800]);
  await db.query(`CREATE ROLE ${role} LOGIN`);
  const url = new URL(db.url);
  url.username = role;
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await db.query(`GRANT SELECT, UPDATE ON core_taskqueueelement TO ${role}`);
    await client.connect();
    await assert.rejects(
      client.query(`UPDATE core_taskqueueelement SET pending = false, start_time = now() WHERE id = $1`, [id]),
      new RegExp(`^error: ifqueue bridge is on: the legacy worker may not start row ${id}\\. Stop it for good: ifqueue legacy stop`),
    );
    assert.equal((await lastGuardRefusal(runner.db))?.rowId, id);
    await client.query(`UPDATE core_taskqueueelement SET log = 'edited' WHERE id = $1`, [id]);
  } finally {
    await client.end().catch(() => {});
    await db.query(`DROP OWNED BY ${role}`);
    await db.query(`DROP ROLE ${role}`);
  }
  await legacyWorld();
});
