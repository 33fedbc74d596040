// Bare `ifqueue`: the dashboard (embedded runner by default), `--daemon` headless, or a plain
// summary when stdout is not a terminal.
import { seedDemoJobs } from '../../tasks/demo/seed.ts';
import { openRunner, retentionDaysFromEnv, type Opened } from '../context.ts';
import { statusText } from './status.ts';
import { runDaemon } from './daemon.ts';
import { createLegacyControl, hasLegacyQueue } from '../../legacy/control.ts';

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
}

export async function runDefault(o: DefaultOptions): Promise<number> {
  const queues = o.queues ? o.queues.split(',').map((q) => q.trim()).filter(Boolean) : undefined;
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
  // Read-only means hands off the queue: such a dashboard never runs jobs either (--readonly implies --no-runner).
  const work = o.runner !== false && !o.readonly;
  const opened = await openRunner(o, { kind: 'dashboard', work, register: true, queues, onError: () => {} });
  await maybeSeed(opened, o.demo, (l) => process.stderr.write(l + '\n'));
  const ui = await import('../../ui/index.tsx');
  const metrics = o.metricsPort ? await startMetricsIfAvailable(opened, o) : null;
  try {
    return await ui.runDashboard({
      api: opened.runner,
      readonly: !!o.readonly,
      watching: !work,
      runnerLabel: work ? 'embedded runner' : 'watching',
      stopRunner: (onProgress) => opened.close({ onProgress }),
      retentionDays: retentionDaysFromEnv(),
      // Loaded on use: the table lists come from the task modules, which one-shot commands should not pay for.
      ifdbTables: async () => (await import('../../tasks/ifdb-tables.ts')).missingIfdbTables(opened.runner.db),
      legacy: (await hasLegacyQueue(opened.runner)) ? createLegacyControl(opened.runner) : null,
    });
  } finally {
    await metrics?.close();
    await opened.close();
  }
}

export async function startMetricsIfAvailable(opened: Opened, o: DefaultOptions): Promise<{ close(): Promise<void> } | null> {
  const [{ startMetricsServer }, { legacyMetrics }] = await Promise.all([import('../../runner/metrics.ts'), import('../../legacy/metrics.ts')]);
  const server = await startMetricsServer(opened.runner, {
    port: o.metricsPort!,
    host: o.metricsHost ?? '127.0.0.1',
    collectors: [legacyMetrics(opened.runner.db)],
  });
  process.stderr.write(`ifqueue: metrics on ${server.url}\n`);
  return server;
}
