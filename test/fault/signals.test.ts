// Fault scenario 7, on the real daemon (`node bin/ifqueue.js --daemon`): SIGTERM, SIGINT and SIGHUP
// while two recode-game jobs run their extractor (a child with a grandchild). After the first signal
// the short job still finishes; a second signal 2 s later returns the long one to the queue without
// using up its attempt; no child process outlives the daemon.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadTasksConfig } from '../../src/tasks/config.ts';
import { uploadTasks } from '../../src/tasks/uploads/index.ts';
import { loadIfdbSchema, type TestDatabase } from '../helpers/db.ts';
import { insertGame, insertGameUrl, insertUrl, tarGz } from '../tasks/uploads/fixtures.ts';
import { Children, pidAlive, whileAlive } from './harness/children.ts';
import { clusterDatabase, startCluster, type FaultDatabase, type PgCluster } from './harness/cluster.ts';
import { clientRunner, seconds, sleep, waitFor } from './harness/common.ts';
import { report } from './harness/ledger.ts';

let cluster: PgCluster;
let db: FaultDatabase;
let pool: pg.Pool;
let work: string;
let env: Record<string, string>;
let client: Awaited<ReturnType<typeof clientRunner>>;
const children = new Children();

// The "extractor": a shell with a sleeping grandchild. Short archives wait for their gate file, then
// really extract; long ones only wait, so only a signal can end them.
const EXTRACTOR_SCRIPT = `
name=$(basename "$1")
sleep 600 &
echo "$$ $!" > "$PIDS/$name.pid"
case "$name" in
  short*) while [ ! -e "$PIDS/gate" ]; do sleep 0.05; done; kill $!; tar -xzf "$1" -C "$2" ;;
  *) wait ;;
esac`;

before(async () => {
  cluster = await startCluster();
  db = await clusterDatabase(cluster, 'signals');
  await loadIfdbSchema(db as unknown as TestDatabase);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  work = await mkdtemp(path.join(tmpdir(), 'ifq-fault-signals-'));
  await mkdir(path.join(work, 'files', 'backups'), { recursive: true });
  await mkdir(path.join(work, 'pids'));
  env = {
    DATABASE_URL: db.url,
    IFQUEUE_FILES_DIR: path.join(work, 'files'),
    IFQUEUE_TMP_DIR: path.join(work, 'tmp'),
    IFQUEUE_EXTRACTOR: JSON.stringify(['sh', '-c', EXTRACTOR_SCRIPT.replaceAll('$PIDS', path.join(work, 'pids')), 'sh', '%ARCHIVE%', '%OUTDIR%']),
    IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '60',
  };
  client = await clientRunner(db.url, uploadTasks({ pool, config: loadTasksConfig(env) }));
});

after(async () => {
  await children.stopAll();
  await client?.close();
  await pool?.end().catch(() => {});
  await db?.close();
  await cluster?.destroy();
  await rm(work, { recursive: true, force: true });
});

async function recodableGame(fileName: string): Promise<number> {
  await writeFile(path.join(work, 'files', 'backups', fileName), tarGz([{ name: 'game.qst', data: 'pln hello' }]));
  const urlId = await insertUrl(pool, { originalUrl: `http://example.invalid/${fileName}`, localFilename: fileName });
  return insertGameUrl(pool, await insertGame(pool, 'Сигнал'), urlId);
}

async function pidsOf(fileName: string): Promise<number[]> {
  return waitFor(`the extractor of ${fileName} to start`, async () => {
    const text = await readFile(path.join(work, 'pids', `${fileName}.pid`), 'utf8').catch(() => '');
    const pids = text.trim().split(/\s+/).map(Number).filter(Boolean);
    return pids.length === 2 ? pids : null;
  }, 60_000, 50);
}

const job = async (id: string) => (await db.query(`SELECT state, retry_count, started_on FROM pgboss.job WHERE id = $1`, [id])).rows[0];

describe('daemon signals', () => {
  // a scenario that failed half-way must not leave its processes to the next one
  afterEach(() => children.stopAll());

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    test(`${signal}, then ${signal} again 2 s later: the running job finishes, the long one goes back with its attempt, no orphans`, async (t) => {
      const tag = signal.toLowerCase();
      await rm(path.join(work, 'pids', 'gate'), { force: true });
      const daemon = children.spawnCli(`daemon ${signal}`, ['--daemon', '--queues', 'recode-game'], env);
      await daemon.waitForLine(/ifqueue daemon running/, 90_000);

      const shortId = await client.runner.enqueue('recode-game', { gameUrlId: await recodableGame(`short-${tag}.tar.gz`) });
      const longId = await client.runner.enqueue('recode-game', { gameUrlId: await recodableGame(`long-${tag}.tar.gz`) });
      const pids = [...(await whileAlive(daemon, pidsOf(`short-${tag}.tar.gz`))), ...(await whileAlive(daemon, pidsOf(`long-${tag}.tar.gz`)))];

      const firstAt = Date.now();
      daemon.kill(signal);
      await daemon.waitForLine(new RegExp(`received ${signal}: not taking new jobs`), 10_000);
      await writeFile(path.join(work, 'pids', 'gate'), '');
      await whileAlive(daemon, waitFor('the short job to complete during the grace period', async () => (await job(shortId)).state === 'completed', 10_000, 50));
      assert.ok(daemon.alive(), 'the daemon waited for the running job');

      await sleep(Math.max(0, firstAt + 2000 - Date.now()));
      const secondAt = Date.now();
      daemon.kill(signal);
      const exit = await daemon.exited;
      const exitMs = Date.now() - secondAt;

      assert.deepEqual(exit, { code: 0, signal: null }, 'the daemon exits cleanly');
      assert.ok(daemon.lines.some((l) => /returning running jobs to the queue now/.test(l)), 'the second signal hurried it');
      assert.equal(daemon.lines.at(-1), 'stopped');
      const long = await job(longId);
      assert.equal(long.state, 'created', 'the long job is back in the queue');
      assert.equal(long.retry_count, 0, 'without losing an attempt');
      assert.equal(long.started_on, null);
      const { rows: attempts } = await db.query(`SELECT outcome FROM ifqueue.job_attempt WHERE job_id = $1`, [longId]);
      assert.deepEqual(attempts.map((a) => a.outcome), ['returned']);
      const log = await client.runner.getLog(longId);
      assert.ok(log.some((l) => /job returned to the queue \(this attempt is not counted\)/.test(l.text)));
      for (const pid of pids) assert.equal(await pidAlive(pid), false, `extractor process ${pid} did not outlive the daemon`);
      const { rows: recoded } = await db.query(`SELECT recoded_filename FROM games_interpretedgameurl WHERE recoded_filename = $1`, [`short-${tag}.tar.gz.zip`]);
      assert.equal(recoded.length, 1, 'the short job did its work');

      await client.runner.cancelJob(longId);
      const stoppedMs = daemon.lineTimes.at(-1)! - secondAt;
      report(t, [
        `${signal}: short job completed in the grace period; second ${signal} → "stopped" after ${seconds(stoppedMs)}, process exit after ${seconds(exitMs)}; long job returned (retry_count 0); 4 child processes gone`,
      ]);
    });
  }

  test('SIGTERM once: while it waits, a line every 5 s says how many jobs run and how long is left; at the timeout the job goes back and the daemon exits 0', async (t) => {
    const timeoutSeconds = 12;
    const daemon = children.spawnCli('daemon waiting', ['--daemon', '--queues', 'recode-game'], { ...env, IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: String(timeoutSeconds) });
    await daemon.waitForLine(/ifqueue daemon running/, 90_000);
    const id = await client.runner.enqueue('recode-game', { gameUrlId: await recodableGame('long-waiting.tar.gz') });
    const pids = await whileAlive(daemon, pidsOf('long-waiting.tar.gz'));
    const signalledAt = Date.now();
    daemon.kill('SIGTERM');
    const exit = await whileAlive(daemon, daemon.waitForLine(/^stopped$/, (timeoutSeconds + 5) * 1000 + 30_000)).then(() => daemon.exited);

    const waiting = daemon.lines.map((line, i) => ({ line, at: daemon.lineTimes[i] })).filter((l) => /^waiting for 1 running job\(s\), \d+s left before they are returned to the queue$/.test(l.line));
    const gaps = waiting.slice(1).map((l, i) => l.at - waiting[i].at);
    assert.ok(waiting.length >= 2, `at least two progress lines in ${timeoutSeconds} s (${waiting.length})`);
    // every 5 s: not more often, and not much less (slack for a busy machine)
    assert.ok(gaps.every((g) => g >= 4500 && g <= 10_000), `a line every 5 s (gaps ${gaps.join(', ')} ms)`);
    assert.ok(waiting[0].at - signalledAt <= 5000, 'the first one soon after the signal');
    const left = waiting.map((l) => Number(/(\d+)s left/.exec(l.line)![1]));
    assert.ok(left[0] <= timeoutSeconds && left.every((n, i) => i === 0 || n < left[i - 1]), `the time left counts down from ${timeoutSeconds} s (${left.join(', ')})`);
    assert.deepEqual(exit, { code: 0, signal: null });
    const back = await job(id);
    assert.equal(back.state, 'created', 'returned to the queue at the timeout');
    assert.equal(back.retry_count, 0);
    for (const pid of pids) assert.equal(await pidAlive(pid), false, `extractor process ${pid} did not outlive the daemon`);
    await client.runner.cancelJob(id);
    report(t, [`SIGTERM with a ${timeoutSeconds} s timeout: ${waiting.length} progress lines (${left.map((n) => `${n}s left`).join(', ')}), exit 0 after ${seconds(Date.now() - signalledAt)}`]);
  });
});
