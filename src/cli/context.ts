// Wiring shared by CLI commands: which database, which tasks, one runner (or light client) per
// process. Everything heavy is imported when a command needs it, so a one-shot command loads
// neither pg-boss nor the tasks nor the dashboard.
import type { Runner, RunnerOptions } from '../runner/runner.ts';
import type { QueueClient } from '../runner/client.ts';
import type { EmbeddedDatabase } from '../runner/embedded-db.ts';
import { maskDsn, scrubSecrets, toConnectionUrl } from '../runner/dsn.ts';
import { UserError, errorMessage } from '../runner/errors.ts';
import type { RunnerInfo } from '../runner/types.ts';

export interface DatabaseChoice {
  url: string;
  embedded: EmbeddedDatabase | null;
}

export interface GlobalOptions {
  databaseUrl?: string;
}

/** DATABASE_URL (or --database-url) when given; otherwise the embedded PostgreSQL. */
export async function resolveDatabase(options: GlobalOptions, log: (line: string) => void): Promise<DatabaseChoice> {
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  if (url) {
    try {
      return { url: toConnectionUrl(url), embedded: null };
    } catch (error) {
      throw new UserError((error as Error).message);
    }
  }
  const { startEmbeddedDatabase } = await import('../runner/embedded-db.ts');
  const embedded = await startEmbeddedDatabase();
  if (embedded.owner) {
    log(`ifqueue: no DATABASE_URL set: using the embedded PostgreSQL in ${embedded.dataDir}${embedded.fresh ? ' (created now)' : ''}`);
    log(`ifqueue: to use IFDB's database instead, set DATABASE_URL=postgres://user:password@host:5432/ifdb`);
  }
  return { url: embedded.url, embedded };
}

/** IFQUEUE_RETENTION_DAYS, default 14: how long finished jobs are kept, and the cleanup's default age. */
export function retentionDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.IFQUEUE_RETENTION_DAYS) || 14;
}

export interface OpenOptions {
  kind: RunnerInfo['kind'];
  work: boolean;
  register?: boolean;
  onError?: RunnerOptions['onError'];
  queues?: string[];
}

export interface Opened {
  runner: Runner;
  db: DatabaseChoice;
  close(options?: Parameters<Runner['stop']>[0]): Promise<void>;
}

export async function openRunner(global: GlobalOptions, options: OpenOptions, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<Opened> {
  const db = await resolveDatabase(global, log);
  // Loaded here, not at the top: `ifqueue --help` should not pay for every task's dependencies.
  const [{ default: pg }, { guardPoolClients }, { Runner }, { buildAllTasks, defaultSchedulesFor }, { legacyCronHold, holdDefaultSchedules, holdNotices }] = await Promise.all([
    import('pg'),
    import('../runner/db.ts'),
    import('../runner/runner.ts'),
    import('../tasks/index.ts'),
    import('../legacy/deploy-hold.ts'),
  ]);
  const tasksPool = guardPoolClients(new pg.Pool({ connectionString: db.url, max: 4, application_name: 'ifqueue tasks' }));
  let runner: Runner;
  try {
    // a working runner's first statements come before runner.start(): a failure in them must name the
    // database as start() does, not only "connect ECONNREFUSED …"
    const named = <T>(p: Promise<T>) =>
      p.catch((error) => {
        throw new UserError(`cannot start on ${maskDsn(db.url)}: ${scrubSecrets(errorMessage(error), db.url)}`, { cause: error });
      });
    // Beside a live old worker, the defaults it also runs (its cron rows) start paused: see src/legacy/deploy-hold.ts.
    const { hold, problem } = options.work ? await named(legacyCronHold(tasksPool)) : { hold: new Map(), problem: null };
    if (problem) log(`ifqueue: ${problem}`);
    runner = new Runner({
      databaseUrl: db.url,
      tasks: buildAllTasks({ pool: tasksPool }),
      kind: options.kind,
      work: options.work,
      register: options.register,
      queues: options.queues,
      defaultSchedules: options.work ? holdDefaultSchedules(await named(defaultSchedulesFor(tasksPool)), hold) : undefined,
      heartbeatSeconds: Number(process.env.IFQUEUE_HEARTBEAT_SECONDS) || 30,
      shutdownTimeoutMs: (Number(process.env.IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS) || 60) * 1000,
      retentionDays: retentionDaysFromEnv(),
      onError: options.onError,
    });
    await runner.start();
    if (hold.size) for (const line of holdNotices(hold, await runner.listSchedules())) log(line);
  } catch (error) {
    await tasksPool.end().catch(() => {});
    await db.embedded?.stop();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    runner,
    db,
    close(stopOptions) {
      closing ??= (async () => {
        await runner.stop(stopOptions);
        await tasksPool.end().catch(() => {});
        await db.embedded?.stop();
      })();
      return closing;
    },
  };
}

export { maskDsn };

/** Opens a non-working CLI runner for one command and always closes it. */
export async function withRunner<T>(global: GlobalOptions, fn: (runner: Runner) => Promise<T>): Promise<T> {
  const { runner, close } = await openRunner(global, { kind: 'cli', work: false });
  try {
    return await fn(runner);
  } finally {
    await close();
  }
}

const heartbeatSeconds = () => Number(process.env.IFQUEUE_HEARTBEAT_SECONDS) || 30;

/**
 * Runs one command on the light client (no pg-boss start, no workers, no tasks). A database no
 * runner of this version has prepared yet is prepared first by starting (and stopping) a runner once.
 */
export async function withClient<T>(global: GlobalOptions, fn: (client: QueueClient) => Promise<T>): Promise<T> {
  const db = await resolveDatabase(global, (l) => process.stderr.write(l + '\n'));
  const { QueueClient, SchemaNotReadyError } = await import('../runner/client.ts');
  const client = new QueueClient({
    databaseUrl: db.url,
    lostAfterSeconds: 3 * heartbeatSeconds(),
    retentionDays: Number(process.env.IFQUEUE_RETENTION_DAYS) || 14,
  });
  try {
    try {
      await client.check();
    } catch (error) {
      if (!(error instanceof SchemaNotReadyError)) throw error;
      await (await openRunner({ databaseUrl: db.url }, { kind: 'cli', work: false })).close();
    }
    return await fn(client);
  } finally {
    await client.close();
    await db.embedded?.stop();
  }
}
