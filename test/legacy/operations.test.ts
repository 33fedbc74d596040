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
import { ensureLegacyStore, setBridgeSwitch, setTrigger } from '../../src/legacy/store.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../helpers/db.ts';
import { CloneFile, FetchFeeds, MarkBroken, enqueue } from '../fixtures/legacy/enqueue.ts';
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

  await pool.query(`UPDATE core_taskqueueelement SET pending = false, success = true, start_time = '2024-05-02 14:31:07.123456+00', finish_time = now()`);
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
  assert.deepEqual(refusedConfirm, { ok: false, refused: ['--drop needs --confirm'], blockers: [], movedNow: null });

  const kept = await retire(pool, o, { idleSeconds: 0, out: out('e.jsonl') });
  assert.equal(kept.ok && kept.exported, 2);
  assert.equal(kept.ok && kept.dropped, false);
  const lines = (await readFile(out('e.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.id, l.name, l.success]), [[pendingRow, 'CloneUrl(701)', true], [pendingRow + 1, 'Кащей', true]]);
  assert.match(lines[0].command_json, /"CloneFile"/);
  assert.equal(lines[0].start_time, '2024-05-02T14:31:07.123456+00:00', 'microseconds kept, in UTC');
  assert.equal(new Date(lines[0].finish_time).getTime() > 0, true);
  await assert.rejects(
    retire(pool, o, { idleSeconds: 0, out: out('e.jsonl') }),
    (e: Error) => e.name === 'UserError' && e.message === `--out ${out('e.jsonl')} already exists: retire never overwrites an export; give another file name`,
  );
  await assert.rejects(
    retire(pool, o, { idleSeconds: 0, out: path.join(tmp.dir, 'no-such-dir', 'x.jsonl') }),
    (e: Error) => e.name === 'UserError' && /^cannot create --out .*x\.jsonl: its directory does not exist$/.test(e.message),
  );
  const cli = await promisify(execFile)(process.execPath, [BIN, 'legacy', 'retire', '--idle', '0s', '--out', out('e.jsonl')], {
    env: { ...process.env, DATABASE_URL: own.url, WORKER_PID_FILE: pidFile, IFQUEUE_LEGACY_UNIT: '' },
  }).then(() => assert.fail('retire should refuse'), (error) => error);
  assert.equal(cli.code, 1);
  assert.equal(cli.stderr, `ifqueue: --out ${out('e.jsonl')} already exists: retire never overwrites an export; give another file name\n`);

  const dropped = await retire(pool, o, { idleSeconds: 0, out: out('f.jsonl'), drop: true, confirm: true });
  assert.equal(dropped.ok && dropped.dropped, true);
  assert.equal((await pool.query(`SELECT to_regclass('core_taskqueueelement') AS t`)).rows[0].t, null);
  assert.equal((await legacyReport(pool, o)).table, false);
});

test('adopt-orphans wakes the sleeping old worker, which runs the adopted row at once', async () => {
  const pidFile = path.join(tmp.dir, 'wake.pid');
  await setTrigger(runner.db, 'guard', false); // an earlier test bridged: the old worker is in charge again
  const orphan = await orphanRow(801, 3600);
  // it would sleep ten minutes without a SIGUSR1
  const worker = await spawnWorker(db.url, pidFile, { maxSleepMs: 600_000 });
  cleanups.push(() => worker.stop());
  await worker.waitForOutput(/^sleeping$/);
  const result = await adoptOrphans(runner.db, opts(pidFile));
  assert.deepEqual(result.adopted, [orphan]);
  assert.deepEqual(result.wake, { woke: worker.pid });
  await worker.waitForOutput(new RegExp(`^finished row ${orphan}$`));
  assert.equal((await rows(db, [orphan]))[0].success, true);
  await worker.stop();
});

test('a cron row a dead worker left started is listed as orphaned, not also as running', async () => {
  const pidFile = path.join(tmp.dir, 'cron-orphan.pid');
  await setTrigger(runner.db, 'guard', false);
  const id = await enqueue(db, null, FetchFeeds, [], { name: 'FetchFeeds' }, { cron: '*/30 * * * *' });
  await db.query(`UPDATE core_taskqueueelement SET pending = false, start_time = now() - interval '2 hours' WHERE id = $1`, [id]);
  const report = await legacyReport(runner.db, opts(pidFile));
  assert.ok(report.orphans.some((o) => o.id === id));
  assert.equal(report.running, null);
  assert.equal(report.cron.find((c) => c.id === id)?.state, 'orphaned');
  const text = reportText(report);
  assert.match(text, new RegExp(`cron        row ${id} FetchFeeds "\\*/30 \\* \\* \\* \\*" orphaned \\(listed above\\)`));
  assert.doesNotMatch(text, /running now/);
  await db.query(`UPDATE core_taskqueueelement SET pending = false, success = true WHERE id = $1`, [id]);
});

test('retire lists the rows that block it, and --run-retries-now makes far-off retries due so retire can finish', { timeout: 120_000 }, async () => {
  const own = await legacyDatabase('legacy_retire_blockers');
  cleanups.push(() => own.drop());
  const ownRunner = await startRunner(own, standInTasks(own, { failFirstAttemptUrlIds: new Set([902]) }));
  cleanups.push(() => ownRunner.stop({ timeoutMs: 1000 }));
  const pidFile = path.join(tmp.dir, 'blockers.pid');
  const o = opts(pidFile);
  // a legacy retry row, as the old worker left it after a failure: pending, 2 retries left, due in 2000 minutes
  const waiting = await enqueue(own, null, CloneFile, [901], { name: 'CloneUrl(901)' });
  await own.query(`UPDATE core_taskqueueelement SET retries_left = 2, scheduled_time = now() + interval '2000 minutes', log = 'W failed once' WHERE id = $1`, [waiting]);
  // a bridged row whose job failed its first attempt and waits 2000 minutes for the next, as the row asks
  const bridged = await enqueue(own, null, CloneFile, [902], { name: 'CloneUrl(902)', onfail: MarkBroken });
  const bridge = await startBridge(ownRunner, { ...o, enable: true, pollMs: 200, onError: () => {} });
  cleanups.push(() => bridge.stop());
  const jobId = await waitFor('the bridged job', async () => (await own.query(`SELECT job_id FROM ifqueue.legacy_link WHERE legacy_id = $1`, [bridged])).rows[0]?.job_id);
  await waitFor('its first attempt to fail', async () => (await ownRunner.getJob(jobId))?.state === 'retry');
  const job = (await ownRunner.getJob(jobId))!;
  assert.deepEqual([job.options.retryLimit, job.options.retryDelay, job.options.retryBackoff], [3, 120_000, false], 'legacy 3 retries, 2000 minutes apart');
  await bridge.settled();
  const [shown] = (await own.query(`SELECT retries_left, scheduled_time, pending, fail FROM core_taskqueueelement WHERE id = $1`, [bridged])).rows;
  assert.deepEqual([shown.retries_left, shown.pending, shown.fail], [2, false, false], 'the row shows the retries left');
  const dueIn = (new Date(shown.scheduled_time).getTime() - Date.now()) / 60_000;
  assert.ok(dueIn > 1990 && dueIn <= 2000, `the row shows the next attempt in ${dueIn} minutes`);

  const out = (name: string) => path.join(tmp.dir, name);
  const refused = await retire(ownRunner.db, o, { idleSeconds: 0, out: out('blocked.jsonl') });
  assert.equal(refused.ok, false);
  if (refused.ok) return;
  assert.deepEqual(refused.refused, ['1 row(s) are pending', '1 bridged job(s) have not finished']);
  const byRow = new Map(refused.blockers.map((b) => [b.id, b]));
  assert.deepEqual([byRow.get(waiting)?.state, byRow.get(waiting)?.command, byRow.get(waiting)?.name], ['retry', 'CloneFile(901)', 'CloneUrl(901)']);
  assert.ok(byRow.get(waiting)!.at!.getTime() > Date.now() + 1990 * 60_000, 'when: due in 2000 minutes');
  assert.deepEqual([byRow.get(bridged)?.state, byRow.get(bridged)?.command, byRow.get(bridged)?.detail], ['bridged', 'CloneFile(902)', `ifqueue job ${jobId.slice(0, 8)} retry`]);
  assert.ok(byRow.get(bridged)!.at!.getTime() > Date.now() + 1990 * 60_000, 'when: the next attempt');

  // the CLI prints them, one line each, and names the flag
  const env = { ...process.env, DATABASE_URL: own.url, WORKER_PID_FILE: pidFile, IFQUEUE_LEGACY_UNIT: '' };
  const cli = await promisify(execFile)(process.execPath, [BIN, 'legacy', 'retire', '--idle', '0s', '--out', out('blocked-cli.jsonl')], { env }).then(
    () => assert.fail('retire should refuse'),
    (error) => error,
  );
  assert.equal(cli.code, 1);
  assert.equal(cli.stderr, 'ifqueue: not retiring: 1 row(s) are pending; 1 bridged job(s) have not finished\n');
  assert.match(cli.stdout, new RegExp(`row ${waiting} +CloneUrl\\(901\\) +CloneFile\\(901\\) +retry +due \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ \\(in 1d 9h\\)`));
  assert.match(cli.stdout, new RegExp(`row ${bridged} +CloneUrl\\(902\\) +CloneFile\\(902\\) +bridged ifqueue job ${jobId.slice(0, 8)} retry +due `));
  assert.match(cli.stdout, /to run the retries scheduled later now: ifqueue legacy retire --run-retries-now/);

  const moved = await retire(ownRunner.db, o, { idleSeconds: 0, out: out('moved.jsonl'), runRetriesNow: true });
  assert.ok(!moved.ok);
  assert.deepEqual(!moved.ok && moved.movedNow, { rows: 1, jobs: 1 });
  await waitFor('both rows to succeed', async () => (await rows(own, [waiting, bridged])).every((r) => r.success && !r.pending), { timeoutMs: 30_000 });
  const ran = (await ledger(own)).map((l) => l.key).sort();
  assert.deepEqual(ran, ['clone:901', 'clone:902', 'clone:902'], 'the retry row once, the bridged job twice (its failed attempt and the retry)');
  await bridge.settled();
  const done = await retire(ownRunner.db, o, { idleSeconds: 0, out: out('done.jsonl') });
  assert.deepEqual(done.ok && [done.exported, done.dropped], [2, false]);
});
