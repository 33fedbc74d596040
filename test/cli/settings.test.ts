// Runner settings are checked, never silently defaulted: a bad value is one line naming the variable,
// the value and what is allowed, before any database is touched; --queues names registered tasks; the
// demo tasks exist only where asked for; the Runner constructor gives programmatic users the same errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { UserError } from '../../src/runner/errors.ts';
import { Runner, type RunnerOptions } from '../../src/runner/runner.ts';
import { demoTasks } from '../../src/tasks/demo/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';

const BIN = fileURLToPath(new URL('../../bin/ifqueue.js', import.meta.url));
// nothing listens there: a check that passed would end in ECONNREFUSED instead of the setting's error
const UNREACHABLE = 'postgres://postgres:pw@127.0.0.1:1/none';

let db: TestDatabase;
let work: string;

before(async () => {
  db = await createTestDatabase('cli_settings');
  work = await mkdtemp(path.join(tmpdir(), 'ifq-settings-'));
});

after(async () => {
  await db.drop();
  await rm(work, { recursive: true, force: true });
});

function ifqueue(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [BIN, ...args], {
    env: { DATABASE_URL: UNREACHABLE, IFQUEUE_FILES_DIR: work, IFQUEUE_DATA_DIR: path.join(work, 'never-created'), IFQUEUE_DEBUG: '', ...env },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
    stdin: 'ignore',
  });
}

function assertOneLine(r: { exitCode?: number; stderr: unknown }, ...patterns: RegExp[]) {
  const stderr = String(r.stderr);
  assert.notEqual(r.exitCode, 0);
  assert.equal(stderr.trim().split('\n').length, 1, `one line: ${stderr}`);
  assert.match(stderr, /^ifqueue: /);
  assert.doesNotMatch(stderr, /ECONNREFUSED|\n\s+at /, 'refused before connecting, without a stack');
  for (const p of patterns) assert.match(stderr, p);
}

describe('environment', () => {
  const cases: [string, string, RegExp][] = [
    ['IFQUEUE_HEARTBEAT_SECONDS', '-5', /from 1 to 3600/],
    ['IFQUEUE_HEARTBEAT_SECONDS', '0', /from 1 to 3600/],
    ['IFQUEUE_HEARTBEAT_SECONDS', 'abc', /from 1 to 3600/],
    ['IFQUEUE_HEARTBEAT_SECONDS', '1e309', /from 1 to 3600/],
    ['IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS', '-5', /from 0 to 86400/],
    ['IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS', 'abc', /from 0 to 86400/],
    ['IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS', '1e309', /from 0 to 86400/],
    ['IFQUEUE_RETENTION_DAYS', '0', /from 1 to 36500/],
    ['IFQUEUE_RETENTION_DAYS', '-5', /from 1 to 36500/],
    ['IFQUEUE_RETENTION_DAYS', '1e309', /from 1 to 36500/],
    ['IFQUEUE_RETENTION_DAYS', '2.5', /whole number/],
    ['IFQUEUE_DEMO_TASKS', 'maybe', /one of 1, true, yes, on, 0, false, no, off/],
  ];
  for (const [variable, value, allowed] of cases) {
    test(`${variable}=${value}: one line naming the variable, the value and what is allowed`, async () => {
      const [daemon, oneShot] = await Promise.all([ifqueue(['--daemon'], { [variable]: value }), ifqueue(['jobs'], { [variable]: value })]);
      for (const r of [daemon, oneShot]) assertOneLine(r, new RegExp(`Invalid ${variable}: "${value.replace(/[.]/g, '\\.')}"`), allowed);
    });
  }

  test('0 s of shutdown timeout is a real value (return running jobs at once), not a default', async () => {
    const r = await ifqueue(['jobs'], { IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '0' });
    // got past the settings: it is the unreachable database that stops it
    assert.match(String(r.stderr), /ECONNREFUSED/);
  });
});

describe('command-line options', () => {
  test('--queues names registered tasks; an unknown one is an error naming the known tasks', async () => {
    const [unknown, empty, partly] = await Promise.all([
      ifqueue(['--daemon', '--queues', 'nosuch']),
      ifqueue(['--daemon', '--queues', ',']),
      ifqueue(['--daemon', '--queues', 'clone-file,nosuch,other']),
    ]);
    assertOneLine(unknown, /Invalid --queues: unknown task "nosuch" \(known: .*clone-file.*recode-game/);
    assertOneLine(empty, /Invalid --queues: .*must name at least one task \(known: /);
    assertOneLine(partly, /unknown tasks "nosuch", "other"/);
  });

  test('--metrics-port, --limit and --count are checked', async () => {
    const [port0, portAbc, portBig, limit, count, delay] = await Promise.all([
      ifqueue(['--daemon', '--metrics-port', '0']),
      ifqueue(['--daemon', '--metrics-port', 'abc']),
      ifqueue(['--daemon', '--metrics-port', '70000']),
      ifqueue(['jobs', '--limit', '-5']),
      ifqueue(['schedules', 'preview', '* * * * *', '--count', 'abc']),
      ifqueue(['enqueue', 'clone-file', '--delay', '9'.repeat(400) + 'd']),
    ]);
    for (const r of [port0, portAbc, portBig]) assertOneLine(r, /Invalid --metrics-port: ".*" must be a whole number from 1 to 65535/);
    assertOneLine(limit, /Invalid --limit: "-5" must be a whole number from 1 to 1000/);
    assertOneLine(count, /Invalid --count: "abc" must be a whole number from 1 to 1000/);
    assertOneLine(delay, /invalid duration .*at most 100 years/);
  });
});

describe('demo tasks', () => {
  test('a DATABASE_URL daemon does not know the demo tasks unless asked for', async () => {
    const onDb = (args: string[], extra: Record<string, string> = {}) => ifqueue(args, { DATABASE_URL: db.url, ...extra });
    // a one-shot enqueue checks against the tasks runners registered in the database: none registered demo tasks yet
    assertOneLine(await onDb(['enqueue', 'demo-noop']), /unknown task "demo-noop"/);
    const refused = await onDb(['--daemon', '--queues', 'demo-sleep']);
    assertOneLine(refused, /Invalid --queues: unknown task "demo-sleep" \(known: clone-file/);
    assert.doesNotMatch(String(refused.stderr), /known: .*demo-/, 'the known tasks listed are the ones this process has');

    // asked for: the daemon registers and runs them
    const daemon = execa(process.execPath, [BIN, '--daemon', '--queues', 'demo-noop'], {
      env: { DATABASE_URL: db.url, IFQUEUE_FILES_DIR: work, IFQUEUE_DEMO_TASKS: '1', IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '1' },
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
    let out = '';
    daemon.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    try {
      await waitFor('the demo daemon to run', () => out.includes('ifqueue daemon running 1 task'), { timeoutMs: 90_000 });
      const accepted = await onDb(['enqueue', 'demo-noop']);
      assert.equal(accepted.exitCode, 0, String(accepted.stderr));
      const id = String(accepted.stdout).trim();
      await waitFor('the demo job to run', () => out.includes(`job completed demo-noop ${id.slice(0, 8)}`), { timeoutMs: 60_000 });
    } finally {
      daemon.kill('SIGTERM');
      await daemon;
    }
  });
});

describe('Runner options', () => {
  const base: RunnerOptions = { databaseUrl: 'postgres://127.0.0.1:1/x', tasks: demoTasks };
  const refused = (options: Partial<RunnerOptions>, pattern: RegExp) => {
    assert.throws(
      () => new Runner({ ...base, ...options }),
      (error: unknown) => error instanceof UserError && pattern.test(error.message) && !error.message.includes('\n'),
    );
  };

  test('bad numbers are refused with the option, the value and the range', () => {
    refused({ heartbeatSeconds: -5 }, /^Invalid heartbeatSeconds: -5 must be a number from 0\.1 to 3600$/);
    refused({ heartbeatSeconds: 0 }, /heartbeatSeconds: 0 /);
    refused({ heartbeatSeconds: Number.NaN }, /heartbeatSeconds: NaN /);
    refused({ heartbeatSeconds: Number.POSITIVE_INFINITY }, /heartbeatSeconds: Infinity /);
    refused({ heartbeatSeconds: 'abc' as never }, /heartbeatSeconds: "abc" /);
    refused({ heartbeatSeconds: 10, lostAfterSeconds: 5 }, /lostAfterSeconds: 5 must be more than heartbeatSeconds \(10\)/);
    refused({ retentionDays: 0 }, /retentionDays: 0 /);
    refused({ shutdownTimeoutMs: -1 }, /shutdownTimeoutMs: -1 must be a whole number from 0 to 86400000/);
    refused({ shutdownTimeoutMs: 1.5 }, /shutdownTimeoutMs: 1\.5 /);
    refused({ poolSize: 0 }, /poolSize: 0 /);
    refused({ maxLogLinesPerAttempt: 1e309 }, /maxLogLinesPerAttempt: Infinity /);
    refused({ pollSeconds: { notify: -1, fallback: 1 } }, /pollSeconds\.notify: -1 /);
    refused({ kind: 'robot' as never }, /kind: "robot" must be one of daemon, dashboard, cli, test/);
    refused({ databaseUrl: '' }, /databaseUrl: a PostgreSQL URL is required/);
  });

  test('queues must be registered tasks', () => {
    refused({ queues: ['nosuch'] }, /^Invalid queues: unknown task "nosuch" \(known: demo-sleep, demo-fail, demo-log-burst, demo-noop\)$/);
    refused({ queues: [] }, /queues: \[\] must name at least one task/);
  });

  test('unset options take their defaults, good ones are kept', () => {
    assert.doesNotThrow(() => new Runner({ ...base, heartbeatSeconds: undefined, queues: ['demo-noop'], shutdownTimeoutMs: 0, pollSeconds: { notify: 600, fallback: 0.5 } }));
  });
});
