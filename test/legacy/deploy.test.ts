// Deploying beside a live old worker (operations.md §1, then §2): `ifqueue --daemon --bridge` on a
// database whose legacy table has the production cron rows creates the default schedules of those
// tasks paused and says why, so nothing runs twice; `ifqueue legacy cutover` (the one documented
// step) stops the stand-in worker, turns bridging on, and the daemon's bridge converts the cron rows,
// which is what resumes the schedules with the production crons.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { holdDefaultSchedules, holdNotices, legacyCronHold } from '../../src/legacy/deploy-hold.ts';
import type { ScheduleInfo } from '../../src/runner/types.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { CloneFile, FetchFeeds, ImportGames, enqueue } from '../fixtures/legacy/enqueue.ts';
import { ledger, legacyDatabase, rows, spawnWorker, tempDir, waitFor, type StandInWorker } from './support.ts';

const BIN = fileURLToPath(new URL('../../bin/ifqueue.js', import.meta.url));
let db: TestDatabase;
let tmp: { dir: string; remove(): Promise<void> };
let daemon: ChildProcess | null = null;
let worker: StandInWorker | null = null;

before(async () => {
  db = await legacyDatabase('legacy_deploy');
  tmp = await tempDir();
});

after(async () => {
  if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
  await worker?.stop();
  await db?.drop();
  await tmp?.remove();
});

const schedule = async (task: string) =>
  (await db.query(`SELECT cron, paused, origin FROM ifqueue.schedule WHERE task = $1 AND key = 'default'`, [task])).rows[0];

test('the defaults are held back only for tasks the old worker runs from a live cron row, and only while bridging is off', async () => {
  const defaults = [
    { task: 'import-games', cron: '0 */6 * * *' },
    { task: 'fetch-feeds', cron: '*/30 * * * *' },
  ];
  const failedFeeds = await enqueue(db, null, FetchFeeds, [], { name: 'FetchFeeds' }, { cron: '*/30 * * * *' });
  await db.query(`UPDATE core_taskqueueelement SET pending = false, fail = true WHERE id = $1`, [failedFeeds]);
  const imports = await enqueue(db, null, ImportGames, [], { name: 'ImportGames' }, { cron: '0 3 1 1 *', scheduledTime: new Date(Date.now() + 86400_000) });
  const { hold, problem } = await legacyCronHold(db as never);
  assert.equal(problem, null);
  assert.deepEqual([...hold], [['import-games', [{ id: imports, name: 'ImportGames', cron: '0 3 1 1 *' }]]], 'a failed cron row ended its schedule: fetch-feeds is not held');
  assert.deepEqual(holdDefaultSchedules(defaults, hold).map((d) => [d.task, d.paused ?? false]), [['import-games', true], ['fetch-feeds', false]]);
  await db.query(`DELETE FROM core_taskqueueelement`);
});

test('the notice says why a default is paused, warns when one is active beside a cron row, and prints a hostile row name inertly', () => {
  const hold = new Map([['import-games', [{ id: 12, name: '\u001b]52;c;cGF3bmVk\u0007Import\nGames', cron: '0 */6 * * *' }]]]);
  const schedule = (paused: boolean) => ({ id: 'x', task: 'import-games', key: 'default', cron: '0 */6 * * *', tz: 'UTC', args: {}, paused }) as unknown as ScheduleInfo;
  const [paused] = holdNotices(hold, [schedule(true)]);
  assert.equal(paused, 'ifqueue: schedule import-games is paused: the old worker still runs legacy cron row 12 Import⏎Games "0 */6 * * *" and bridging is off; `ifqueue legacy cutover` converts the row into this schedule and resumes it');
  const [active] = holdNotices(hold, [schedule(false)]);
  assert.match(active, /^ifqueue: warning: schedule import-games is active while the old worker also runs legacy cron row 12 .*: both run it; pause it \(ifqueue schedules pause import-games\) or switch over \(ifqueue legacy cutover\)$/);
  assert.deepEqual(holdNotices(hold, []), [], 'no default schedule (deleted by the user): nothing to say');
});

test('deploy with the old worker running: defaults paused and the log says why; legacy cutover converts the cron rows and resumes them', { timeout: 180_000 }, async () => {
  const pidFile = path.join(tmp.dir, 'ifdbworker.pid');
  const later = new Date(Date.now() + 86400_000);
  const imports = await enqueue(db, null, ImportGames, [], { name: 'ImportGames' }, { cron: '0 3 1 1 *', scheduledTime: later });
  const feeds = await enqueue(db, null, FetchFeeds, [], { name: 'FetchFeeds' }, { cron: '15 3 1 1 *', scheduledTime: later });
  worker = await spawnWorker(db.url, pidFile, { exitOnRefusedSave: true });
  const before = await enqueue(db, pidFile, CloneFile, [4000], { name: 'CloneUrl(4000)' });
  await waitFor('the old worker to run a row', async () => (await rows(db, [before]))[0].success);

  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    WORKER_PID_FILE: pidFile,
    IFQUEUE_LEGACY_UNIT: '',
    IFQUEUE_FILES_DIR: tmp.dir,
    IFQUEUE_HEARTBEAT_SECONDS: '1',
  };
  daemon = spawn(process.execPath, [BIN, '--daemon', '--bridge'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  daemon.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  daemon.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => daemon!.once('exit', (code) => resolve(code)));
  await waitFor('the daemon to run', () => {
    if (daemon!.exitCode !== null) throw new Error(`daemon exited: ${out}`);
    return /ifqueue daemon running \d+ tasks/.test(out);
  }, { timeoutMs: 60_000 });

  // Created paused, and the log says why.
  assert.deepEqual(await schedule('import-games'), { cron: '0 */6 * * *', paused: true, origin: 'default' });
  assert.deepEqual(await schedule('fetch-feeds'), { cron: '*/30 * * * *', paused: true, origin: 'default' });
  assert.match(out, new RegExp(`ifqueue: schedule import-games is paused: the old worker still runs legacy cron row ${imports} ImportGames "0 3 1 1 \\*" and bridging is off; \`ifqueue legacy cutover\` converts the row into this schedule and resumes it`));
  assert.match(out, new RegExp(`ifqueue: schedule fetch-feeds is paused: the old worker still runs legacy cron row ${feeds} FetchFeeds`));
  assert.equal(worker.child.exitCode, null, 'the old worker still runs');

  // The one documented step.
  const cut = await execa(process.execPath, [BIN, 'legacy', 'cutover'], { env, reject: false, timeout: 120_000 });
  assert.equal(cut.exitCode, 0, `${cut.stdout}\n${cut.stderr}`);
  assert.match(cut.stdout, new RegExp(`^sent SIGTERM to the old worker \\(pid ${worker.pid}\\); it is idle$`, 'm'));
  assert.match(cut.stdout, /^take guard installed; bridging is on$/m);
  assert.match(cut.stdout, /^cutover done: the old worker is stopped, bridging is on; the bridge took 0 waiting row\(s\) and converted 2 cron row\(s\) into schedules\./m);
  assert.equal(await worker.exited, 0, worker.output.join('\n'));

  // The bridge's conversion resumed them, with the production crons.
  assert.deepEqual(await schedule('import-games'), { cron: '0 3 1 1 *', paused: false, origin: 'default' });
  assert.deepEqual(await schedule('fetch-feeds'), { cron: '15 3 1 1 *', paused: false, origin: 'default' });
  await waitFor('the daemon to log the conversions', () => out.includes(`legacy converted cron row ${imports} ImportGames -> schedule import-games "0 3 1 1 *"`));
  assert.deepEqual((await ledger(db)).map((l) => l.runner), ['legacy'], 'nothing ran twice, nothing ran in both');

  // Nothing is held back any more (a restarted daemon says nothing): bridging is on.
  assert.equal((await legacyCronHold(db as never)).hold.size, 0);
  daemon.kill('SIGTERM');
  assert.equal(await exited, 0, out);
});
