// Prometheus metrics: the server answers on 127.0.0.1 with jobs by queue and state, event counters,
// live runners and the gauges of added collectors; and `ifqueue --daemon --metrics-port` serves them
// while the daemon runs. (The legacy cutover's collector: test/legacy/metrics.test.ts.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import getPort from 'get-port';
import { Gauge } from 'prom-client';
import { z } from 'zod';
import { startMetricsServer, type MetricsCollector, type MetricsServer } from '../../src/runner/metrics.ts';
import { defineTask } from '../../src/runner/task.ts';
import type { Runner } from '../../src/runner/runner.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RunnerPool, waitFor } from './support.ts';

const BIN = fileURLToPath(new URL('../../bin/ifqueue.js', import.meta.url));
let db: TestDatabase;
let runners: RunnerPool;
let runner: Runner;
let server: MetricsServer | null = null;
const cleanups: (() => Promise<unknown>)[] = [];

const sample = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

const cloneFile = defineTask({
  name: 'clone-file',
  description: 'fails for url 13',
  schema: z.object({ urlId: z.number() }),
  retry: { retries: 0, delaySeconds: 0, backoff: false },
  async handler({ urlId }) {
    if (urlId === 13) throw new Error('HTTP 404');
  },
});
const recodeGame = defineTask({ name: 'recode-game', description: 'idle', schema: z.object({}), async handler() {} });

before(async () => {
  db = await createTestDatabase('runner_metrics');
  runners = new RunnerPool(db);
  runner = await runners.start([cloneFile, recodeGame]);
});

after(async () => {
  await server?.close();
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await runners?.stopAll();
  await db?.drop();
});

test('the metrics server answers on 127.0.0.1 with queue, counter, runner and collector metrics', async () => {
  let scrapes = 0;
  let broken = false;
  const collector: MetricsCollector = (registry) => {
    const gauge = new Gauge({ name: 'ifqueue_test_scrapes', help: 'scrapes seen by the test collector', registers: [registry] });
    return async () => {
      if (broken) throw new Error('collector broke');
      gauge.set(++scrapes);
    };
  };
  server = await startMetricsServer(runner, { port: 0, collectors: [collector], cacheMs: 0 });
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const ok = await runner.enqueue('clone-file', { urlId: 12 });
  const bad = await runner.enqueue('clone-file', { urlId: 13 });
  await waitFor('both jobs to settle', async () => {
    const [a, b] = await Promise.all([runner.getJob(ok), runner.getJob(bad)]);
    return a?.state === 'completed' && b?.state === 'failed';
  });
  const text = await waitFor('the counters to catch up', async () => {
    const t = await (await fetch(server!.url)).text();
    return sample(t, 'ifqueue_job_failures_total{queue="clone-file",final="true"}') === 1 ? t : null;
  });
  const response = await fetch(server.url);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  assert.equal(sample(text, 'ifqueue_up'), 1);
  assert.equal(sample(text, 'ifqueue_jobs{queue="clone-file",state="completed"}'), 1);
  assert.equal(sample(text, 'ifqueue_jobs{queue="clone-file",state="failed"}'), 1);
  assert.equal(sample(text, 'ifqueue_jobs{queue="recode-game",state="waiting"}'), 0);
  assert.equal(sample(text, 'ifqueue_job_completions_total{queue="clone-file"}'), 1);
  assert.equal(sample(text, 'ifqueue_runners{kind="test"}'), 1);
  assert.ok(sample(text, 'ifqueue_test_scrapes')! >= 1, 'the added collector ran at the scrape');
  assert.doesNotMatch(text, /^ifqueue_legacy_/m, 'the runner alone reports no legacy metrics');
  assert.match(text, /^# HELP ifqueue_oldest_waiting_seconds /m);
  assert.match(text, /^process_cpu_user_seconds_total /m);
  assert.equal((await fetch(server.url.replace('/metrics', '/nope'))).status, 404);
  broken = true;
  const failing = await (await fetch(server.url)).text();
  assert.equal(sample(failing, 'ifqueue_up'), 0, 'a failing collector makes the scrape report down');
  assert.match(failing, /^# scrape error: collector broke$/m);

  await server.close();
  await assert.rejects(fetch(server.url));
  server = null;
});

test('scrapes within the cache age are served from one read of the database', async () => {
  const cached = await startMetricsServer(runner, { port: 0, cacheMs: 600_000 });
  const fresh = await startMetricsServer(runner, { port: 0, cacheMs: 0 });
  cleanups.push(() => cached.close(), () => fresh.close());
  const paused = async (url: string) => sample(await (await fetch(url)).text(), 'ifqueue_queue_paused{queue="recode-game"}');
  assert.deepEqual([await paused(cached.url), await paused(fresh.url)], [0, 0]);
  await runner.pauseQueue('recode-game');
  try {
    // the runner learns of the pause through its listener: wait until an uncached read shows it
    await waitFor('the pause to show', async () => (await paused(fresh.url)) === 1);
    assert.equal(await paused(cached.url), 0, 'the cached server has not read the database again');
  } finally {
    await runner.resumeQueue('recode-game');
  }
});

test('ifqueue --daemon --metrics-port serves metrics while the daemon runs', { timeout: 60_000 }, async () => {
  const plain = await createTestDatabase('metrics_daemon');
  cleanups.push(() => plain.drop());
  const port = await getPort({ host: '127.0.0.1' });
  const daemon = spawn(process.execPath, [BIN, '--daemon', '--metrics-port', String(port)], {
    env: { ...process.env, DATABASE_URL: plain.url },
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
      const t = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return sample(t, 'ifqueue_runners{kind="daemon"}') === 1 ? t : null;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  assert.equal(sample(text, 'ifqueue_up'), 1);
  assert.match(text, /ifqueue_jobs\{queue="clone-file",state="waiting"\} 0/);
  assert.doesNotMatch(text, /^ifqueue_legacy_rows\{/m, 'no legacy table, no legacy metrics');
  daemon.kill('SIGTERM');
  assert.equal(await exited, 0, output.join(''));
});
