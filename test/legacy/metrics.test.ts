// The cutover's gauges: the legacy collector reports rows by state, the bridge lag and the switch
// where IFDB's legacy table exists, and the daemon registers it (`--metrics-port`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import getPort from 'get-port';
import { legacyMetrics } from '../../src/legacy/metrics.ts';
import { ensureLegacyStore, setBridgeSwitch } from '../../src/legacy/store.ts';
import { startMetricsServer, type MetricsServer } from '../../src/runner/metrics.ts';
import type { Runner } from '../../src/runner/runner.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { CloneFile, enqueue } from '../fixtures/legacy/enqueue.ts';
import { legacyDatabase, standInTasks, startRunner, waitFor } from './support.ts';

const BIN = fileURLToPath(new URL('../../bin/ifqueue.js', import.meta.url));
let db: TestDatabase;
let runner: Runner;
let server: MetricsServer | null = null;
const cleanups: (() => Promise<unknown>)[] = [];

const sample = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

before(async () => {
  db = await legacyDatabase('legacy_metrics');
  runner = await startRunner(db, standInTasks(db));
  await ensureLegacyStore(runner.db);
  await setBridgeSwitch(runner.db, false, 'test');
});

after(async () => {
  await server?.close();
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await runner?.stop({ timeoutMs: 1000 });
  await db?.drop();
});

test('the legacy collector reports rows by state, the bridge lag and the switch', async () => {
  server = await startMetricsServer(runner, { port: 0, collectors: [legacyMetrics(runner.db)], cacheMs: 0 });
  await enqueue(db, null, CloneFile, [1]);
  await enqueue(db, null, CloneFile, [2]);
  await db.query(`UPDATE core_taskqueueelement SET enqueue_time = now() - interval '90 seconds'`);
  const text = await (await fetch(server.url)).text();
  assert.equal(sample(text, 'ifqueue_up'), 1);
  assert.equal(sample(text, 'ifqueue_legacy_rows{state="pending"}'), 2);
  assert.equal(sample(text, 'ifqueue_legacy_rows{state="due"}'), 2);
  assert.equal(sample(text, 'ifqueue_legacy_rows{state="succeeded"}'), 0);
  assert.ok(sample(text, 'ifqueue_legacy_bridge_lag_seconds')! >= 90);
  assert.equal(sample(text, 'ifqueue_legacy_bridge_enabled'), 0);
  assert.equal(sample(text, 'ifqueue_legacy_bridges'), 0);
  await setBridgeSwitch(runner.db, true, 'test');
  assert.equal(sample(await (await fetch(server.url)).text(), 'ifqueue_legacy_bridge_enabled'), 1);
  await setBridgeSwitch(runner.db, false, 'test');
  await server.close();
  server = null;
});

test('ifqueue --daemon --metrics-port registers the legacy gauges where the legacy table exists', { timeout: 60_000 }, async () => {
  const port = await getPort({ host: '127.0.0.1' });
  const daemon = spawn(process.execPath, [BIN, '--daemon', '--metrics-port', String(port)], {
    env: { ...process.env, DATABASE_URL: db.url, IFQUEUE_LEGACY_UNIT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  daemon.stdout.on('data', (c) => output.push(String(c)));
  daemon.stderr.on('data', (c) => output.push(String(c)));
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  });
  const text = await waitFor(
    'the daemon to serve metrics',
    async () => {
      if (daemon.exitCode !== null) throw new Error(`daemon exited: ${output.join('')}`);
      const t = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text().catch(() => '');
      return sample(t, 'ifqueue_runners{kind="daemon"}') === 1 ? t : null;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  assert.equal(sample(text, 'ifqueue_legacy_rows{state="pending"}'), 2);
  assert.equal(sample(text, 'ifqueue_legacy_bridge_enabled'), 0);
  daemon.kill('SIGTERM');
  assert.equal(await exited, 0, output.join(''));
});
