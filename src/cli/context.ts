// Wiring shared by CLI commands: which database, which tasks, one runner (or light client) per
// process. Everything heavy is imported when a command needs it, so a one-shot command loads
// neither pg-boss nor the tasks nor the dashboard.
import type { Runner, RunnerOptions } from '../runner/runner.ts';
import { DEFAULT_TIMING } from '../runner/timing.ts';
import type { QueueClient } from '../runner/client.ts';
import type { EmbeddedDatabase, EmbeddedStopResult } from '../runner/embedded-db.ts';
import { maskDsn, scrubSecrets, toConnectionUrl } from '../runner/dsn.ts';
import { UserError, errorMessage } from '../runner/errors.ts';
import type { RunnerInfo } from '../runner/types.ts';
import { checkQueueNames, envFlag, envNumber, type Env } from '../runner/settings.ts';

export interface DatabaseChoice {
  url: string;
  embedded: EmbeddedDatabase | null;
}

export interface GlobalOptions {
  databaseUrl?: string;
  /** --demo: seed demo jobs (and so know the demo tasks) */
  demo?: boolean;
}

/** The runner's settings from the environment, checked before anything starts. */
export interface RunnerSettings {
  heartbeatSeconds: number;
  shutdownTimeoutMs: number;
  retentionDays: number;
  /** IFQUEUE_DEMO_TASKS: register the demo tasks on a DATABASE_URL database too */
  demoTasks: boolean;
}

export function runnerSettings(env: Env = process.env): RunnerSettings {
  return {
    heartbeatSeconds: envNumber(env, 'IFQUEUE_HEARTBEAT_SECONDS', DEFAULT_TIMING.heartbeatSeconds, { min: 1, max: 3600 }),
    shutdownTimeoutMs: envNumber(env, 'IFQUEUE_SHUTDOWN_TIMEOUT_SECONDS', 60, { min: 0, max: 86_400 }) * 1000,
    retentionDays: retentionDaysFromEnv(env),
    demoTasks: envFlag(env, 'IFQUEUE_DEMO_TASKS', false),
  };
}

/** DATABASE_URL (or --database-url) when given; otherwise the embedded PostgreSQL. */
export async function resolveDatabase(options: GlobalOptions, log: (line: string) => void, embeddedLog: (line: string) => void = log): Promise<DatabaseChoice> {
  const url = options.databaseUrl ?? process.env.DATABASE_URL;
  if (url) {
    try {
      return { url: toConnectionUrl(url), embedded: null };
    } catch (error) {
      throw new UserError((error as Error).message);
    }
  }
  const { startEmbeddedDatabase } = await import('../runner/embedded-db.ts');
  const embedded = await startEmbeddedDatabase({ log: embeddedLog });
  if (embedded.started) {
    log(`ifqueue: no DATABASE_URL set: using the embedded PostgreSQL in ${embedded.dataDir}${embedded.fresh ? ' (created now)' : ''}`);
    log(`ifqueue: to use IFDB's database instead, set DATABASE_URL=postgres://user:password@host:5432/ifdb`);
  }
  return { url: embedded.url, embedded };
}

/** IFQUEUE_RETENTION_DAYS, default 14: how long finished jobs are kept, and the cleanup's default age. */
export function retentionDaysFromEnv(env: Env = process.env): number {
  return envNumber(env, 'IFQUEUE_RETENTION_DAYS', 14, { min: 1, max: 36_500 });
}

export interface OpenOptions {
  kind: RunnerInfo['kind'];
  work: boolean;
  register?: boolean;
  onError?: RunnerOptions['onError'];
  queues?: string[];
  /** where the embedded database reports that it went away and came back (default: `log`) */
  embeddedLog?: (line: string) => void;
}

export interface Opened {
  runner: Runner;
  db: DatabaseChoice;
  /** runner first, then the database (the embedded one is stopped only when no other process uses it) */
  close(options?: Parameters<Runner['stop']>[0]): Promise<void>;
  /** set by close(): what leaving the embedded database did */
  embeddedStop?: EmbeddedStopResult;
}

export async function openRunner(global: GlobalOptions, options: OpenOptions, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<Opened> {
  const settings = runnerSettings();
  // Loaded here, not at the top: `ifqueue --help` should not pay for every task's dependencies.
  const [{ default: pg }, { guardPoolClients }, { Runner }, { buildAllTasks, defaultSchedulesFor, loadTasksConfig }, { legacyCronHold, holdDefaultSchedules, holdNotices }] = await Promise.all([
    import('pg'),
    import('../runner/db.ts'),
    import('../runner/runner.ts'),
    import('../tasks/index.ts'),
    import('../legacy/deploy-hold.ts'),
  ]);
  // Every setting and --queues are checked before the database is touched (the embedded one takes seconds to start).
  // The demo tasks exist on the embedded (demo) database, with --demo, or when asked for: never on a production daemon by default.
  const embedded = !(global.databaseUrl ?? process.env.DATABASE_URL);
  const demo = embedded || !!global.demo || settings.demoTasks;
  const config = loadTasksConfig(process.env);
  if (options.queues) checkQueueNames('--queues', options.queues, buildAllTasks({ pool: null as never, config, demo }).map((t) => t.name));
  const db = await resolveDatabase(global, log, options.embeddedLog);
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
      tasks: buildAllTasks({ pool: tasksPool, config, demo }),
      kind: options.kind,
      work: options.work,
      register: options.register,
      queues: options.queues,
      defaultSchedules: options.work ? holdDefaultSchedules(await named(defaultSchedulesFor(tasksPool)), hold) : undefined,
      heartbeatSeconds: settings.heartbeatSeconds,
      shutdownTimeoutMs: settings.shutdownTimeoutMs,
      retentionDays: settings.retentionDays,
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
  const opened: Opened = {
    runner,
    db,
    close(stopOptions) {
      closing ??= (async () => {
        await runner.stop(stopOptions);
        await tasksPool.end().catch(() => {});
        if (db.embedded) opened.embeddedStop = await db.embedded.stop();
      })();
      return closing;
    },
  };
  return opened;
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


/**
 * Runs one command on the light client (no pg-boss start, no workers, no tasks). A database no
 * runner of this version has prepared yet is prepared first by starting (and stopping) a runner once.
 */
export async function withClient<T>(global: GlobalOptions, fn: (client: QueueClient) => Promise<T>, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<T> {
  const settings = runnerSettings();
  const db = await resolveDatabase(global, log);
  const { QueueClient, SchemaNotReadyError } = await import('../runner/client.ts');
  const client = new QueueClient({
    databaseUrl: db.url,
    lostAfterSeconds: 3 * settings.heartbeatSeconds,
    retentionDays: settings.retentionDays,
  });
  try {
    try {
      await client.check();
    } catch (error) {
      if (!(error instanceof SchemaNotReadyError)) throw error;
      await (await openRunner({ databaseUrl: db.url, demo: !!global.demo || db.embedded !== null }, { kind: 'cli', work: false }, log)).close();
    }
    return await fn(client);
  } finally {
    await client.close();
    await db.embedded?.stop();
  }
}
