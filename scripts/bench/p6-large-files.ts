// P6: clone-file of a 1 GiB file from a loopback server, and recode-game of a 200 MB archive, through a
// working runner; RSS growth of the runner process while the job runs, and speed against curl -o and
// unar + zip on the same files.
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { benchFlags } from './lib/cli.ts';
import { startChild, type Child } from './lib/child.ts';
import { createBenchDatabase } from './lib/database.ts';
import { isMain, runBench } from './lib/main.ts';
import { fmt, fmtSpread, machineInfo, printTable, printTargets, writeResult, type BenchResult } from './lib/report.ts';
import { spread, wallMs } from './lib/stats.ts';
import { Runner } from '../../src/runner/runner.ts';
import { loadTasksConfig } from '../../src/tasks/config.ts';
import { uploadTasks } from '../../src/tasks/uploads/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const IFDB_SCHEMA = path.resolve(here, '../../test/fixtures/ifdb-schema.sql');
const MiB = 2 ** 20;

/** Serves `bytes` of generated data at /game.bin (no file on disk) and a real file at /archive.tar.gz. */
export async function startServer(bytes: number, archive: string): Promise<{ server: Server; base: string }> {
  const block = Buffer.alloc(MiB, 'interactive fiction ');
  const full = bytes;
  const server = createServer(async (req, res) => {
    bytes = full;
    if (req.url === '/game.bin' || req.url === '/small.bin') {
      if (req.url === '/small.bin') bytes = 8 * MiB;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) });
      let sent = 0;
      const pump = () => {
        while (sent < bytes) {
          const n = Math.min(block.length, bytes - sent);
          sent += n;
          if (!res.write(n === block.length ? block : block.subarray(0, n))) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else {
      res.writeHead(404).end();
    }
  });
  void archive;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { server, base: `http://127.0.0.1:${port}` };
}

async function runJob(api: Runner, worker: Child, task: string, args: unknown): Promise<{ seconds: number; rssGrowthMB: number; peakMB: number; output: unknown }> {
  worker.send({ type: 'rss-reset' });
  await worker.next('rss-ready');
  const id = await api.enqueue(task, args);
  for (;;) {
    const job = await api.getJob(id);
    if (job && ['completed', 'failed', 'cancelled'].includes(job.state)) {
      if (job.state !== 'completed') throw new Error(`${task} ${job.state}: ${job.error}`);
      worker.send({ type: 'rss-report' });
      const rss = await worker.next<{ type: string; growthMB: number; peakMB: number }>('rss');
      // pg-boss's own start and completion times: the attempt row is finished a moment after the job
      return { seconds: (Date.parse(job.finishedAt!) - Date.parse(job.startedAt!)) / 1000, rssGrowthMB: rss.growthMB, peakMB: rss.peakMB, output: job.output };
    }
    await sleep(100);
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = wallMs();
  await fn();
  return (wallMs() - t) / 1000;
}

async function main() {
  const flags = benchFlags();
  const cloneBytes = flags.quick ? 128 * MiB : 1024 * MiB;
  const archiveMiB = flags.quick ? 24 : 200;
  const startedAt = new Date().toISOString();
  const before = await machineInfo();
  const work = await mkdtemp(path.join(tmpdir(), 'ifqueue-bench-p6-'));
  const filesDir = path.join(work, 'files');
  const env = {
    IFQUEUE_FILES_DIR: filesDir,
    IFQUEUE_TMP_DIR: path.join(work, 'tmp'),
    IFQUEUE_ALLOW_HOSTS: '127.0.0.1',
    IFQUEUE_MAX_FILE_BYTES: String(4 * 1024 * MiB),
    IFQUEUE_ARCHIVE_MAX_BYTES: String(4 * 1024 * MiB),
  };
  Object.assign(process.env, env);
  const db = await createBenchDatabase('p6');
  let server: Server | null = null;
  let worker: Child | null = null;
  const api = new Runner({ databaseUrl: db.url, tasks: uploadTasks({ pool: db.pool, config: loadTasksConfig() }), work: false });
  try {
    await db.pool.query(await readFile(IFDB_SCHEMA, 'utf8'));
    // a 200 MB .tar.gz of incompressible files: recode-game unpacks it with the extractor and re-zips it
    const src = path.join(work, 'archive-src');
    await execa('mkdir', ['-p', src]);
    for (let i = 0; i < archiveMiB / 10; i++) await execa('sh', ['-c', `head -c ${10 * MiB} /dev/urandom > "${src}/level${i}.dat"`]);
    await execa('sh', ['-c', `printf 'Начало игры\\r\\n' | iconv -f utf-8 -t cp1251 > "${src}/game.qst"`]);
    const archive = path.join(work, 'game.tar.gz');
    await execa('tar', ['-C', src, '-czf', archive, '.']);
    const archiveBytes = (await stat(archive)).size;
    const s = await startServer(cloneBytes, archive);
    server = s.server;
    await api.start();
    worker = startChild(path.join(here, 'roles', 'upload-runner.ts'), [db.url], { execArgv: ['--expose-gc'], env });
    await worker.next('ready');

    const clone: { ifqueue: number[]; baseline: number[]; growth: number[]; peak: number[] } = { ifqueue: [], baseline: [], growth: [], peak: [] };
    const recode: typeof clone = { ifqueue: [], baseline: [], growth: [], peak: [] };
    await execa('mkdir', ['-p', path.join(filesDir, 'backups')]);
    // a first, small clone loads the HTTP client and file code: the cold start is reported, not measured
    const warmUrl = Number((await db.pool.query(
      `INSERT INTO games_url (original_url, ok_to_clone, is_uploaded, is_broken, creation_date, use_count) VALUES ($1, true, false, false, now(), 0) RETURNING id`,
      [`${s.base}/small.bin`],
    )).rows[0].id);
    const cold = await runJob(api, worker, 'clone-file', { urlId: warmUrl });
    console.log(`warm-up clone of 8 MiB in a fresh runner: RSS growth ${fmt(cold.rssGrowthMB)} MB (module loading)`);
    for (let rep = 1; rep <= flags.reps; rep++) {
      const urlId = Number((await db.pool.query(
        `INSERT INTO games_url (original_url, ok_to_clone, is_uploaded, is_broken, creation_date, use_count) VALUES ($1, true, false, false, now(), 0) RETURNING id`,
        [`${s.base}/game.bin`],
      )).rows[0].id);
      const c = await runJob(api, worker, 'clone-file', { urlId });
      await rm(path.join(filesDir, 'backups'), { recursive: true, force: true });
      const curlFile = path.join(work, 'curl.bin');
      const curlSeconds = await timed(() => execa('curl', ['-s', '-f', '-o', curlFile, `${s.base}/game.bin`]));
      await rm(curlFile, { force: true });
      clone.ifqueue.push(c.seconds);
      clone.baseline.push(curlSeconds);
      clone.growth.push(c.rssGrowthMB);
      clone.peak.push(c.peakMB);
      console.log(`rep ${rep} clone ${fmt(cloneBytes / MiB, 0)} MiB: ifqueue ${fmt(c.seconds, 2)} s, curl ${fmt(curlSeconds, 2)} s, RSS growth ${fmt(c.rssGrowthMB)} MB`);

      // recode: the archive is a cloned file of a play_in_interpreter game URL
      await execa('mkdir', ['-p', path.join(filesDir, 'backups')]);
      const local = `game-${rep}.tar.gz`;
      await execa('cp', [archive, path.join(filesDir, 'backups', local)]);
      const rUrl = Number((await db.pool.query(
        `INSERT INTO games_url (original_url, local_filename, ok_to_clone, is_uploaded, is_broken, creation_date, use_count) VALUES ($1, $2, true, false, false, now(), 0) RETURNING id`,
        [`http://example.invalid/${local}`, local],
      )).rows[0].id);
      const gameId = Number((await db.pool.query(
        `INSERT INTO games_game (title, creation_time, view_perm, edit_perm, comment_perm, delete_perm, vote_perm) VALUES ('Игра', now(), '@all', '@admin', '@all', '@admin', '@all') RETURNING id`,
      )).rows[0].id);
      const gameUrlId = Number((await db.pool.query(
        `INSERT INTO games_gameurl (game_id, url_id, category_id) VALUES ($1, $2, (SELECT id FROM games_gameurlcategory WHERE symbolic_id = 'play_in_interpreter')) RETURNING id`,
        [gameId, rUrl],
      )).rows[0].id);
      const r = await runJob(api, worker, 'recode-game', { gameUrlId });
      const out = path.join(work, 'baseline-out');
      const baseSeconds = await timed(async () => {
        await execa('unar', ['-q', '-f', '-D', '-o', out, archive]);
        await execa('zip', ['-q', '-r', path.join(work, 'baseline.zip'), '.'], { cwd: out });
      });
      await rm(out, { recursive: true, force: true });
      await rm(path.join(work, 'baseline.zip'), { force: true });
      await rm(path.join(filesDir, 'recodes'), { recursive: true, force: true });
      await rm(path.join(filesDir, 'backups', local), { force: true });
      recode.ifqueue.push(r.seconds);
      recode.baseline.push(baseSeconds);
      recode.growth.push(r.rssGrowthMB);
      recode.peak.push(r.peakMB);
      console.log(`rep ${rep} recode ${fmt(archiveBytes / MiB, 0)} MiB archive: ifqueue ${fmt(r.seconds, 2)} s, unar + zip ${fmt(baseSeconds, 2)} s, RSS growth ${fmt(r.rssGrowthMB)} MB`);
    }
    const speed = (x: typeof clone) => spread(x.ifqueue.map((v, i) => (x.baseline[i] / v) * 100));
    const table = printTable(
      `P6 large files: median (min–max) over ${flags.reps} runs`,
      ['job', 'ifqueue s', 'baseline s', 'speed vs baseline %', 'RSS growth MB', 'runner peak RSS MB'],
      [
        [`clone-file ${fmt(cloneBytes / MiB, 0)} MiB (vs curl -o)`, fmtSpread(spread(clone.ifqueue), 2), fmtSpread(spread(clone.baseline), 2), fmtSpread(speed(clone), 0), fmtSpread(spread(clone.growth)), fmtSpread(spread(clone.peak))],
        [`recode-game ${fmt(archiveBytes / MiB, 0)} MiB tar.gz (vs unar + zip)`, fmtSpread(spread(recode.ifqueue), 2), fmtSpread(spread(recode.baseline), 2), fmtSpread(speed(recode), 0), fmtSpread(spread(recode.growth)), fmtSpread(spread(recode.peak))],
      ],
    );
    const targets: BenchResult['targets'] = [
      { name: 'clone RSS growth', target: '<= 64 MB', measured: `${fmt(spread(clone.growth).median)} MB`, met: spread(clone.growth).median <= 64 },
      { name: 'clone speed', target: '>= 80 % of curl', measured: `${fmt(speed(clone).median, 0)} %`, met: speed(clone).median >= 80 },
      { name: 'recode RSS growth', target: '<= 64 MB', measured: `${fmt(spread(recode.growth).median)} MB`, met: spread(recode.growth).median <= 64 },
      { name: 'recode speed', target: '>= 80 % of unar + zip', measured: `${fmt(speed(recode).median, 0)} %`, met: speed(recode).median >= 80 },
    ];
    printTargets(targets);
    const file = await writeResult({
      id: 'p6',
      title: 'large files: clone-file and recode-game',
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { before, afterLoad: (await machineInfo()).load },
      settings: { cloneBytes, archiveBytes, repetitions: flags.reps, extractor: 'unar (default)', baselineRecode: 'unar -q -f -D -o DIR ARCHIVE; zip -q -r OUT.zip .' },
      results: { clone, recode, coldFirstJobRssGrowthMB: cold.rssGrowthMB },
      targets,
      table,
      notes: ['ifqueue time = the job\'s started_on..completed_on in pg-boss; RSS growth = peak RSS of the runner process during the job minus its RSS just before (after a GC)'],
    });
    console.log(`written ${file}`);
  } finally {
    await worker?.stop();
    await api.stop();
    server?.close();
    await db.drop();
    await rm(work, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) runBench(main);
