// Logs: stored while the job runs (ctx.log, console.*, child process output), readable from another
// runner before the job ends, followed live without gaps or repeats, and truncated with a marker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { abortableSleep } from '../../src/runner/sleep.ts';
import type { LogLine } from '../../src/runner/types.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, gate, waitFor, waitForState } from './support.ts';

let db: TestDatabase;
let runners: RunnerPool;
let watcher: Runner;
const hold = gate();

const chatty = defineTask({
  name: 'chatty',
  description: 'logs three ways, then waits for the test',
  schema: z.object({}),
  async handler(_args, ctx) {
    ctx.log.info('from ctx.log %d', 1);
    console.log('from console.log', { n: 2 });
    console.error('from console.error');
    await ctx.exec(process.execPath, ['-e', 'console.log("from child stdout"); console.error("from child stderr")']);
    await hold.promise;
    ctx.log.info('after the gate');
  },
});

// 5000 two-byte characters: even cut to 4000 they exceed a NOTIFY payload, so followers read them from the table
const LONG = 'ж'.repeat(5000);
const stream = defineTask({
  name: 'stream',
  description: 'writes numbered lines over a while; some too long to travel in a notification',
  schema: z.object({ lines: z.number() }),
  async handler({ lines }, ctx) {
    for (let i = 1; i <= lines; i++) {
      ctx.log.info(i % 97 === 0 ? `line ${i} ${LONG}` : `line ${i}`);
      if (i % 20 === 0) await abortableSleep(2);
    }
  },
});

const tails = new Map<number, ReturnType<typeof gate>>();
const tail = defineTask({
  name: 'tail',
  description: 'writes lines, waits for the test, then writes its last lines and ends',
  schema: z.object({ round: z.number() }),
  concurrency: 4,
  async handler({ round }, ctx) {
    for (let i = 1; i <= 50; i++) ctx.log.info(`line ${i}`);
    await tails.get(round)!.promise;
    for (let i = 51; i <= 100; i++) ctx.log.info(`line ${i}`);
  },
});

const burst = defineTask({
  name: 'burst',
  description: 'writes many lines at once',
  schema: z.object({ lines: z.number() }),
  async handler({ lines }, ctx) {
    for (let i = 1; i <= lines; i++) ctx.log.info(`line ${i}`);
  },
});

const tasks = [chatty, stream, tail, burst];

before(async () => {
  db = await createTestDatabase('runner_logs');
  runners = new RunnerPool(db);
  await runners.start(tasks, { queues: ['chatty', 'stream', 'tail'] });
  await runners.start(tasks, { queues: ['burst'], maxLogLinesPerAttempt: 300 });
  watcher = await runners.start(tasks, { work: false });
});

after(async () => {
  hold.open();
  await runners.stopAll();
  await db.drop();
});

test('ctx.log, console output and child process output are readable from another runner while the job runs', async () => {
  const id = await watcher.enqueue('chatty', {});
  const wanted = ['from ctx.log 1', 'from console.log { n: 2 }', 'from console.error', 'from child stdout', 'from child stderr'];
  const lines = await waitFor('the lines to be stored', async () => {
    const log = await watcher.getLog(id);
    return wanted.every((w) => log.some((l) => l.text === w)) ? log : null;
  });
  assert.equal((await watcher.getJob(id))!.state, 'active', 'the job is still running');
  const level = (text: string) => lines.find((l) => l.text === text)!.level;
  assert.equal(level('from ctx.log 1'), 'info');
  assert.equal(level('from console.error'), 'error');
  assert.equal(level('from child stdout'), 'info');
  assert.equal(level('from child stderr'), 'warn');
  const raw = await db.query(`SELECT count(*)::int AS n FROM ifqueue.job_log WHERE job_id = $1`, [id]);
  assert.ok(raw.rows[0].n >= 5, 'also visible on a plain connection');
  hold.open();
  await waitForState(db, id, 'completed');
  const all = await watcher.getLog(id);
  assert.deepEqual(all.map((l) => l.seq), all.map((_, i) => i + 1), 'sequence numbers without gaps');
  assert.equal(all.at(-1)!.text, 'after the gate');
});

test('console output outside a task still reaches the console, not a job log', async () => {
  const original = process.stdout.write;
  let seen = '';
  process.stdout.write = ((chunk: string) => ((seen += chunk), true)) as typeof process.stdout.write;
  try {
    console.log('outside any task');
  } finally {
    process.stdout.write = original;
  }
  assert.match(seen, /outside any task/);
  // Lines are stored in batches: once a job run on each runner afterwards has its lines stored, a
  // misrouted line written before them would be stored too.
  for (const [task, args] of [['burst', { lines: 1 }], ['stream', { lines: 1 }]] as const) {
    const id = await watcher.enqueue(task, args);
    await waitForState(db, id, 'completed');
    await waitFor(`${task}'s line to be stored`, async () => (await watcher.getLog(id)).some((l) => l.text === 'line 1'));
  }
  const { rows } = await db.query(`SELECT text FROM ifqueue.job_log WHERE text LIKE '%outside any task%'`);
  assert.deepEqual(rows, [], 'no job log has the line');
});

test('followers on another runner get every line once, in order, whenever they subscribe', async () => {
  const total = 1500;
  let withoutLines = 0;
  const off = watcher.on('log:lines', (e) => {
    if (!e.lines) withoutLines++;
  });
  const id = await watcher.enqueue('stream', { lines: total });
  const followers: { lines: LogLine[]; stop: () => void }[] = [];
  // subscribe at different moments: before the first line, during the stream, and late
  for (const after of [0, 100, 400, 900, 1400]) {
    await waitFor(`line ${after} to be stored`, async () => after === 0 || (await watcher.getLog(id)).length >= after);
    const lines: LogLine[] = [];
    const stop = await watcher.followLog(id, (batch) => lines.push(...batch));
    followers.push({ lines, stop });
  }
  await waitForState(db, id, 'completed');
  off();
  assert.ok(withoutLines > 0, 'some batches were announced without their lines (too big for a notification)');
  for (const [i, f] of followers.entries()) {
    await waitFor(`follower ${i} to have every line`, () => f.lines.length >= total, { timeoutMs: 20_000 });
    f.stop();
    assert.deepEqual(
      f.lines.map((l) => l.seq),
      Array.from({ length: total }, (_, k) => k + 1),
      `follower ${i}: every line once, in order`,
    );
    assert.ok(f.lines.every((l) => l.text.startsWith(`line ${l.seq}`)));
    const long = f.lines[96].text;
    const note = / … \[(\d+) more characters\]$/.exec(long);
    assert.ok(long.length <= 4000, `cut to at most 4000 characters, got ${long.length}`);
    assert.ok(note, `long lines are cut, with a note: …${long.slice(-40)}`);
    assert.equal(long.length - note[0].length + Number(note[1]), 5008, 'the note counts exactly the characters dropped');
  }
});

test('followers subscribing while a job writes its last lines miss none of them', async () => {
  for (let round = 1; round <= 3; round++) {
    tails.set(round, gate());
    const id = await watcher.enqueue('tail', { round });
    await waitFor('the first lines', async () => (await watcher.getLog(id)).length >= 50);
    tails.get(round)!.open();
    // staggered around the moment the last lines are flushed (the store batches for ~15 ms)
    const followers = await Promise.all(
      Array.from({ length: 12 }, async (_, k) => {
        await abortableSleep(k * 3);
        const lines: LogLine[] = [];
        const stop = await watcher.followLog(id, (batch) => lines.push(...batch));
        return { lines, stop };
      }),
    );
    await waitForState(db, id, 'completed');
    for (const [k, f] of followers.entries()) {
      await waitFor(`round ${round} follower ${k} to have 100 lines`, () => f.lines.length >= 100, { timeoutMs: 5000 });
      f.stop();
      assert.deepEqual(f.lines.map((l) => l.seq), Array.from({ length: 100 }, (_, i) => i + 1));
    }
  }
});

test('lines announced while the follower’s first read waits are delivered once', async () => {
  tails.set(100, gate());
  const id = await watcher.enqueue('tail', { round: 100 });
  await waitFor('the first lines', async () => (await watcher.getLog(id)).length >= 50);
  // hold every connection of the watcher's pool so followLog's first read has to wait
  const held = await Promise.all(Array.from({ length: 4 }, () => watcher.db.connect()));
  let announced = 0;
  const off = watcher.on('log:lines', (e) => {
    if (e.jobId === id) announced = Math.max(announced, e.toSeq);
  });
  const lines: LogLine[] = [];
  const following = watcher.followLog(id, (batch) => lines.push(...batch));
  tails.get(100)!.open();
  await waitFor('the last lines to be announced', () => announced === 100);
  assert.equal(lines.length, 0, 'nothing delivered before the first read');
  held.forEach((c) => c.release());
  const stop = await following;
  await waitFor('every line', () => lines.length >= 100);
  stop();
  off();
  assert.deepEqual(lines.map((l) => l.seq), Array.from({ length: 100 }, (_, i) => i + 1), 'each line once, in order');
});

test('a log longer than the limit keeps its head and tail with a truncation marker', async () => {
  const id = await watcher.enqueue('burst', { lines: 1000 });
  await waitForState(db, id, 'completed');
  const log = await watcher.getLog(id);
  const marker = log.filter((l) => l.truncated);
  assert.equal(marker.length, 1);
  assert.equal(marker[0].truncated, 700);
  assert.match(marker[0].text, /700 lines truncated/);
  const real = log.filter((l) => !l.truncated);
  assert.deepEqual(
    real.map((l) => l.text),
    [...Array.from({ length: 200 }, (_, i) => `line ${i + 1}`), ...Array.from({ length: 100 }, (_, i) => `line ${i + 901}`)],
  );
  assert.equal(log.indexOf(marker[0]), 200, 'the marker stands where lines were dropped');
  const attempt = (await watcher.getJob(id))!.attempts[0];
  assert.equal(attempt.logLines, 1000);
  assert.equal(attempt.truncatedLines, 700);
  const stored = (await db.query(`SELECT count(*)::int AS n FROM ifqueue.job_log WHERE job_id = $1`, [id])).rows[0].n;
  assert.equal(stored, 300, 'the table holds only the bounded lines');
});
