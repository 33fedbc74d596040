// The queue's read side and its actions on jobs, without pg-boss's start, workers or tasks: what a
// one-shot command needs (`ifqueue status`, `jobs`, `job`, `retry`, `cancel`, `delete`), in a pool
// of its own, and what the Runner uses on its pool, so both answer the same way. Reads go through
// Queries, actions through the SQL module; events reach every listening process through NOTIFY.
import type pg from 'pg';
import { createPool } from './db.ts';
import { maskDsn, scrubSecrets } from './dsn.ts';
import { UserError, errorMessage } from './errors.ts';
import { EventHub, publishEvents } from './events.ts';
import { followLog } from './log-follow.ts';
import { Queries } from './queries.ts';
import { ScheduleStore } from './schedule-store.ts';
import { raisedByEnqueue } from './sql-api.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { assertSchemaName, sqlFor, type Sql } from './sql.ts';
import type {
  CappedCount,
  CleanupOptions,
  CleanupReport,
  EnqueueOptions,
  EnqueueOrGetResult,
  EventListener,
  EventName,
  JobDetail,
  JobFilter,
  JobPage,
  JobState,
  LogLine,
  Snapshot,
  Totals,
} from './types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isJobId = (id: string): boolean => UUID.test(id);

/** The database was never prepared by a runner of this version (schema missing or older). */
export class SchemaNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaNotReadyError';
  }
}

export interface ClientOptions {
  /** the client opens (and closes) a pool of its own */
  databaseUrl: string;
  /** or uses a caller's pool (the Runner's), which it never closes */
  pool?: pg.Pool;
  bossSchema?: string;
  /** who sends the events (the Runner's id) */
  origin?: string;
  /** a runner silent this long is shown as gone */
  lostAfterSeconds?: number;
  /** retention for cleanup() without olderThanSeconds */
  retentionDays?: number;
  /** the Runner's listener, for followLog and on(); otherwise one is opened on first use */
  hub?: EventHub;
  applicationName?: string;
}

/** Why an action changed nothing, in the words the CLI prints. */
export type JobRefusal = 'unknown' | 'running' | 'finished' | 'not failed';

export class QueueClient {
  readonly database: string;
  readonly bossSchema: string;
  readonly queries: Queries;
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly sql: Sql;
  private readonly origin: string;
  private readonly schedules: ScheduleStore;
  private hub: EventHub | null;
  private hubStart: Promise<EventHub> | null = null;

  constructor(private readonly options: ClientOptions) {
    this.bossSchema = assertSchemaName(options.bossSchema ?? 'pgboss');
    this.database = maskDsn(options.databaseUrl);
    this.ownsPool = !options.pool;
    this.pool = options.pool ?? createPool(options.databaseUrl, options.applicationName ?? 'ifqueue cli', 2);
    this.sql = sqlFor(this.bossSchema);
    this.origin = options.origin ?? `cli-${process.pid}`;
    this.queries = new Queries(this.pool, this.bossSchema);
    this.schedules = new ScheduleStore(this.pool, null, this.origin, this.bossSchema);
    this.hub = options.hub ?? null;
  }

  /**
   * Checks that a runner of this version prepared the database (pg-boss's tables and ifqueue's
   * migrations); throws SchemaNotReadyError otherwise, and a UserError naming the database when it
   * cannot be reached.
   */
  async check(): Promise<void> {
    let rows: { boss: boolean; version: number | null }[];
    try {
      ({ rows } = await this.pool.query(
        `SELECT to_regclass($1) IS NOT NULL AS boss,
                (SELECT max(version) FROM ifqueue.migration WHERE to_regclass('ifqueue.migration') IS NOT NULL) AS version`,
        [`${this.bossSchema}.queue`],
      ));
    } catch (error) {
      // ifqueue.migration (or its schema) missing makes the subquery fail to plan
      if (['42P01', '3F000'].includes((error as { code?: string }).code ?? '')) throw new SchemaNotReadyError('ifqueue schema missing');
      throw new UserError(`cannot connect to ${this.database}: ${scrubSecrets(errorMessage(error), this.options.databaseUrl)}`, { cause: error });
    }
    if (!rows[0].boss || (rows[0].version ?? 0) < SCHEMA_VERSION) throw new SchemaNotReadyError(`schema version ${rows[0].version ?? 0} < ${SCHEMA_VERSION}`);
  }

  async close(): Promise<void> {
    if (!this.options.hub) await this.hub?.stop();
    if (this.ownsPool) await this.pool.end().catch(() => {});
  }

  // ---------------------------------------------------------------- tasks

  /**
   * One job through ifqueue.enqueue_job, the implementation the runner and the SQL API share, as an
   * untrusted caller: the task, its arguments (the JSON Schema runners registered from their zod
   * schemas) and the defaults come from ifqueue.task, so no task code is loaded here.
   */
  async enqueue(task: string, args: unknown, options: EnqueueOptions & { orGet?: boolean } = {}): Promise<EnqueueOrGetResult> {
    const after = options.startAfter;
    const sqlOptions = {
      origin: this.origin,
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
      ...(after instanceof Date ? { startAfter: after.toISOString() } : typeof after === 'number' ? { delaySeconds: after } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.retryDelaySeconds !== undefined ? { retryDelaySeconds: options.retryDelaySeconds } : {}),
      ...(options.onFail !== undefined ? { onFail: options.onFail } : {}),
      ...(options.dependsOn ? { dependsOn: String(options.dependsOn) } : {}),
      ...(options.orGet ? { orGet: true } : {}),
    };
    try {
      const { rows } = await this.pool.query(this.sql.enqueue(task, args ?? {}, sqlOptions, false));
      return { id: rows[0].id, created: rows[0].created };
    } catch (error) {
      throw raisedByEnqueue(error) ? new UserError(errorMessage(error), { cause: error }) : error;
    }
  }

  /** The queues runners created, in creation order (the registry's order at the first start). */
  async taskNames(): Promise<string[]> {
    const { rows } = await this.pool.query(`SELECT name FROM ${this.bossSchema}.queue ORDER BY created_on, name`);
    return rows.map((r) => r.name);
  }

  /** Throws the registry's error for a task no runner registered (ifqueue.task). */
  async assertTask(task: string): Promise<void> {
    const { rows } = await this.pool.query(`SELECT name FROM ifqueue.task ORDER BY name`);
    const names = rows.map((r) => r.name as string);
    if (!names.includes(task)) throw new UserError(`unknown task ${JSON.stringify(task)}; known tasks: ${names.join(', ')}`);
  }

  // ---------------------------------------------------------------- reads

  async snapshot(options: { tasks?: string[]; paused?: ReadonlySet<string> } = {}): Promise<Snapshot> {
    const [tasks, paused] = await Promise.all([
      options.tasks ?? this.taskNames(),
      options.paused ?? this.pool.query(this.sql.pausedQueues()).then(({ rows }) => new Set<string>(rows.map((r) => r.task))),
    ]);
    const [queues, runners, schedules] = await Promise.all([
      this.queries.queueCounts(tasks, new Set(paused)),
      this.queries.runners(this.options.lostAfterSeconds ?? 90),
      this.schedules.list(),
    ]);
    const sum = (k: Exclude<keyof Totals, 'capped'>) => queues.reduce((n, q) => n + q[k], 0);
    const capped = [...new Set(queues.flatMap((q) => q.capped ?? []))] as CappedCount[];
    return {
      database: this.database,
      takenAt: new Date().toISOString(),
      queues,
      runners,
      schedules,
      totals: {
        waiting: sum('waiting'),
        scheduled: sum('scheduled'),
        active: sum('active'),
        retry: sum('retry'),
        failed: sum('failed'),
        completedLastHour: sum('completedLastHour'),
        failedLastHour: sum('failedLastHour'),
        ...(capped.length ? { capped } : {}),
      },
    };
  }

  listJobs(filter: JobFilter, page?: { limit?: number; after?: string | null }): Promise<JobPage> {
    return this.queries.listJobs(filter, page);
  }

  countJobs(filter: JobFilter): Promise<number> {
    return this.queries.countJobs(filter);
  }

  getJob(id: string): Promise<JobDetail | null> {
    return this.queries.getJob(id);
  }

  getLog(jobId: string, options?: { attempt?: number; afterSeq?: number; limit?: number }): Promise<LogLine[]> {
    return this.queries.getLog(jobId, options);
  }

  /** A job's state, or null when no job has this id. */
  async jobState(id: string): Promise<JobState | null> {
    if (!isJobId(id)) return null;
    const { rows } = await this.pool.query(`SELECT state FROM ${this.bossSchema}.job WHERE id = $1`, [id]);
    return rows[0]?.state ?? null;
  }

  /** Why retry, cancel or delete left a job alone (they change nothing for these). */
  async refusal(id: string, action: 'retry' | 'cancel' | 'delete'): Promise<JobRefusal> {
    const state = await this.jobState(id);
    if (!state) return 'unknown';
    if (state === 'active' && action !== 'cancel') return 'running';
    if (action === 'retry') return 'not failed';
    return 'finished';
  }

  async followLog(jobId: string, onLines: (lines: LogLine[]) => void, options: { attempt?: number } = {}): Promise<() => void> {
    return followLog(await this.events(), this.queries, jobId, onLines, options);
  }

  /** Subscribes to cross-process events (opens a listener on first use). */
  async on<E extends EventName>(event: E, listener: EventListener<E>): Promise<() => void> {
    return (await this.events()).on(event, listener);
  }

  private events(): Promise<EventHub> {
    if (this.hub) return Promise.resolve(this.hub);
    this.hubStart ??= (async () => {
      const hub = new EventHub({ connectionString: this.options.databaseUrl, bossChannel: null, applicationName: 'ifqueue cli listener' });
      await hub.start();
      this.hub = hub;
      return hub;
    })();
    return this.hubStart;
  }

  // ---------------------------------------------------------------- actions

  /** Puts failed or cancelled jobs back with a fresh retry budget (each queue's own). */
  async retryFailed(filter: { task?: string; ids?: string[] } = {}): Promise<number> {
    if (filter.ids?.some((id) => !isJobId(id))) return 0;
    const ids = filter.ids ?? (await this.pool.query(this.sql.failedIds(filter.task ?? null, 100_000))).rows.map((r) => r.id);
    if (!ids.length) return 0;
    const { rows: queues } = await this.pool.query(`SELECT name, retry_limit FROM ${this.bossSchema}.queue`);
    const budgets = Object.fromEntries(queues.map((q) => [q.name as string, q.retry_limit as number]));
    const { rows } = await this.pool.query(this.sql.retryJobs(ids, budgets));
    const count = rows[0]?.count ?? 0;
    if (count) await publishEvents(this.pool, this.origin, [['job:retried', { ids: (rows[0].ids ?? []).slice(0, 200), task: filter.task ?? null }]]);
    return count;
  }

  async cancelJob(id: string): Promise<number> {
    if (!isJobId(id)) return 0;
    const { rows } = await this.pool.query(this.sql.cancelJobs([id]));
    if (rows.length) await publishEvents(this.pool, this.origin, [['job:cancelled', { ids: rows.map((r) => r.id) }]]);
    return rows.length;
  }

  async deleteJob(id: string): Promise<number> {
    if (!isJobId(id)) return 0;
    const { rows } = await this.pool.query(this.sql.deleteJobs([id]));
    const count = rows[0]?.count ?? 0;
    if (count) await publishEvents(this.pool, this.origin, [['job:deleted', { count, task: null }]]);
    return count;
  }

  async cleanup(options: CleanupOptions = {}): Promise<CleanupReport> {
    const o = {
      olderThanSeconds: options.olderThanSeconds ?? (this.options.retentionDays ?? 14) * 86400,
      includeFailed: options.includeFailed ?? false,
      task: options.task ?? null,
    };
    if (options.dryRun) {
      const { rows } = await this.pool.query(this.sql.countFinished(o));
      return { dryRun: true, ...rows[0] };
    }
    const { rows } = await this.pool.query(this.sql.deleteFinished(o));
    const report = { dryRun: false, completed: rows[0].completed, cancelled: rows[0].cancelled, failed: rows[0].failed };
    const count = report.completed + report.cancelled + report.failed;
    if (count) await publishEvents(this.pool, this.origin, [['job:deleted', { count, task: o.task }]]);
    return report;
  }
}
