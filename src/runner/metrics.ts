// Prometheus metrics (prom-client) on a small HTTP server, 127.0.0.1 by default: jobs by queue and
// state, oldest waiting age, completion/failure counters, live runners, plus whatever collectors
// other parts add (the CLI adds the legacy cutover's). Gauges are read from the database at scrape
// time; counters count the cross-process job events this process hears from the moment it starts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Runner } from './runner.ts';
import { errorMessage } from './errors.ts';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Metrics contributed from outside the runner: called once with the registry to create them, it
 * returns the refresh that runs at every scrape (a refresh that throws makes `ifqueue_up` 0).
 */
export type MetricsCollector = (registry: Registry) => () => Promise<void>;

export interface MetricsOptions {
  port?: number;
  host?: string;
  collectors?: MetricsCollector[];
  /**
   * Gauges are read from the database at most this often (default 5 s); scrapes in between are served
   * from the last read, so frequent or hostile scrapes cannot load the database.
   */
  cacheMs?: number;
}

const QUEUE_STATES = ['waiting', 'scheduled', 'active', 'retry', 'failed', 'cancelled', 'completed'] as const;

function buildMetrics(registry: Registry) {
  const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  return {
    up: g('ifqueue_up', '1 when the last scrape could read the queue from PostgreSQL'),
    jobs: g('ifqueue_jobs', 'Jobs by queue (task) and state', ['queue', 'state']),
    paused: g('ifqueue_queue_paused', '1 when the queue is paused', ['queue']),
    oldest: g('ifqueue_oldest_waiting_seconds', 'Age of the oldest job waiting to start (0 when none)', ['queue']),
    doneHour: g('ifqueue_jobs_completed_last_hour', 'Jobs completed in the last hour', ['queue']),
    failedHour: g('ifqueue_jobs_failed_last_hour', 'Jobs failed in the last hour', ['queue']),
    runners: g('ifqueue_runners', 'Live runners by kind', ['kind']),
    completed: new Counter({ name: 'ifqueue_job_completions_total', help: 'Job attempts completed (seen by this process)', labelNames: ['queue'], registers: [registry] }),
    failed: new Counter({
      name: 'ifqueue_job_failures_total',
      help: 'Job attempts failed (seen by this process); final="true" when no retry follows',
      labelNames: ['queue', 'final'],
      registers: [registry],
    }),
  };
}

type Metrics = ReturnType<typeof buildMetrics>;

async function refresh(api: Runner, m: Metrics, extra: (() => Promise<void>)[]): Promise<void> {
  for (const gauge of [m.jobs, m.paused, m.oldest, m.doneHour, m.failedHour, m.runners]) gauge.reset();
  try {
    const s = await api.snapshot();
    for (const q of s.queues) {
      for (const state of QUEUE_STATES) m.jobs.set({ queue: q.task, state }, q[state]);
      m.paused.set({ queue: q.task }, q.paused ? 1 : 0);
      m.oldest.set({ queue: q.task }, q.oldestWaitingSeconds ?? 0);
      m.doneHour.set({ queue: q.task }, q.completedLastHour);
      m.failedHour.set({ queue: q.task }, q.failedLastHour);
    }
    const kinds = new Map<string, number>();
    for (const r of s.runners) if (r.alive) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
    for (const [kind, n] of kinds) m.runners.set({ kind }, n);
    for (const collect of extra) await collect();
    m.up.set(1);
  } catch (error) {
    m.up.set(0);
    throw error;
  }
}

export async function startMetricsServer(api: Runner, options: MetricsOptions = {}): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = buildMetrics(registry);
  const extra = (options.collectors ?? []).map((c) => c(registry));
  await api.start();
  const offs = [
    api.on('job:completed', (e) => m.completed.inc({ queue: e.task })),
    api.on('job:failed', (e) => m.failed.inc({ queue: e.task, final: String(!e.willRetry) })),
  ];
  const cacheMs = options.cacheMs ?? 5000;
  let scraping: Promise<void> | null = null;
  let readAt = -Infinity;
  let problem: string | null = null;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' }).end(path === '/' ? 'ifqueue metrics: /metrics\n' : 'not found\n');
      return;
    }
    // Concurrent scrapes share one round of queries.
    // Concurrent scrapes share one round of queries, and scrapes within cacheMs of it reuse it.
    if (performance.now() - readAt >= cacheMs) {
      scraping ??= refresh(api, m, extra)
        .then(
          () => void (problem = null),
          (error) => void (problem = errorMessage(error).split('\n')[0]),
        )
        .finally(() => {
          readAt = performance.now();
          scraping = null;
        });
    }
    if (scraping) await scraping;
    const body = (problem ? `# scrape error: ${problem}\n` : '') + (await registry.metrics());
    res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${errorMessage(error).split('\n')[0]}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        offs.forEach((off) => off());
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
