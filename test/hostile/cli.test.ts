// The CLI against hostile input, as a user runs it (bin/ifqueue.js on a real database with a daemon):
// names, errors and log lines with newlines/tabs/escapes never forge a row or a line; a closed pipe
// ends the command quietly; arguments are bounded (size, depth, NUL, lone surrogates) with one-line
// errors; --args @file and -; search looks at values, not JSON punctuation; the database password
// stays off command lines; libpq key=value DATABASE_URLs work.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, execaSync, type ResultPromise } from 'execa';
import { argsProblem, INPUT_ARGS_LIMITS, STORED_ARGS_LIMITS } from '../../src/runner/args-limits.ts';
import { TaskRegistry } from '../../src/runner/registry.ts';
import { demoNoop } from '../../src/tasks/demo/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';

const BIN = fileURLToPath(new URL('../../bin/ifqueue.js', import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const ESC = '\u001b';
/** What must never reach a terminal from the CLI's plain output: C0 (but \n) and C1 controls, bidi controls. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let db: TestDatabase;
let dir: string;
let daemon: ResultPromise | null = null;
let daemonOut = '';

const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: db.url, IFQUEUE_FILES_DIR: dir, IFQUEUE_HEARTBEAT_SECONDS: '1', IFQUEUE_DEBUG: '', IFQUEUE_DEMO_TASKS: '1', ...extra });
const ifqueue = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
  execa(process.execPath, [BIN, ...args], { env: env(options.env), reject: false, timeout: 60_000, ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }) });

function assertOneLineError(r: { exitCode?: number; stderr: unknown }, pattern: RegExp): void {
  const stderr = String(r.stderr);
  assert.notEqual(r.exitCode, 0);
  assert.equal(stderr.trim().split('\n').length, 1, stderr.slice(0, 500));
  assert.match(stderr, /^ifqueue: /);
  assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /Maximum call stack|invalid byte sequence|unsupported Unicode|\n\s+at /);
}

async function enqueue(task: string, args: unknown, extra: string[] = []): Promise<string> {
  const r = await ifqueue(['enqueue', task, '--args', JSON.stringify(args), ...extra]);
  assert.equal(r.exitCode, 0, String(r.stderr));
  return String(r.stdout).trim();
}

const jobState = async (id: string) => (await db.query<{ state: string }>('SELECT state FROM pgboss.job WHERE id = $1', [id])).rows[0]?.state;

before(async () => {
  db = await createTestDatabase('hostile_cli');
  dir = await mkdtemp(path.join(tmpdir(), 'ifqueue-hostile-cli-'));
  daemon = execa(process.execPath, [BIN, '--daemon'], { env: env(), reject: false, stdin: 'ignore' });
  daemon.stdout!.setEncoding('utf8').on('data', (d: string) => (daemonOut += d));
  daemon.stderr!.setEncoding('utf8').on('data', (d: string) => (daemonOut += d));
  await waitFor('the daemon to run', () => /ifqueue daemon running/.test(daemonOut), { timeoutMs: 60_000 });
});

after(async () => {
  daemon?.kill('SIGTERM');
  await daemon?.catch(() => {});
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('output escaping', () => {
  const evilName = `evil\n00000000-0000-0000-0000-000000000000  demo-sleep  FAKE\tcompleted ${ESC}[2J${ESC}]52;c;cm0gLXJm${ESC}\\\u202e`;
  const evilMessage = `boom\nattempt 9: completed on FAKE\r${ESC}[31mred\ttab\u0007`;
  let failedId: string;

  test('job --follow of a job whose error and log hold newlines prints only real lines, and ends when it fails', async () => {
    failedId = await enqueue('demo-fail', { message: evilMessage }, ['--name', evilName]);
    const follow = await ifqueue(['job', failedId, '--follow']);
    const out = String(follow.stdout);
    assert.doesNotMatch(out, ACTIVE, JSON.stringify(out));
    for (const line of out.trimEnd().split('\n')) {
      assert.match(line, /^(job |task |state |args |created |started |finished |error |attempt \d|── log|\d\d:\d\d:\d\d\.\d{3} [DIWE] )/, JSON.stringify(line));
    }
    // a multi-line log message is stored as lines of its own, each printed behind its time stamp
    assert.match(out, /^\d\d:\d\d:\d\d\.\d{3} W about to fail: boom\n\d\d:\d\d:\d\d\.\d{3} W attempt 9: completed on FAKE␍red tab␇$/m);
    assert.match(out, /^error {5}boom⏎attempt 9: completed on FAKE␍red tab␇$/m);
    await waitFor('the job to fail', async () => (await jobState(failedId)) === 'failed');
  });

  test('jobs prints one row per job: a newline or tab in a name or error never adds a row or a column', async () => {
    await enqueue('demo-sleep', { seconds: 0 }, ['--name', 'plain']);
    const r = await ifqueue(['jobs', '--limit', '100']);
    assert.equal(r.exitCode, 0, String(r.stderr));
    const lines = String(r.stdout).trimEnd().split('\n');
    assert.match(lines[0], /^id\s+task\s+name/);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgboss.job');
    assert.equal(lines.length - 1, rows[0].n, 'one line per job plus the header');
    for (const line of lines.slice(1)) assert.match(line, UUID, JSON.stringify(line));
    assert.doesNotMatch(String(r.stdout), ACTIVE);
    assert.match(String(r.stdout), /evil⏎00000000/);
  });

  test('job shows the name and error each on one line, escaped', async () => {
    const r = await ifqueue(['job', failedId]);
    const out = String(r.stdout);
    assert.doesNotMatch(out, ACTIVE);
    assert.match(out, /^task {6}demo-fail {2}name evil⏎00000000-0000-0000-0000-000000000000  demo-sleep  FAKE completed /m);
    assert.match(out, /^error {5}boom/m);
    assert.doesNotMatch(out, /^attempt 9/m);
  });

  test('job ID | head: the command exits 0 without an EPIPE trace when the reader goes away', async () => {
    const id = await enqueue('demo-log-burst', { lines: 5000 });
    await waitFor('the burst to finish', async () => (await jobState(id)) === 'completed', { timeoutMs: 60_000 });
    const r = await execa('bash', ['-o', 'pipefail', '-c', '"$NODE" "$BIN" job "$ID" | head -n 2'], {
      env: { ...env(), NODE: process.execPath, BIN, ID: id },
      reject: false,
      timeout: 60_000,
    });
    assert.equal(String(r.stdout).split('\n').length, 2);
    assert.equal(String(r.stderr), '', 'nothing on stderr');
    assert.equal(r.exitCode, 0);
  });
});

describe('argument input', () => {
  test('JSON nested 5 000 deep, from a file: a one-line error naming the depth limit, not a stack overflow', async () => {
    const file = path.join(dir, 'deep.json');
    await writeFile(file, `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    assertOneLineError(await ifqueue(['enqueue', 'demo-noop', '--args', `@${file}`]), new RegExp(`nested deeper than ${INPUT_ARGS_LIMITS.depth} levels`));
  });

  test('10 MB of arguments from stdin: a one-line error naming the size limit; nothing is enqueued', async () => {
    const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgboss.job')).rows[0].n;
    const huge = JSON.stringify({ blob: 'x'.repeat(10 * 1024 * 1024) });
    assertOneLineError(await ifqueue(['enqueue', 'demo-noop', '--args', '-'], { input: huge }), /the limit is 1 MiB/);
    assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgboss.job')).rows[0].n, before);
  });

  test('NUL and a lone surrogate: one-line errors naming the argument, not PostgreSQL errors', async () => {
    assertOneLineError(await ifqueue(['enqueue', 'demo-noop', '--args', '{"title":"a\\u0000b"}']), /argument title contains a NUL character/);
    assertOneLineError(await ifqueue(['enqueue', 'demo-noop', '--args', '{"list":["ok","\\ud800"]}']), /argument list\[1\] contains a lone UTF-16 surrogate/);
    assertOneLineError(await ifqueue(['enqueue', 'demo-noop', '--args', '{"k\\u0000":1}']), /argument name .* contains a NUL character/);
    assertOneLineError(await ifqueue(['schedules', 'set', 'demo-noop', '* * * * *', '--args', '{"x":"\\u0000"}']), /NUL/);
  });

  test('large but valid arguments arrive whole through @file and through stdin', async () => {
    const args = { urls: Array.from({ length: 4000 }, (_, i) => `https://example.org/games/${i}/${'x'.repeat(40)}`) };
    const file = path.join(dir, 'big.json');
    await writeFile(file, JSON.stringify(args));
    assert.ok(JSON.stringify(args).length > 128 * 1024, 'more than one command-line argument may hold');
    const fromFile = await ifqueue(['enqueue', 'demo-noop', '--args', `@${file}`]);
    assert.equal(fromFile.exitCode, 0, String(fromFile.stderr));
    const fromStdin = await ifqueue(['enqueue', 'demo-noop', '--args', '-'], { input: JSON.stringify(args) });
    assert.equal(fromStdin.exitCode, 0, String(fromStdin.stderr));
    for (const id of [String(fromFile.stdout).trim(), String(fromStdin.stdout).trim()]) {
      const { rows } = await db.query<{ data: typeof args }>('SELECT data FROM pgboss.job WHERE id = $1', [id]);
      assert.deepEqual(rows[0].data, args);
    }
    assertOneLineError(await ifqueue(['enqueue', 'demo-noop', '--args', `@${path.join(dir, 'missing.json')}`]), /cannot read the file \(ENOENT\)/);
  });

  test('every enqueue path checks the same bounds: the registry refuses what the runner could not store', () => {
    const registry = new TaskRegistry([demoNoop]);
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    assert.throws(() => registry.parseArgs('demo-noop', { deep }), new RegExp(`nested deeper than ${STORED_ARGS_LIMITS.depth} levels`));
    assert.throws(() => registry.parseArgs('demo-noop', { a: 'x\u0000' }), /NUL/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => registry.parseArgs('demo-noop', cyclic), /cycle/);
    assert.equal(argsProblem({ a: [1, { b: 'ok' }] }), null);
  });
});

describe('search', () => {
  test('JSON punctuation matches nothing; values at any depth, names and errors match', async () => {
    const nested = await enqueue('demo-noop', { game: { urls: ['https://example.org/zork-unique.zip'] }, n: 4242 });
    const failed = await enqueue('demo-fail', { message: 'disk quota exceeded somewhere' });
    await waitFor('the failure', async () => (await jobState(failed)) === 'failed');
    const search = async (q: string) => {
      const r = await ifqueue(['jobs', '--search', q, '--json', '--limit', '1000']);
      assert.equal(r.exitCode, 0, String(r.stderr));
      return (JSON.parse(String(r.stdout)) as { id: string }[]).map((j) => j.id);
    };
    // (the hostile name above holds "[" and ";" of its escape sequences, so those would rightly match it)
    for (const punctuation of ['"', '":', '{', '}', '":{', '"]']) assert.deepEqual(await search(punctuation), [], punctuation);
    assert.deepEqual(await search('zork-unique'), [nested]);
    assert.deepEqual(await search('4242'), [nested]);
    assert.ok((await search('quota exceeded')).includes(failed));
    assert.ok((await search('FAKE')).length >= 1, 'names still match');
  });
});

describe('the database URL', () => {
  test('a password given with --database-url draws a warning; the command still works', async () => {
    const url = new URL(db.url);
    url.password = 'not-really-secret';
    const r = await ifqueue(['--database-url', url.toString(), 'jobs', '--limit', '1']);
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.match(String(r.stderr), /warning: the password in --database-url is visible to every local user/);
    assert.doesNotMatch(String(r.stderr), /not-really-secret/);
  });

  test('re-executed on the bundled Node, the child process never has the password on its command line', async () => {
    const oldNode = '/usr/bin/node';
    assert.ok(existsSync(oldNode), 'the machine has a system Node');
    const id = await enqueue('demo-sleep', { seconds: 20 });
    const url = new URL(db.url);
    url.password = 'pw-on-the-command-line';
    const launcher = execa(oldNode, [BIN, '--database-url', url.toString(), 'job', id, '--follow'], { env: env({ DATABASE_URL: '' }), reject: false, stdin: 'ignore' });
    let stdout = '';
    launcher.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    try {
      await waitFor('the follower to print the job', () => stdout.includes(`job       ${id}`), { timeoutMs: 60_000 });
      const descendants = (pid: number): number[] => {
        const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
        return children.flatMap((child) => [child, ...descendants(child)]);
      };
      const procs = descendants(launcher.pid!);
      const major = Number(execaSync(oldNode, ['-p', 'process.versions.node.split(".")[0]']).stdout);
      if (major < 22) assert.ok(procs.length >= 1, 'the launcher re-executed itself');
      for (const pid of procs) {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        assert.doesNotMatch(cmdline, /pw-on-the-command-line/, `process ${pid}: ${cmdline.replaceAll('\0', ' ')}`);
      }
    } finally {
      launcher.kill('SIGINT');
      await launcher.catch(() => {});
    }
  });

  test('libpq key=value DATABASE_URL is accepted; anything else names both forms', async () => {
    const url = new URL(db.url);
    const keyValue = `host=${url.hostname} port=${url.port || 5432} dbname=${url.pathname.slice(1)} user=${decodeURIComponent(url.username)} application_name='ifqueue test'`;
    const ok = await ifqueue(['jobs', '--limit', '1'], { env: { DATABASE_URL: keyValue } });
    assert.equal(ok.exitCode, 0, String(ok.stderr));
    assertOneLineError(await ifqueue(['jobs'], { env: { DATABASE_URL: 'dbname' } }), /neither a URL \(postgres:\/\/user:password@host:5432\/db\) nor libpq key=value pairs/);
    assertOneLineError(await ifqueue(['jobs'], { env: { DATABASE_URL: "host='db password=x" } }), /malformed: unterminated quoted value/);
  });
});
