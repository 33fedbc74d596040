// The bundled build (esbuild, dist/) as an installed package runs it: a failed job's error stack names the
// src/… files and lines (source maps), not the bundle's chunks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitForState } from '../runner/support.ts';
import { buildDemoTasks } from '../../src/tasks/registry.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const node = path.join(root, 'node_modules/.bin/node');

let db: TestDatabase;
let runners: RunnerPool;
let pkg: string;
let daemon: ChildProcess | null = null;

before(async () => {
  db = await createTestDatabase('bundle_stack');
  runners = new RunnerPool(db);
  // A package laid out as installed: bin/ and dist/ (built now), no src/, so bin runs the bundle.
  pkg = await mkdtemp(path.join(tmpdir(), 'ifqueue-bundle-'));
  await mkdir(path.join(pkg, 'bin'));
  await copyFile(path.join(root, 'bin/ifqueue.js'), path.join(pkg, 'bin/ifqueue.js'));
  await copyFile(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  await symlink(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
  await run(node, [path.join(root, 'scripts/build.mjs'), '--outdir', path.join(pkg, 'dist')], { cwd: root, timeout: 120_000 });
});

after(async () => {
  if (daemon && daemon.exitCode === null) {
    const exited = new Promise((r) => daemon!.once('exit', r));
    daemon.kill('SIGKILL');
    await exited;
  }
  await runners?.stopAll();
  await db?.drop();
  if (pkg) await rm(pkg, { recursive: true, force: true });
});

test('a job failed by the bundled daemon keeps a stack whose frames name src/ files', async () => {
  let output = '';
  daemon = spawn(node, [path.join(pkg, 'bin/ifqueue.js'), '--daemon', '--queues', 'demo-fail'], {
    env: { ...process.env, DATABASE_URL: db.url, IFQUEUE_FROM_SOURCE: '', IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS: '5', IFQUEUE_DEMO_TASKS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  daemon.stdout!.on('data', (d) => (output += d));
  daemon.stderr!.on('data', (d) => (output += d));

  const producer = await runners.start(buildDemoTasks(), { work: false });
  const id = await producer.enqueue('demo-fail', { message: 'bundled failure' });
  await waitForState(db, id, 'failed', { timeoutMs: 60_000 });
  const { rows } = await db.query<{ error_stack: string | null }>('SELECT error_stack FROM ifqueue.job_attempt WHERE job_id = $1', [id]);
  const stack = rows[0]?.error_stack ?? '';
  assert.match(stack, /^Error: bundled failure/);
  assert.match(stack, /src\/tasks\/demo\/index\.ts:\d+:\d+/, `the task's frame is mapped to its source:\n${stack}`);
  assert.doesNotMatch(stack, /dist\/(tasks|runner|chunk)-[A-Z0-9]+\.js/, `no frame names a bundle chunk:\n${stack}`);

  daemon.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => daemon!.once('exit', (c) => r(c)));
  assert.equal(code, 0, output);
});
