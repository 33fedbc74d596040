// The `ifqueue` command as a user runs it (bin/ifqueue.js, DATABASE_URL set): output, exit codes,
// one-line errors without stacks, masked DSNs, JSON fields, schedules, check, and the daemon.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { waitFor } from '../runner/support.ts';

const BIN = fileURLToPath(new URL('../../bin/ifqueue.js', import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let db: TestDatabase;
let filesDir: string;
let daemon: ResultPromise | null = null;
let daemonOut = '';
let daemonExited = false;

function env(databaseUrl = db.url): Record<string, string> {
  return { DATABASE_URL: databaseUrl, IFQUEUE_FILES_DIR: filesDir, IFQUEUE_HEARTBEAT_SECONDS: '1', IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '10', IFQUEUE_DEBUG: '', IFQUEUE_DEMO_TASKS: '1' };
}

function ifqueue(args: string[], databaseUrl?: string) {
  return execa(process.execPath, [BIN, ...args], { env: env(databaseUrl), reject: false, timeout: 60_000, stdin: 'ignore' });
}

/** A user error: non-zero exit, one line on stderr starting with "ifqueue:", no stack trace. */
function assertOneLineError(r: { exitCode?: number; stderr: unknown; stdout: unknown }, pattern: RegExp) {
  const stderr = String(r.stderr);
  assert.notEqual(r.exitCode, 0, 'non-zero exit code');
  assert.equal(stderr.trim().split('\n').length, 1, `one line: ${stderr}`);
  assert.match(stderr, /^ifqueue: /);
  assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /\n\s+at |\.ts:\d+/, 'no stack trace');
}

const bossJob = async (id: string) => (await db.query(`SELECT state FROM pgboss.job WHERE id = $1`, [id])).rows[0];

before(async () => {
  db = await createTestDatabase('cli');
  filesDir = await mkdtemp(path.join(tmpdir(), 'ifqueue-cli-test-'));
});

after(async () => {
  if (daemon && !daemonExited) daemon.kill('SIGKILL');
  await daemon?.catch(() => {});
  await db.drop();
  await rm(filesDir, { recursive: true, force: true });
});

describe('without a runner', () => {
  test('enqueue prints the job id', async () => {
    const r = await ifqueue(['enqueue', 'demo-sleep', '--args', '{"seconds":0}', '--name', 'first', '--priority', '20']);
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.match(String(r.stdout).trim(), UUID);
    const { rows } = await db.query(`SELECT j.data, j.priority, m.name FROM pgboss.job j JOIN ifqueue.job_meta m ON m.job_id = j.id WHERE j.id = $1`, [String(r.stdout).trim()]);
    assert.deepEqual(rows[0], { data: { seconds: 0 }, priority: 80, name: 'first' }, 'legacy priority 20 is pg-boss 80');
  });

  test('bad JSON, unknown task, invalid arguments and unknown job id: one-line errors, non-zero exit', async () => {
    const [badJson, unknownTask, badArgs, unknownJob] = await Promise.all([
      ifqueue(['enqueue', 'demo-sleep', '--args', '{bad']),
      ifqueue(['enqueue', 'no-such-task']),
      ifqueue(['enqueue', 'demo-sleep', '--args', '{"seconds":"soon"}']),
      ifqueue(['job', '00000000-0000-4000-8000-000000000000']),
    ]);
    assertOneLineError(badJson, /--args is not valid JSON/);
    assertOneLineError(unknownTask, /unknown task "no-such-task"/);
    assertOneLineError(badArgs, /invalid arguments for demo-sleep: seconds: /);
    assertOneLineError(unknownJob, /unknown job id "00000000-0000-4000-8000-000000000000"/);
  });

  test('a DSN with a password is masked in errors', async () => {
    const missingDb = new URL(db.url);
    missingDb.password = 's3cret-pw';
    missingDb.pathname = '/ifq_no_such_database';
    const refused = new URL(missingDb);
    refused.port = '1';
    const [a, b] = await Promise.all([ifqueue(['jobs'], missingDb.toString()), ifqueue(['jobs'], refused.toString())]);
    for (const r of [a, b]) {
      assertOneLineError(r, /:\*\*\*@127\.0\.0\.1/);
      assert.doesNotMatch(String(r.stderr) + String(r.stdout), /s3cret-pw/);
    }
    assert.match(String(a.stderr), /database "ifq_no_such_database" does not exist/);
    assert.match(String(b.stderr), /ECONNREFUSED/);
  });

  test('check: CRITICAL with no live runner, CRITICAL for an unreachable database', async () => {
    const unreachable = new URL(db.url);
    unreachable.port = '1';
    unreachable.password = 'hunter22';
    const [noRunner, down] = await Promise.all([ifqueue(['check']), ifqueue(['check'], unreachable.toString())]);
    assert.equal(noRunner.exitCode, 2);
    assert.match(String(noRunner.stdout), /^CRITICAL - no live runner/);
    assert.equal(down.exitCode, 2);
    assert.match(String(down.stdout), /^CRITICAL - database unreachable: .*:\*\*\*@/);
    assert.doesNotMatch(String(down.stdout), /hunter22/);
  });

  test('schedules set, list, pause, resume and preview', async () => {
    const set = await ifqueue(['schedules', 'set', 'demo-log-burst', '*/5 * * * *', '--args', '{"lines":3}']);
    assert.equal(set.exitCode, 0, String(set.stderr));
    assert.match(String(set.stdout), /^[0-9a-f-]{36} demo-log-burst '\*\/5 \* \* \* \*' UTC next \d{4}-\d\d-\d\dT\d\d:\d[05]:00\.000Z$/m);
    const text = await ifqueue(['schedules', 'list']);
    assert.match(String(text.stdout), /demo-log-burst\s+\*\/5 \* \* \* \*\s+UTC\s+active\s+\d{4}-/);
    // `schedules list --json` prints the table (its --json is taken by `schedules`); `schedules --json` is JSON
    const list = async () => JSON.parse(String((await ifqueue(['schedules', '--json'])).stdout)) as { task: string; paused: boolean; args: unknown; nextRuns: string[] }[];
    const pause = await ifqueue(['schedules', 'pause', 'demo-log-burst']);
    assert.equal(pause.exitCode, 0, String(pause.stderr));
    const paused = (await list()).find((s) => s.task === 'demo-log-burst')!;
    assert.deepEqual([paused.paused, paused.args, paused.nextRuns], [true, { lines: 3 }, []]);
    const resume = await ifqueue(['schedules', 'resume', 'demo-log-burst']);
    assert.equal(resume.exitCode, 0, String(resume.stderr));
    const resumed = (await list()).find((s) => s.task === 'demo-log-burst')!;
    assert.deepEqual([resumed.paused, resumed.nextRuns.length], [false, 5]);
    const [preview, badPreview, badSet, unknown] = await Promise.all([
      ifqueue(['schedules', 'preview', '0 12 * * *', '--count', '2']),
      ifqueue(['schedules', 'preview', '0 25 * * *']),
      ifqueue(['schedules', 'set', 'demo-log-burst', 'every day']),
      ifqueue(['schedules', 'pause', 'no-such-schedule']),
    ]);
    assert.equal(preview.exitCode, 0);
    const times = String(preview.stdout).trim().split('\n');
    assert.equal(times.length, 2);
    for (const t of times) assert.match(t, /^\d{4}-\d\d-\d\dT12:00:00\.000Z$/);
    assertOneLineError(badPreview, /invalid cron expression: .*hour/);
    assertOneLineError(badSet, /invalid schedule "every day"/);
    assertOneLineError(unknown, /no schedule "no-such-schedule"/);
  });
});

describe('with a daemon', () => {
  let jobId: string;

  before(async () => {
    daemon = execa(process.execPath, [BIN, '--daemon'], { env: env(), reject: false, stdin: 'ignore' });
    void daemon.finally(() => (daemonExited = true));
    daemon.stdout!.setEncoding('utf8').on('data', (d: string) => (daemonOut += d));
    daemon.stderr!.setEncoding('utf8').on('data', (d: string) => (daemonOut += d));
    await waitFor('the daemon to run', () => /ifqueue daemon running \d+ tasks on /.test(daemonOut), { timeoutMs: 30_000 });
  });

  test('--daemon runs jobs and prints one line per job event; job --follow streams the log until the end', async () => {
    const r = await ifqueue(['enqueue', 'demo-sleep', '--args', '{"seconds":2}']);
    jobId = String(r.stdout).trim();
    assert.match(jobId, UUID);
    const follow = await ifqueue(['job', jobId, '--follow']);
    assert.equal(follow.exitCode, 0, String(follow.stderr));
    assert.match(String(follow.stdout), /slept 1s of 2s[\s\S]*slept 2s of 2s/);
    assert.equal((await bossJob(jobId)).state, 'completed');
    const short = jobId.slice(0, 8);
    await waitFor('the completion line', () => daemonOut.includes(`job completed demo-sleep ${short}`));
    assert.match(daemonOut, new RegExp(`job started   demo-sleep ${short} attempt 1`));
  });

  test('jobs --json and job <id> --json have the documented fields', async () => {
    const list = await ifqueue(['jobs', '--json', '--task', 'demo-sleep', '--limit', '10']);
    assert.equal(list.exitCode, 0, String(list.stderr));
    const jobs = JSON.parse(String(list.stdout)) as Record<string, unknown>[];
    assert.ok(jobs.length >= 2);
    const fields = ['id', 'task', 'name', 'state', 'priority', 'attempt', 'dependsOn', 'createdAt', 'startedAt', 'finishedAt', 'error'];
    for (const job of jobs) for (const f of fields) assert.ok(f in job, `jobs --json has ${f}`);
    const done = jobs.find((j) => j.id === jobId)!;
    assert.equal(done.state, 'completed');
    assert.equal(done.task, 'demo-sleep');
    assert.equal(done.priority, 100);
    assert.equal(done.attempt, 1);
    assert.equal(done.error, null);
    assert.ok(typeof done.finishedAt === 'string' && typeof done.startedAt === 'string');
    const one = await ifqueue(['job', jobId, '--json']);
    assert.equal(one.exitCode, 0, String(one.stderr));
    const detail = JSON.parse(String(one.stdout));
    for (const f of fields) assert.ok(f in detail, `job --json has ${f}`);
    assert.ok(Array.isArray(detail.log));
    assert.deepEqual(detail.log.map((l: { text: string }) => l.text), ['slept 1s of 2s', 'slept 2s of 2s']);
    const badState = await ifqueue(['jobs', '--state', 'sleeping']);
    assertOneLineError(badState, /unknown state "sleeping"/);
  });

  test('check: OK with a live daemon, WARNING after a failure', async () => {
    const ok = await ifqueue(['check']);
    assert.equal(ok.exitCode, 0, String(ok.stdout));
    assert.match(String(ok.stdout), /^OK - 1 runner\(s\), \d+ waiting, 0 failed in the last hour \| runners=1 /);
    const failing = String((await ifqueue(['enqueue', 'demo-fail', '--args', '{"message":"on purpose"}'])).stdout).trim();
    await waitFor('the failure', async () => (await bossJob(failing))?.state === 'failed');
    const warn = await ifqueue(['check']);
    assert.equal(warn.exitCode, 1, String(warn.stdout));
    assert.match(String(warn.stdout), /^WARNING - 1 failures in the last hour/);
  });

  test('a job released by its dependency is printed as released, not retried', async () => {
    // the parent is held an hour, so the child surely waits for it; then the parent is let go
    const parent = String((await ifqueue(['enqueue', 'demo-sleep', '--args', '{"seconds":0}', '--delay', '1h'])).stdout).trim();
    const child = String((await ifqueue(['enqueue', 'demo-sleep', '--args', '{"seconds":0}', '--depends-on', parent])).stdout).trim();
    assert.match(child, UUID);
    await db.query(`UPDATE pgboss.job SET start_after = now() WHERE id = $1`, [parent]);
    await db.query(`SELECT pg_notify(left('pgboss_' || encode(sha224('pgboss'::bytea), 'hex'), 31), 'demo-sleep')`);
    await waitFor('the dependent to complete', async () => (await bossJob(child))?.state === 'completed', { timeoutMs: 30_000 });
    await waitFor('the release line', () => daemonOut.includes(`job released  demo-sleep ${child.slice(0, 8)}: its dependency completed`));
    assert.doesNotMatch(daemonOut, new RegExp(`job retried .*${child.slice(0, 8)}`));
  });

  test('the daemon exits 0 on SIGTERM', async () => {
    const r = await ifqueue(['enqueue', 'demo-sleep', '--args', '{"seconds":3}']);
    const id = String(r.stdout).trim();
    await waitFor('the job to start', () => daemonOut.includes(`job started   demo-sleep ${id.slice(0, 8)}`));
    daemon!.kill('SIGTERM');
    const result = await daemon!;
    assert.equal(result.exitCode, 0, daemonOut);
    assert.match(daemonOut, /received SIGTERM: not taking new jobs; waiting for 1 running job\(s\)[\s\S]*stopped/);
    assert.equal((await bossJob(id)).state, 'completed', 'the running job finished first');
    const after = await ifqueue(['check']);
    assert.equal(after.exitCode, 2, 'no live runner once the daemon is gone');
  });
});
