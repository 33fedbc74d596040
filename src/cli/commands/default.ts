// Bare `ifqueue`: the dashboard (embedded runner by default), `--daemon` headless, or a plain
// summary when stdout is not a terminal.
import { seedDemoJobs } from '../../tasks/demo/seed.ts';
import { openRunner, type Opened } from '../context.ts';
import { statusText } from './status.ts';
import { runDaemon } from './daemon.ts';
import { runDashboardCommand } from './dashboard.ts';

export interface DefaultOptions {
  databaseUrl?: string;
  daemon?: boolean;
  runner?: boolean;
  readonly?: boolean;
  demo?: boolean;
  metricsPort?: number;
  metricsHost?: string;
  queues?: string;
  bridge?: boolean;
}

export async function maybeSeed(opened: Opened, demo: boolean | undefined, log: (l: string) => void): Promise<void> {
  const firstStart = opened.db.embedded?.fresh ?? false;
  if (!demo && !firstStart) return;
  const report = await seedDemoJobs(opened.runner);
  if (report.seeded) log(`ifqueue: seeded ${report.jobs} demo jobs`);
  else if (demo) log(`ifqueue: no demo jobs seeded: ${report.reason}`);
  // A stand-in for IFDB's legacy queue, so the demo shows the Legacy screen too (never into IFDB's database).
  const { seedDemoLegacyQueue } = await import('../../legacy/demo.ts');
  if (report.seeded && (await seedDemoLegacyQueue(opened.runner.db))) log('ifqueue: created a demo legacy queue (core_taskqueueelement)');
}

export async function runDefault(o: DefaultOptions): Promise<number> {
  // checked against the registered tasks by openRunner, before the database is touched
  const queues = o.queues !== undefined ? o.queues.split(',').map((q) => q.trim()).filter(Boolean) : undefined;
  if (o.daemon) return runDaemon(o, queues);
  if (!process.stdout.isTTY) {
    const opened = await openRunner(o, { kind: 'cli', work: false });
    try {
      await maybeSeed(opened, o.demo, (l) => process.stderr.write(l + '\n'));
      process.stdout.write(statusText(await opened.runner.snapshot()) + '\n');
    } finally {
      await opened.close();
    }
    return 0;
  }
  return runDashboardCommand(o, queues);
}

export async function startMetricsIfAvailable(opened: Opened, o: DefaultOptions, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<{ close(): Promise<void> } | null> {
  const [{ startMetricsServer }, { legacyMetrics }] = await Promise.all([import('../../runner/metrics.ts'), import('../../legacy/metrics.ts')]);
  const server = await startMetricsServer(opened.runner, {
    port: o.metricsPort!,
    host: o.metricsHost ?? '127.0.0.1',
    collectors: [legacyMetrics(opened.runner.db)],
  });
  log(`ifqueue: metrics on ${server.url}`);
  return server;
}
