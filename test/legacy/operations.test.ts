// Operating the cutover: a stale pid file is reported and never signalled, orphaned rows are found
// (but not the row the live worker is running) and adopted, retire refuses until nothing is left
// and drops only when asked twice, and the CLI answers in one line or JSON.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { adoptOrphans } from '../../src/legacy/adopt.ts';
import { createLegacyControl } from '../../src/legacy/control.ts';
import { startBridge } from '../../src/legacy/bridge.ts';
import type { LegacyOptions } from '../../src/legacy/options.ts';
import { processCmdline } from '../../src/legacy/process.ts';
import { retire } from '../../src/legacy/retire.ts';
import { legacyReport, reportText, toLegacyStatus } from '../../src/legacy/status.ts';
import { stopWorker } from '../../src/legacy/stop.ts';
import { ensureLegacyStore, setBridgeSwitch } from '../../src/legacy/store.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../helpers/db.ts';
import { CloneFile, enqueue } from '../fixtures/legacy/enqueue.ts';
import { ledger, legacyDatabase, rows, spawnWorker, standInTasks, startRunner, tempDir, waitFor } from './support.ts';

const BIN = fileURLToPath(new URL('../../bin/ifqueue.js', import.meta.url));
let db: TestDatabase;
let runner: Runner;
let tmp: { dir: string; remove(): Promise<void> };
const cleanups: (() => Promise<unknown>)[] = [];
const opts = (pidFile: string): LegacyOptions => ({ pidFile, unit: null, workerCommand: null });

/** A started-but-unfinished row, as a killed worker leaves it. */
async function orphanRow(urlId: number, startedSecondsAgo: number): Promise<number> {
  const id = await enqueue(db, null, CloneFile, [urlId], { name: `CloneUrl(${urlId})` });
  await db.query(`UPDATE core_taskqueueelement SET pending = false, start_time = now() - make_interval(secs => $2) WHERE id = $1`, [id, startedSecondsAgo]);
  return id;
}

before(async () => {
  db = await legacyDatabase('legacy_ops');
  tmp = await tempDir();
  runner = await startRunner(db, standInTasks(db));
  await ensureLegacyStore(runner.db);
  await setBridgeSwitch(runner.db, false, 'test');
});

after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await runner?.stop({ timeoutMs: 1000 });
  await db?.drop();
  await tmp?.remove();
});

test('a pid file naming another program is reported as stale and that program is not signalled', async () => {
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  cleanups.push(async () => other.kill('SIGKILL'));
  const pidFile = path.join(tmp.dir, 'stale.pid');
  await writeFile(pidFile, String(other.pid));
  const report = await legacyReport(runner.db, opts(pidFile));
  assert.equal(report.worker.alive, false);
  assert.equal(report.worker.pidFile.state, 'stale');
  assert.match(report.worker.pidFile.detail, new RegExp(`pid ${other.pid} is not an ifdbworker \\(sleep 30\\); not signalled`));
  assert.equal(toLegacyStatus(report).workerAlive, false);
  assert.match(reportText(report), /stale pid file/);
  const result = await stopWorker(runner.db, opts(pidFile), () => assert.fail('no progress expected'));
  assert.equal(result.ok, false);
  assert.match(result.message, /stale pid file .* nothing was stopped/);
  assert.deepEqual(await processCmdline(other.pid!), ['sleep', '30']);
  assert.equal(other.exitCode, null);

  const control = createLegacyControl(runner, opts(pidFile));
  assert.deepEqual(await control.status(), { workerAlive: false, workerPid: null, unit: null, pending: 0, running: 0, orphaned: 0, bridge: false });
  await assert.rejects(control.stopWorker(() => {}), (e: Error) => e.name === 'UserError' && /stale pid file .* nothing was stopped/.test(e.message));
  assert.equal(other.exitCode, null);

  await writeFile(pidFile, '2147483646');
  const gone = await stopWorker(runner.db, opts(pidFile), () => {});
  assert.deepEqual([gone.ok, gone.message], [true, `old worker is not running (pid file ${pidFile} names pid 2147483646, which is not running)`]);
});

test('orphaned rows are found, the live worker\'s own row is not, and adoption runs the orphans again once', async () => {
  const pidFile = path.join(tmp.dir, 'orphans.pid');
  const old = await orphanRow(501, 3600);
  const worker = await spawnWorker(db.url, pidFile, { taskMs: 1500 });
  cleanups.push(() => worker.stop());
  const current = await enqueue(db, pidFile, CloneFile, [502], { name: 'CloneUrl(502)' });
  await worker.waitForOutput(new RegExp(`^started row ${current}$`));
  const report = await legacyReport(runner.db, opts(pidFile));
  assert.equal(report.running?.id, current);
  assert.deepEqual(report.orphans.map((o) => o.id), [old]);
  assert.deepEqual(toLegacyStatus(report), { workerAlive: true, workerPid: worker.pid, unit: null, pending: 0, running: 1, orphaned: 1, bridge: false });

  const dry = await adoptOrphans(runner.db, opts(pidFile), { dryRun: true });
  assert.deepEqual([dry.orphans.map((o) => o.id), dry.adopted], [[old], []]);
  assert.equal((await rows(db, [old]))[0].pending, false);
  const adopted = await adoptOrphans(runner.db, opts(pidFile));
  assert.deepEqual(adopted.adopted, [old]);
  const [again] = await rows(db, [old]);
  assert.equal(again.pending, true);
  assert.match(again.log, /adopted: this row was started but never finished/);
  assert.equal((await rows(db, [current]))[0].pending, false, 'the running row was left alone');

  await waitFor('both rows to succeed', async () => (await rows(db, [old, current])).every((r) => r.success));
  await worker.stop();
  const runs = (await ledger(db)).filter((l) => l.key === 'clone:501' || l.key === 'clone:502');
  assert.deepEqual(runs.map((l) => l.key).sort(), ['clone:501', 'clone:502']);
});

test('with the old worker gone, every unfinished row is an orphan; adopted rows go to the bridge', async () => {
  const pidFile = path.join(tmp.dir, 'none.pid');
  const a = await orphanRow(601, 60);
  const b = await orphanRow(602, 5);
  const report = await legacyReport(runner.db, opts(pidFile));
  assert.equal(report.running, null);
  assert.deepEqual(report.orphans.map((o) => o.id), [b, a]);
  const bridge = await startBridge(runner, { ...opts(pidFile), enable: true, pollMs: 200, onError: () => {} });
  cleanups.push(() => bridge.stop());
  await bridge.settled();
  assert.equal((await rows(db, [a]))[0].pending, false, 'the bridge does not take orphans by itself');
  assert.deepEqual((await adoptOrphans(runner.db, opts(pidFile))).adopted, [a, b]);
  await waitFor('the adopted rows to succeed', async () => (await rows(db, [a, b])).every((r) => r.success));
  assert.deepEqual((await ledger(db)).filter((l) => l.key === 'clone:601' || l.key === 'clone:602').map((l) => l.runner), ['ifqueue', 'ifqueue']);
  await bridge.stop();
  await setBridgeSwitch(runner.db, false, 'test');
});

test('the CLI prints the legacy status as JSON and refuses to signal a stale pid with exit code 1', async () => {
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  cleanups.push(async () => other.kill('SIGKILL'));
  const pidFile = path.join(tmp.dir, 'cli.pid');
  await writeFile(pidFile, String(other.pid));
  const env = { ...process.env, DATABASE_URL: db.url, WORKER_PID_FILE: pidFile, IFQUEUE_LEGACY_UNIT: '' };
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'legacy', 'status', '--json'], { env });
  const report = JSON.parse(stdout);
  assert.equal(report.table, true);
  assert.equal(report.worker.pidFile.state, 'stale');
  assert.equal(typeof report.counts.pending, 'number');
  const stop = await promisify(execFile)(process.execPath, [BIN, 'legacy', 'stop'], { env }).then(
    () => null,
    (error) => error,
  );
  assert.equal(stop?.code, 1);
  assert.match(stop.stdout, /stale pid file .*not signalled/);
  assert.equal(other.exitCode, null);
});

test('retire refuses while rows are pending or the old worker lives, exports JSON lines, and drops only with --drop --confirm', async () => {
  const own = await createTestDatabase('legacy_retire');
  cleanups.push(() => own.drop());
  await loadIfdbSchema(own);
  const pool = new pg.Pool({ connectionString: own.url, max: 2 });
  pool.on('error', () => {});
  cleanups.push(() => pool.end());
  const pidFile = path.join(tmp.dir, 'retire.pid');
  const o = opts(pidFile);
  const out = (name: string) => path.join(tmp.dir, name);

  const pendingRow = await enqueue(pool, null, CloneFile, [701], { name: 'CloneUrl(701)' });
  await enqueue(pool, null, CloneFile, [702], { name: 'Кащей' });
  const refusedPending = await retire(pool, o, { idleSeconds: 0, out: out('a.jsonl') });
  assert.equal(refusedPending.ok, false);
  assert.ok(!refusedPending.ok && refusedPending.refused.includes('2 row(s) are pending'));

  await pool.query(`UPDATE core_taskqueueelement SET pending = false, success = true, start_time = now(), finish_time = now()`);
  const worker = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'ifdbworker'], { stdio: 'ignore' });
  cleanups.push(async () => worker.kill('SIGKILL'));
  await writeFile(pidFile, String(worker.pid));
  const refusedWorker = await retire(pool, o, { idleSeconds: 0, out: out('b.jsonl') });
  assert.ok(!refusedWorker.ok && refusedWorker.refused.some((r) => r.startsWith('the old worker is running')));
  worker.kill('SIGKILL');
  await waitFor('the fake worker to exit', async () => !(await processCmdline(worker.pid!)));

  const refusedIdle = await retire(pool, o, { idleSeconds: 3600, out: out('c.jsonl') });
  assert.ok(!refusedIdle.ok && /the newest row arrived \d+s ago/.test(refusedIdle.refused[0]));
  const refusedConfirm = await retire(pool, o, { idleSeconds: 0, out: out('d.jsonl'), drop: true });
  assert.deepEqual(refusedConfirm, { ok: false, refused: ['--drop needs --confirm'] });

  const kept = await retire(pool, o, { idleSeconds: 0, out: out('e.jsonl') });
  assert.equal(kept.ok && kept.exported, 2);
  assert.equal(kept.ok && kept.dropped, false);
  const lines = (await readFile(out('e.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.id, l.name, l.success]), [[pendingRow, 'CloneUrl(701)', true], [pendingRow + 1, 'Кащей', true]]);
  assert.match(lines[0].command_json, /"CloneFile"/);
  await assert.rejects(retire(pool, o, { idleSeconds: 0, out: out('e.jsonl') }), /EEXIST/);

  const dropped = await retire(pool, o, { idleSeconds: 0, out: out('f.jsonl'), drop: true, confirm: true });
  assert.equal(dropped.ok && dropped.dropped, true);
  assert.equal((await pool.query(`SELECT to_regclass('core_taskqueueelement') AS t`)).rows[0].t, null);
  assert.equal((await legacyReport(pool, o)).table, false);
});
