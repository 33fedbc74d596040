// One-shot commands as a user runs them (bin/ifqueue.js, DATABASE_URL set): bulk enqueue from a
// JSON-lines file, why retry/cancel/delete changed nothing, job --follow on a failing job, unknown
// commands, and a working runner started on an unreachable database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { demoTasks } from '../../src/tasks/demo/index.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitForState } from '../runner/support.ts';

const BIN = fileURLToPath(new URL('../../bin/ifqueue.js', import.meta.url));
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let db: TestDatabase;
let dir: string;
let runners: RunnerPool;
let worker: Runner;

function ifqueue(args: string[], options: { input?: string; databaseUrl?: string; env?: Record<string, string> } = {}) {
  return execa(process.execPath, [BIN, ...args], {
    env: { DATABASE_URL: options.databaseUrl ?? db.url, IFQUEUE_DEBUG: '', IFQUEUE_DEMO_TASKS: '1', ...options.env },
    reject: false,
    timeout: 60_000,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
  });
}

function assertOneLineError(r: { exitCode?: number; stderr: unknown }, pattern: RegExp) {
  const stderr = String(r.stderr);
  assert.notEqual(r.exitCode, 0, 'non-zero exit code');
  assert.equal(stderr.trim().split('\n').length, 1, `one line: ${stderr}`);
  assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /\n\s+at |\.ts:\d+/, 'no stack trace');
}

const jobCount = async (task: string) => (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1`, [task])).rows[0].n as number;

before(async () => {
  db = await createTestDatabase('cli_one_shot');
  dir = await mkdtemp(path.join(tmpdir(), 'ifqueue-cli-one-shot-'));
  runners = new RunnerPool(db);
  // runs demo-fail and demo-sleep (the enqueue tests delay theirs by an hour); demo-noop jobs stay queued
  worker = await runners.start(demoTasks, { queues: ['demo-fail', 'demo-sleep'] });
});

after(async () => {
  await runners.stopAll();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('enqueue --args-file', () => {
  test('one job per line of a file, with the usual options, and a one-line summary', async () => {
    const file = path.join(dir, 'args.jsonl');
    await writeFile(file, '{"seconds":1}\n\n{"seconds":2}\r\n{"seconds":3}\n');
    const r = await ifqueue(['enqueue', 'demo-sleep', '--args-file', file, '--priority', '20', '--delay', '1h', '--retries', '4']);
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.match(String(r.stdout), new RegExp(`^enqueued 3 demo-sleep jobs \\(${UUID.source} … ${UUID.source}\\)$`));
    const { rows } = await db.query(
      `SELECT data, priority, retry_limit, start_after > now() + interval '50 minutes' AS delayed FROM pgboss.job WHERE name = 'demo-sleep' ORDER BY (data->>'seconds')::int`,
    );
    assert.deepEqual(rows, [1, 2, 3].map((seconds) => ({ data: { seconds }, priority: 80, retry_limit: 4, delayed: true })));
  });

  test('from standard input with "-", and --dry-run adds dryRun to each line', async () => {
    const before = await jobCount('demo-noop');
    const r = await ifqueue(['enqueue', 'demo-noop', '--args-file', '-', '--dry-run'], { input: '{"a":1}\n{"a":2}\n' });
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.match(String(r.stdout), /^enqueued 2 demo-noop jobs /);
    assert.equal(await jobCount('demo-noop'), before + 2);
    const { rows } = await db.query(`SELECT data FROM pgboss.job WHERE name = 'demo-noop' ORDER BY data->>'a'`);
    assert.deepEqual(rows.map((r) => r.data), [{ a: 1, dryRun: true }, { a: 2, dryRun: true }]);
  });

  test('a bad line is a one-line error naming its line number, and nothing is enqueued', async () => {
    const badJson = path.join(dir, 'bad-json.jsonl');
    const badArgs = path.join(dir, 'bad-args.jsonl');
    await writeFile(badJson, '{"seconds":1}\n{"seconds":\n{"seconds":3}\n');
    await writeFile(badArgs, '{"seconds":1}\n{"seconds":2}\n\n{"seconds":"soon"}\n');
    const before = await jobCount('demo-sleep');
    const [json, args, missing, both, named] = await Promise.all([
      ifqueue(['enqueue', 'demo-sleep', '--args-file', badJson]),
      ifqueue(['enqueue', 'demo-sleep', '--args-file', badArgs]),
      ifqueue(['enqueue', 'demo-sleep', '--args-file', path.join(dir, 'nope.jsonl')]),
      ifqueue(['enqueue', 'demo-sleep', '--args-file', badJson, '--args', '{"seconds":1}']),
      ifqueue(['enqueue', 'demo-sleep', '--args-file', badJson, '--name', 'x']),
    ]);
    assertOneLineError(json, /bad-json\.jsonl line 2: not valid JSON/);
    assertOneLineError(args, /bad-args\.jsonl line 4: invalid arguments for demo-sleep: seconds: /);
    assertOneLineError(missing, /cannot read --args-file .*nope\.jsonl: .*ENOENT/);
    assertOneLineError(both, /give --args or --args-file, not both/);
    assertOneLineError(named, /--name applies to one job; it cannot be used with --args-file/);
    assert.equal(await jobCount('demo-sleep'), before, 'nothing enqueued');
  });
});

describe('retry, cancel and delete say why they changed nothing', () => {
  test('an id that is not a uuid, or no job: "unknown job id", like `job`', async () => {
    const none = '00000000-0000-4000-8000-000000000000';
    const results = await Promise.all([
      ifqueue(['retry', 'not-a-uuid']),
      ifqueue(['cancel', 'not-a-uuid']),
      ifqueue(['delete', 'not-a-uuid']),
      ifqueue(['job', 'not-a-uuid']),
      ifqueue(['retry', none]),
      ifqueue(['delete', none]),
    ]);
    for (const r of results.slice(0, 4)) assertOneLineError(r, /^ifqueue: unknown job id "not-a-uuid"$/m);
    for (const r of results.slice(4)) assertOneLineError(r, new RegExp(`unknown job id "${none}"`));
    for (const r of results) assert.doesNotMatch(String(r.stderr), /invalid input syntax/);
  });

  test('running, already finished, not failed', async () => {
    const queued = await worker.enqueue('demo-noop', {});
    const finished = await worker.enqueue('demo-fail', {});
    await waitForState(db, finished, 'failed');
    const running = await worker.enqueue('demo-sleep', { seconds: 120 });
    await waitForState(db, running, 'active');
    const [deleteRunning, cancelFinished, retryQueued, retryRunning] = await Promise.all([
      ifqueue(['delete', running]),
      ifqueue(['cancel', finished]),
      ifqueue(['retry', queued]),
      ifqueue(['retry', running]),
    ]);
    assertOneLineError(deleteRunning, new RegExp(`job ${running} is running: cancel it first`));
    assertOneLineError(cancelFinished, new RegExp(`job ${finished} has already finished`));
    assertOneLineError(retryQueued, new RegExp(`job ${queued} is not failed or cancelled: only those can be retried`));
    assertOneLineError(retryRunning, new RegExp(`job ${running} is running$`, 'm'));
    const [cancel, del] = [await ifqueue(['cancel', running]), await ifqueue(['delete', running])];
    assert.deepEqual([cancel.exitCode, String(cancel.stdout), del.exitCode, String(del.stdout)], [0, `cancelled ${running}`, 0, `deleted ${running}`]);
  });
});

test('job --follow on a job that fails prints the final state and exits non-zero', async () => {
  const id = await worker.enqueue('demo-fail', { message: 'broken on purpose' }, { startAfter: 2 });
  const [text, json] = await Promise.all([ifqueue(['job', id, '--follow']), ifqueue(['job', id, '--follow', '--json'])]);
  assert.equal(text.exitCode, 1, String(text.stderr));
  assert.match(String(text.stdout), /W about to fail: broken on purpose\n[\s\S]*\njob failed: broken on purpose$/);
  assert.equal(json.exitCode, 1, String(json.stderr));
  const last = JSON.parse(String(json.stdout).trim().split('\n').at(-1)!);
  assert.deepEqual(last, { jobId: id, state: 'failed', error: 'broken on purpose' });
  const again = await ifqueue(['job', id, '--follow']);
  assert.equal(again.exitCode, 1, 'an already failed job too');
  assert.match(String(again.stdout), /\njob failed: broken on purpose$/);
});

test('an unknown command is named, with a suggestion when one is close', async () => {
  const [frob, typo] = await Promise.all([ifqueue(['frobnicate']), ifqueue(['statsu'])]);
  assert.equal(frob.exitCode, 2);
  assert.match(String(frob.stderr), /^error: unknown command 'frobnicate'\n\(run ifqueue --help for usage\)/);
  assert.doesNotMatch(String(frob.stderr), /too many arguments/);
  assert.equal(typo.exitCode, 2);
  assert.match(String(typo.stderr), /^error: unknown command 'statsu'\n\(Did you mean status\?\)/);
});

test('a daemon or dashboard on an unreachable database names the (masked) database', async () => {
  const url = 'postgres://someone:s3cret-pw@127.0.0.1:1/ifdb';
  const [daemon, watching] = await Promise.all([ifqueue(['--daemon'], { databaseUrl: url }), ifqueue(['--no-runner'], { databaseUrl: url })]);
  for (const r of [daemon, watching]) {
    assertOneLineError(r, /^ifqueue: cannot start on postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/ifdb: connect ECONNREFUSED/);
    assert.doesNotMatch(String(r.stderr) + String(r.stdout), /s3cret-pw/);
  }
});

test('a runner whose start fails half way (a failed migration) ends the command with one line instead of hanging', async () => {
  const broken = await createTestDatabase('cli_failed_start');
  try {
    const first = await ifqueue(['status'], { databaseUrl: broken.url });
    assert.equal(first.exitCode, 0, String(first.stderr));
    // the migrations run again from the first, which meets its own tables
    await broken.query(`DELETE FROM ifqueue.migration`);
    const r = await ifqueue(['status'], { databaseUrl: broken.url });
    assert.equal(r.timedOut, false, 'the process exited by itself');
    assertOneLineError(r, /cannot start on .*: ifqueue schema migration 1 failed: relation "job_meta" already exists/);
  } finally {
    await broken.drop();
  }
});

describe('cleanup', () => {
  test('without --older-than it uses IFQUEUE_RETENTION_DAYS, as the runners\' own sweep does', async () => {
    const [old, recent] = await Promise.all([worker.enqueue('demo-sleep', { seconds: 0 }), worker.enqueue('demo-sleep', { seconds: 0 })]);
    await waitForState(db, old, 'completed');
    await waitForState(db, recent, 'completed');
    await db.query(`UPDATE pgboss.job SET completed_on = now() - interval '3 days' WHERE id = $1`, [old]);
    await db.query(`UPDATE pgboss.job SET completed_on = now() - interval '1 day' WHERE id = $1`, [recent]);
    const dry = await ifqueue(['cleanup', '--dry-run', '--task', 'demo-sleep'], { env: { IFQUEUE_RETENTION_DAYS: '2' } });
    assert.equal(dry.exitCode, 0, String(dry.stderr));
    assert.match(String(dry.stdout), /^would delete 1 completed, 0 cancelled, 0 failed job\(s\) older than 2d$/m);
    const done = await ifqueue(['cleanup', '--task', 'demo-sleep'], { env: { IFQUEUE_RETENTION_DAYS: '2' } });
    assert.equal(done.exitCode, 0, String(done.stderr));
    const left = (await db.query(`SELECT id FROM pgboss.job WHERE id = ANY($1::uuid[])`, [[old, recent]])).rows.map((r) => r.id);
    assert.deepEqual(left, [recent], 'the job finished 3 days ago went, the one finished yesterday stayed');
  });
});
