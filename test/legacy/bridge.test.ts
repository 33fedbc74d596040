// The bridge against IFDB's real table: rows taken atomically and run with their name, priority,
// on-fail and dependency; outcomes written back; bad rows failed with a log line; cron rows turned
// into schedules once; quick pickup through SIGUSR1 and the insert trigger; the take guard.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startBridge, type Bridge, type BridgeEvent } from '../../src/legacy/bridge.ts';
import { ensureLegacyStore, setBridgeSwitch } from '../../src/legacy/store.ts';
import type { Runner } from '../../src/runner/runner.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { CloneFile, FetchFeeds, ImportGames, MarkBroken, RecodeGame, enqueue } from '../fixtures/legacy/enqueue.ts';
import { ledger, legacyDatabase, rows, spawnWorker, standInTasks, startRunner, tempDir, waitFor } from './support.ts';

let db: TestDatabase;
let runner: Runner;
let tmp: { dir: string; remove(): Promise<void> };
const bridges: Bridge[] = [];
const events: BridgeEvent[] = [];

async function bridge(options: Parameters<typeof startBridge>[1] = {}): Promise<Bridge> {
  const b = await startBridge(runner, { enable: true, unit: null, pidFile: path.join(tmp.dir, 'none.pid'), pollMs: 200, onEvent: (e) => events.push(e), onError: () => {}, ...options });
  bridges.push(b);
  return b;
}

async function stopBridges() {
  await Promise.all(bridges.splice(0).map((b) => b.stop()));
}

const jobOfRow = async (rowId: number) => (await db.query(`SELECT job_id FROM ifqueue.legacy_link WHERE legacy_id = $1 AND job_id IS NOT NULL ORDER BY id DESC LIMIT 1`, [rowId])).rows[0]?.job_id ?? null;
const finished = (id: number) => async () => {
  const [r] = await rows(db, [id]);
  return r && !r.pending && (r.success || r.fail) ? r : null;
};

before(async () => {
  db = await legacyDatabase('legacy_bridge');
  tmp = await tempDir();
  runner = await startRunner(db, standInTasks(db, { failUrlIds: new Set([666]) }));
  await ensureLegacyStore(runner.db);
});

after(async () => {
  await stopBridges();
  await runner?.stop({ timeoutMs: 1000 });
  await db?.drop();
  await tmp?.remove();
});

test('a row is run as its ifqueue job with the same name, priority and on-fail, and the outcome is written back', async () => {
  await bridge();
  const id = await enqueue(db, null, CloneFile, [101], { name: 'CloneUrl(101)', onfail: MarkBroken }, { priority: 40 });
  const row = await waitFor('row 101 to finish', finished(id));
  assert.deepEqual([row.pending, row.success, row.fail], [false, true, false]);
  assert.ok(row.start_time && row.finish_time && row.start_time <= row.finish_time);
  assert.match(row.log, /^\n={60}\n/);
  assert.match(row.log, /I\d{4} \d\d:\d\d:\d\d\.\d{3} cloning url 101/);
  assert.match(row.log, /ifqueue bridge\] completed/);
  const job = (await runner.getJob(await jobOfRow(id)))!;
  assert.equal(job.task, 'clone-file');
  assert.deepEqual(job.args, { urlId: 101 });
  assert.equal(job.name, 'CloneUrl(101)');
  assert.equal(job.priority, 40);
  assert.equal(job.options.onFail, 'mark-broken');
  assert.equal(job.options.legacyId, id);
  assert.deepEqual((await ledger(db)).filter((l) => l.key === 'clone:101'), [{ key: 'clone:101', runner: 'ifqueue' }]);
  await stopBridges();
});

test('a job that fails for good marks its row failed with the error in the log, and the on-fail handler runs', async () => {
  await bridge();
  const id = await enqueue(db, null, CloneFile, [666], { name: 'CloneUrl(666)', onfail: MarkBroken, retries: 0 });
  const row = await waitFor('row 666 to finish', finished(id));
  assert.deepEqual([row.pending, row.success, row.fail], [false, false, true]);
  assert.ok(row.finish_time);
  assert.match(row.log, /HTTP 404 for url 666/);
  assert.match(row.log, /failed for good/);
  await waitFor('mark-broken to run', async () => (await ledger(db)).some((l) => l.key === 'mark-broken:666'));
  await stopBridges();
});

test("a row's retries_left and retry_minutes are the job's retries, at a fixed interval; on-fail runs after the last", async () => {
  await bridge();
  const id = await enqueue(db, null, CloneFile, [666], { name: 'CloneUrl(666) again', onfail: MarkBroken, retries: 2, retryMinutes: 0 });
  const row = await waitFor('the retried row to fail', finished(id));
  assert.equal(row.fail, true);
  const job = (await runner.getJob(await jobOfRow(id)))!;
  assert.deepEqual([job.options.retryLimit, job.options.retryDelay, job.options.retryBackoff], [2, 0, false], 'the row\'s budget, fixed interval');
  assert.deepEqual(job.attempts.map((a) => a.outcome), ['failed', 'failed', 'failed'], 'the first run and 2 retries');
  assert.equal((row.log.match(/attempt \d\/3 .*: failed: HTTP 404 for url 666/g) ?? []).length, 3);
  await waitFor('mark-broken after the last attempt', async () => (await ledger(db)).filter((l) => l.key === 'mark-broken:666').length === 2);
  assert.equal((await ledger(db)).filter((l) => l.key === 'clone:666').length, 1 + 3, 'the earlier row ran once, this one three times');
  await stopBridges();
});

test('malformed command_json, unknown functions and bad arguments fail their row with a clear log line; the rest still runs', async () => {
  await bridge();
  const malformed = await enqueue(db, null, CloneFile, [1], { name: 'Broken' }, { commandJson: '{"module": "games.tasks.uploads", "name": "CloneFile", "argv": [1' });
  const unknown = await enqueue(db, null, { module: 'games.tasks.uploads', name: 'Teleport' }, [5], { name: 'Teleport(5)' });
  const badArgs = await enqueue(db, null, CloneFile, ['not-an-id']);
  const badCron = await enqueue(db, null, FetchFeeds, [], { name: 'FetchFeeds(bad cron)' }, { cron: 'every day' });
  const good = await enqueue(db, null, CloneFile, [102], { name: 'CloneUrl(102)' });
  for (const [id, pattern] of [
    [badCron, /cannot run it in ifqueue: invalid schedule "every day"/],
    [malformed, /row \d+ not run: malformed command_json: .*; marked failed/],
    [unknown, /row \d+ not run: unknown function games\.tasks\.uploads\.Teleport: ifqueue has no task for it; marked failed/],
    [badArgs, /CloneFile expects argv \[url_id\]/],
  ] as const) {
    const row = await waitFor(`row ${id} to be marked failed`, finished(id));
    assert.deepEqual([row.pending, row.success, row.fail], [false, false, true]);
    assert.match(row.log, pattern);
    assert.ok(row.start_time && row.finish_time);
  }
  assert.equal((await waitFor('the good row', finished(good))).success, true);
  assert.ok(events.some((e) => e.kind === 'rejected' && e.rowId === unknown));
  await stopBridges();
});

test('rows are taken in priority, then FIFO order, and a dependency becomes a job dependency', async () => {
  await setBridgeSwitch(runner.db, false, 'test');
  const late = await enqueue(db, null, CloneFile, [201]);
  const urgent = await enqueue(db, null, CloneFile, [202], {}, { priority: 10 });
  const later = await enqueue(db, null, CloneFile, [203]);
  const clone = await enqueue(db, null, CloneFile, [204], { name: 'CloneUrl(204)' });
  const recode = await enqueue(db, null, RecodeGame, [204], { name: 'RecodeGame(204)', dependency: clone });
  events.length = 0;
  await bridge();
  for (const id of [late, urgent, later, clone, recode]) await waitFor(`row ${id}`, finished(id));
  const order = events.filter((e) => e.kind === 'job').map((e) => (e as { rowId: number }).rowId);
  assert.deepEqual(order.slice(0, 4), [urgent, late, later, clone]);
  const recodeJob = (await runner.getJob(await jobOfRow(recode)))!;
  assert.equal(recodeJob.dependsOn, await jobOfRow(clone));
  const keys = (await ledger(db)).map((l) => l.key);
  assert.ok(keys.indexOf('clone:204') < keys.indexOf('recode:204'));
  await stopBridges();
});

test('a row whose dependency failed is failed with the reason instead of waiting forever', async () => {
  await bridge();
  const parent = await enqueue(db, null, CloneFile, [666], { retries: 0 });
  await waitFor('the parent to fail', finished(parent));
  const child = await enqueue(db, null, RecodeGame, [666], { dependency: parent });
  const row = await waitFor('the dependent row', finished(child));
  assert.equal(row.fail, true);
  assert.match(row.log, new RegExp(`its dependency, row ${parent}, failed`));
  await stopBridges();
});

test('cron rows become ifqueue schedules once; a due one also runs now', async () => {
  await bridge();
  const future = new Date(Date.now() + 3600_000);
  const imports = await enqueue(db, null, ImportGames, [], { name: 'ImportGames' }, { cron: '0 */6 * * *', scheduledTime: future });
  const feeds = await enqueue(db, null, FetchFeeds, [], { name: 'FetchFeeds' }, { cron: '*/30 * * * *' });
  const appended = await enqueue(db, null, ImportGames, [], { kwarg: { append_urls: true } }, { cron: '15 3 * * *', scheduledTime: future });
  for (const id of [imports, feeds, appended]) {
    const row = await waitFor(`cron row ${id}`, finished(id));
    assert.deepEqual([row.pending, row.success, row.fail], [false, true, false]);
    assert.match(row.log, /converted to the ifqueue schedule/);
  }
  const schedules = await runner.listSchedules();
  const find = (task: string, key: string) => schedules.find((s) => s.task === task && s.key === key);
  assert.equal(find('import-games', 'default')?.cron, '0 */6 * * *');
  assert.equal(find('fetch-feeds', 'default')?.cron, '*/30 * * * *');
  assert.deepEqual(find('import-games', `legacy-${appended}`)?.args, { appendUrls: true });
  assert.ok(schedules.every((s) => !s.paused));
  await waitFor('the due feeds run', async () => (await ledger(db)).some((l) => l.key.startsWith('fetch-feeds:')));
  assert.ok(!(await ledger(db)).some((l) => l.key.startsWith('import-games:')), 'the import was not due');
  await bridges[0].settled();
  await bridges[0].settled();
  const links = await db.query(`SELECT count(*)::int AS n FROM ifqueue.legacy_link WHERE legacy_id = ANY($1::bigint[])`, [[imports, feeds, appended]]);
  assert.equal(links.rows[0].n, 3);
  assert.equal((await runner.listSchedules()).length, schedules.length);
  await stopBridges();
});

test('SIGUSR1 through the pid file wakes the bridge, which gives the pid file back when it stops', async () => {
  const pidFile = path.join(tmp.dir, 'usr1.pid');
  await writeFile(pidFile, '4242424');
  await bridge({ pidFile, ownPidFile: true, pollMs: 120_000 });
  assert.equal((await readFile(pidFile, 'utf8')).trim(), String(process.pid));
  await bridges[0].settled();
  const id = await enqueue(db, pidFile, CloneFile, [301]);
  assert.equal((await waitFor('the signalled row', finished(id), { timeoutMs: 5000 })).success, true);
  await stopBridges();
  assert.equal(await readFile(pidFile, 'utf8'), '4242424');
});

test('the insert trigger wakes the bridge without any signal', async () => {
  await bridge({ installTrigger: true, pollMs: 120_000 });
  await bridges[0].settled();
  const id = await enqueue(db, null, CloneFile, [302]);
  assert.equal((await waitFor('the notified row', finished(id), { timeoutMs: 5000 })).success, true);
  await stopBridges();
});

test('the old worker cannot run a row the bridge took, even when it selected it first', async () => {
  await setBridgeSwitch(runner.db, false, 'test');
  const pidFile = path.join(tmp.dir, 'race.pid');
  const worker = await spawnWorker(db.url, pidFile, { takeDelayMs: 1500 });
  try {
    const id = await enqueue(db, pidFile, CloneFile, [401], { name: 'CloneUrl(401)' });
    await worker.waitForOutput(new RegExp(`^selected row ${id}$`));
    await bridge();
    await worker.waitForOutput(new RegExp(`^save refused for row ${id}: .*ifqueue bridge is on`));
    const row = await waitFor('the raced row', finished(id));
    assert.equal(row.success, true);
    assert.deepEqual((await ledger(db)).filter((l) => l.key === 'clone:401'), [{ key: 'clone:401', runner: 'ifqueue' }]);
  } finally {
    await worker.stop();
    await stopBridges();
  }
});

test('the row log keeps the last 128 K characters, as the old worker did', async () => {
  await setBridgeSwitch(runner.db, false, 'test');
  const id = await enqueue(db, null, CloneFile, [501], { name: 'CloneUrl(501)' });
  await db.query(`UPDATE core_taskqueueelement SET log = $2 WHERE id = $1`, [id, 'Ж'.repeat(131_000)]);
  await bridge();
  const row = await waitFor('the long-log row', finished(id));
  assert.equal([...row.log].length, 128 * 1024);
  assert.ok(row.log.startsWith('Ж'));
  assert.match(row.log, /cloning url 501[\s\S]*ifqueue bridge\] completed$/);
  await stopBridges();
});

test('rollback hands converted cron rows back as cron rows and pauses their schedules', async () => {
  await bridge();
  const id = await enqueue(db, null, FetchFeeds, [], { name: 'FetchFeeds(rollback)' }, { cron: '*/10 * * * *', scheduledTime: new Date(Date.now() + 3600_000) });
  await waitFor('the cron row to be converted', finished(id));
  const { rollback } = await import('../../src/legacy/rollback.ts');
  const result = await rollback(runner, { unit: null, pidFile: path.join(tmp.dir, 'none.pid'), startWorker: false, timeoutMs: 5000 });
  assert.ok(result.schedulesReturned.includes(id));
  const [row] = await rows(db, [id]);
  assert.deepEqual([row.pending, row.success, row.fail, row.cron], [true, false, false, '*/10 * * * *']);
  const { rows: [r] } = await db.query(`SELECT scheduled_time FROM core_taskqueueelement WHERE id = $1`, [id]);
  assert.equal(new Date(r.scheduled_time).getUTCMinutes() % 10, 0);
  assert.ok((await runner.listSchedules()).find((s) => s.task === 'fetch-feeds' && s.key === 'default')?.paused);
  const triggers = await db.query(`SELECT tgname FROM pg_trigger WHERE tgname = 'ifqueue_legacy_guard'`);
  assert.equal(triggers.rowCount, 0, 'the take guard is removed');
  await stopBridges();
});
