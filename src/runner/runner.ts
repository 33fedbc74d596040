// The runner façade: the one way into the queue for the CLI, the dashboard and the tests.
// pg-boss stores and claims jobs; ifqueue adds names, dependencies, on-fail handlers, logs, events,
// schedules, runners and the read side.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { PgBoss } from 'pg-boss';
import { installConsoleCapture } from './console-capture.ts';
import { bossDbFor, createPool, inTransaction, type Queryable } from './db.ts';
import { maskDsn, scrubSecrets } from './dsn.ts';
import { UserError, errorMessage } from './errors.ts';
import { EventHub, encodeEvents, publishEvents } from './events.ts';
import { LogStore } from './log-store.ts';
import { QueueClient } from './client.ts';
import type { Queries } from './queries.ts';
import { Reconciler } from './reconciler.ts';
import { TaskRegistry } from './registry.ts';
import { migrate } from './schema.ts';
import { Scheduler } from './scheduler.ts';
import { ScheduleStore } from './schedule-store.ts';
import { assertSchemaName, sqlFor, toBossPriority, type Sql } from './sql.ts';
import { raisedByEnqueue } from './sql-api.ts';
import { followLog } from './log-follow.ts';
import { checkNumberOption, checkQueueNames, invalidSetting, shownValue } from './settings.ts';
import { lifecycleSqlFor, type LifecycleSql, type QueueTable } from './lifecycle-sql.ts';
import { Liveness } from './liveness.ts';
import { ABORT_GRACE_MS, type RunningJob } from './job-run.ts';
import { setTimeout as sleep } from 'node:timers/promises';

/** After a second signal: how long handlers get to return, and settlements to be written. */
const HURRIED_GRACE_MS = 1000;
/** While stopping: how long a settlement is retried through an outage. */
const STOPPING_SETTLE_MS = 3000;
/** Saying goodbye and closing connections, at most. */
const TEARDOWN_MS = 3000;
/** A claim of this runner's that is this old and unknown to it was never received. */
export const UNKNOWN_CLAIM_AGE_SECONDS = 10;

/** Waits for `work`, but never longer than `ms`. */
async function within(ms: number, work: Promise<unknown> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.resolve(work).catch(() => {}), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
import { QueueWorker } from './worker.ts';
import { VERSION } from './version.ts';
import type {
  CleanupOptions,
  CleanupReport,
  CronPreview,
  EnqueueOptions,
  EnqueueOrGetResult,
  EventListener,
  EventName,
  JobDetail,
  JobFilter,
  JobPage,
  LogLine,
  OnFailArgs,
  QueueApi,
  RunnerInfo,
  ScheduleInfo,
  ScheduleInput,
  Snapshot,
  TaskDefinition,
  TaskInfo,
} from './types.ts';

import { DEFAULT_TIMING } from './timing.ts';
export { DEFAULT_TIMING };

export interface RunnerOptions {
  databaseUrl: string;
  tasks: TaskDefinition[];
  /** how this process shows in the runner list */
  kind?: RunnerInfo['kind'];
  /** run jobs, schedules and housekeeping (false: only enqueue, query and watch) */
  work?: boolean;
  /** register in the runner list even when not working (a watching dashboard) */
  register?: boolean;
  /** run only these tasks (default: all registered) */
  queues?: string[];
  bossSchema?: string;
  /** how often a runner proves it is alive (default 5 s) */
  heartbeatSeconds?: number;
  /** a runner silent this long is lost even when its session lives, i.e. frozen (default 3 heartbeats) */
  lostAfterSeconds?: number;
  /** how often runners look for lost ones (default 2 s) */
  livenessCheckMs?: number;
  /** after a PostgreSQL restart, how long runners get to take their liveness locks again (default 10 s) */
  lockGraceSeconds?: number;
  /** how often the housekeeping pass runs: dependencies, on-fail, retention (default 30 s) */
  housekeepingSeconds?: number;
  retentionDays?: number;
  shutdownTimeoutMs?: number;
  maxLogLinesPerAttempt?: number;
  pollSeconds?: { notify: number; fallback: number };
  /** schedules created on the first start ever (paused ones are created paused) */
  defaultSchedules?: ScheduleInput[];
  poolSize?: number;
  /** where background errors go (default: one line on stderr) */
  onError?: (where: string, message: string) => void;
}

export interface StopOptions {
  timeoutMs?: number;
  onProgress?: (p: { remainingSeconds: number; running: number }) => void;
}

type CheckedOptions = Required<Omit<RunnerOptions, 'queues' | 'defaultSchedules' | 'onError'>> & RunnerOptions;

const KINDS: RunnerInfo['kind'][] = ['daemon', 'dashboard', 'cli', 'test'];

/** Defaults filled in and every value checked: a bad one is a one-line UserError naming the option. */
function checkRunnerOptions(options: RunnerOptions): CheckedOptions {
  if (typeof options?.databaseUrl !== 'string' || !options.databaseUrl.trim()) invalidSetting('databaseUrl', 'a PostgreSQL URL is required');
  if (!Array.isArray(options.tasks)) invalidSetting('tasks', 'must be an array of task definitions');
  if (options.kind !== undefined && !KINDS.includes(options.kind)) invalidSetting('kind', `${shownValue(options.kind)} must be one of ${KINDS.join(', ')}`);
  const heartbeatSeconds = checkNumberOption('heartbeatSeconds', options.heartbeatSeconds, DEFAULT_TIMING.heartbeatSeconds, { min: 0.1, max: 3600, integer: false });
  const lostAfterSeconds = checkNumberOption('lostAfterSeconds', options.lostAfterSeconds, 3 * heartbeatSeconds, { min: 0.1, max: 86_400, integer: false });
  if (lostAfterSeconds <= heartbeatSeconds) invalidSetting('lostAfterSeconds', `${lostAfterSeconds} must be more than heartbeatSeconds (${heartbeatSeconds})`);
  const liveness = {
    livenessCheckMs: checkNumberOption('livenessCheckMs', options.livenessCheckMs, DEFAULT_TIMING.livenessCheckMs, { min: 50, max: 3_600_000 }),
    lockGraceSeconds: checkNumberOption('lockGraceSeconds', options.lockGraceSeconds, Math.max(DEFAULT_TIMING.minLockGraceSeconds, 2 * heartbeatSeconds), {
      min: 0,
      max: 86_400,
      integer: false,
    }),
    housekeepingSeconds: checkNumberOption('housekeepingSeconds', options.housekeepingSeconds, DEFAULT_TIMING.housekeepingSeconds, { min: 0.1, max: 86_400, integer: false }),
  };
  const poll = options.pollSeconds ?? { notify: 30, fallback: 2 };
  const pollRule = { min: 0.05, max: 86_400, integer: false };
  const work = options.work ?? true;
  return {
    ...options,
    kind: options.kind ?? 'daemon',
    work,
    register: options.register ?? work,
    bossSchema: options.bossSchema ?? 'pgboss',
    heartbeatSeconds,
    lostAfterSeconds,
    ...liveness,
    retentionDays: checkNumberOption('retentionDays', options.retentionDays, 14, { min: 0.001, max: 36_500, integer: false }),
    shutdownTimeoutMs: checkNumberOption('shutdownTimeoutMs', options.shutdownTimeoutMs, 60_000, { min: 0, max: 86_400_000 }),
    maxLogLinesPerAttempt: checkNumberOption('maxLogLinesPerAttempt', options.maxLogLinesPerAttempt, 10_000, { min: 1, max: 10_000_000 }),
    pollSeconds: {
      notify: checkNumberOption('pollSeconds.notify', poll.notify, 30, pollRule),
      fallback: checkNumberOption('pollSeconds.fallback', poll.fallback, 2, pollRule),
    },
    poolSize: checkNumberOption('poolSize', options.poolSize, 10, { min: 1, max: 1000 }),
  };
}

export class Runner implements QueueApi {
  readonly database: string;
  readonly registry: TaskRegistry;
  readonly id = randomUUID();
  private readonly origin = this.id;
  private readonly options: CheckedOptions;
  private pool!: pg.Pool;
  private bookPool!: pg.Pool;
  private boss!: PgBoss;
  private sql!: Sql;
  private life!: LifecycleSql;
  private liveness: Liveness | null = null;
  private hub!: EventHub;
  private logs!: LogStore;
  private queries!: Queries;
  private client!: QueueClient;
  private schedules!: ScheduleStore;
  private scheduler: Scheduler | null = null;
  private reconciler: Reconciler | null = null;
  private readonly workers = new Map<string, QueueWorker>();
  private paused = new Set<string>();
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private unsubscribes: (() => void)[] = [];
  private restoreConsole: (() => void) | null = null;
  private stopDeadline = Infinity;
  /** when settlements stop being retried through an outage: Infinity until the runner stops */
  private settleDeadline = Infinity;
  private hurried: (() => void) | null = null;
  private isHurried = false;

  constructor(options: RunnerOptions) {
    this.options = checkRunnerOptions(options);
    assertSchemaName(this.options.bossSchema);
    this.database = maskDsn(options.databaseUrl);
    this.registry = new TaskRegistry(options.tasks);
    if (options.queues !== undefined) this.options.queues = checkQueueNames('queues', options.queues, this.registry.names());
  }

  get runsJobs(): boolean {
    return this.options.work;
  }

  /** Idempotent: a second caller awaits the same start. */
  start(): Promise<void> {
    this.starting ??= this.doStart().catch(async (error) => {
      // whatever was started before the failure (liveness session, listener, pools) must not linger
      await within(TEARDOWN_MS, this.teardown());
      this.starting = null;
      throw new UserError(`cannot start on ${this.database}: ${scrubSecrets(errorMessage(error), this.options.databaseUrl)}`, { cause: error });
    });
    return this.starting;
  }

  /** A start that failed half way (a failed migration) must not leave pg-boss and the pools keeping the process alive. */

  private reportError = (where: string, error: unknown) => {
    const message = scrubSecrets(errorMessage(error), this.options.databaseUrl);
    this.hub?.emitLocal('runner:error', { where, message });
    if (this.options.onError) this.options.onError(where, message);
    else process.stderr.write(`ifqueue: ${where}: ${message}\n`);
  };

  private async doStart(): Promise<void> {
    const o = this.options;
    this.pool = createPool(o.databaseUrl, `ifqueue ${o.kind}`, o.poolSize);
    // Log lines and progress commit without waiting for the WAL flush: a database crash may lose their
    // last fraction of a second, which changes nothing about what runs. Claims, attempts and outcomes
    // are written on the durable pool only.
    this.bookPool = createPool(o.databaseUrl, `ifqueue ${o.kind} log`, 4, '-c synchronous_commit=off');
    this.sql = sqlFor(o.bossSchema);
    this.life = lifecycleSqlFor(o.bossSchema);
    this.boss = new PgBoss({
      connectionString: o.databaseUrl,
      schema: o.bossSchema,
      application_name: `ifqueue pg-boss`,
      max: Math.max(2, Math.ceil(o.poolSize / 2)),
      schedule: false,
      supervise: o.work,
      superviseIntervalSeconds: 60,
      monitorIntervalSeconds: 60,
      registerInstance: false,
      // ifqueue does not use pg-boss flows; its resolver would query every 5 s while idle
      flowIntervalSeconds: 60,
    } as any);
    this.boss.on('error', (error) => this.reportError('pg-boss', error));
    await this.boss.start();
    const client = await this.pool.connect();
    try {
      await migrate(client, o.bossSchema);
    } finally {
      client.release();
    }
    await this.ensureQueues();
    await this.pool.query(this.sql.registerTasks(this.registry.registrations(), `ifqueue ${VERSION} on ${hostname()} pid ${process.pid}`));
    const { rows } = await this.pool.query(this.sql.bossChannel);
    this.hub = new EventHub({ connectionString: o.databaseUrl, bossChannel: rows[0].channel, applicationName: `ifqueue listener` });
    await this.hub.start();
    this.unsubscribes.push(
      this.hub.onWake((queue) => {
        this.workers.get(queue)?.wake();
        this.hub.emitLocal('queue:activity', { task: queue });
      }),
    );
    this.logs = new LogStore(this.bookPool, { maxLinesPerAttempt: o.maxLogLinesPerAttempt, origin: this.origin, onError: (e) => this.reportError('log store', e) });
    this.client = new QueueClient({
      databaseUrl: o.databaseUrl,
      pool: this.pool,
      bossSchema: o.bossSchema,
      origin: this.origin,
      lostAfterSeconds: o.lostAfterSeconds,
      retentionDays: o.retentionDays,
      hub: this.hub,
    });
    this.queries = this.client.queries;
    this.schedules = new ScheduleStore(this.pool, this.registry, this.origin, o.bossSchema);
    this.paused = new Set((await this.pool.query(this.sql.pausedQueues())).rows.map((r) => r.task));
    if (o.defaultSchedules?.length) await this.schedules.createDefaults(o.defaultSchedules);

    if (o.register || o.work) {
      const queues = o.work ? this.queueNames() : [];
      this.liveness = new Liveness({
        connectionString: o.databaseUrl,
        applicationName: `ifqueue ${o.kind} liveness`,
        sql: this.life,
        runner: { id: this.id, host: hostname(), pid: process.pid, version: VERSION, kind: o.kind, queues },
        heartbeatMs: o.heartbeatSeconds * 1000,
        onDeclaredLost: () => void this.onDeclaredLost(),
        onReconnected: () => this.reconciler?.kick(),
        reportError: this.reportError,
      });
      await this.liveness.start();
      await publishEvents(this.pool, this.origin, [['runner:up', { id: this.id, host: hostname(), pid: process.pid, kind: o.kind }]]);
    }
    this.unsubscribes.push(
      this.hub.on('queue:changed', ({ task, paused }) => {
        if (paused) this.paused.add(task);
        else this.paused.delete(task);
        const w = this.workers.get(task);
        if (w) {
          w.paused = paused;
          w.wake();
        }
      }),
    );
    if (o.work || o.register) {
      this.reconciler = new Reconciler({
        pool: this.pool,
        boss: this.boss,
        sql: this.sql,
        life: this.life,
        origin: this.origin,
        runnerId: this.id,
        housekeepingSeconds: o.housekeepingSeconds,
        livenessCheckMs: o.work ? o.livenessCheckMs : null,
        lostAfterSeconds: o.lostAfterSeconds,
        lockGraceSeconds: o.lockGraceSeconds,
        lastOwnFailureAt: () => this.liveness?.lastFailureAt ?? 0,
        retentionSeconds: o.retentionDays * 86400,
        checkOwnAttempts: () => this.checkOwnAttempts(),
        enqueueOnFail: (task, args, db) => this.enqueueIn(db, task, args, {}),
        onPaused: (p) => {
          this.paused = p;
          for (const [name, w] of this.workers) w.paused = p.has(name);
        },
        reportError: this.reportError,
        emitLocal: (e, p) => this.hub.emitLocal(e, p),
      });
    }
    if (this.reconciler) {
      // ifqueue.enqueue (any process, any client) made a dependent of a dead job: fail it now, not at the
      // next pass. A held one: its parent may have been settled by a statement that started before the
      // dependent was committed (and so could not see it); this look, after the commit, releases it.
      this.unsubscribes.push(
        this.hub.on('job:created', ({ dependencyFailed, dependencyPending }) => (dependencyFailed || dependencyPending) && this.reconciler?.kick()),
      );
    }
    if (o.work) await this.startWorking();
    else if (this.reconciler) this.reconciler.start();
    // fold the job counters' deltas in while no dashboard or status reads them (30 s: idle statements stay ≥ 30 s apart)
    if (o.work) this.queries.counts.start(30_000, (e) => this.reportError('job counts', e));
  }

  private async startWorking() {
    const o = this.options;
    const tables = new Map<string, QueueTable>(
      (await this.pool.query(`SELECT name, table_name AS "table", policy FROM ${o.bossSchema}.queue WHERE name = ANY($1)`, [this.queueNames()])).rows.map((r) => [r.name, r]),
    );
    this.restoreConsole = installConsoleCapture();
    for (const name of this.queueNames()) {
      const worker = new QueueWorker(this.registry.get(name), tables.get(name)!, {
        pool: this.pool,
        bookPool: this.bookPool,
        sql: this.sql,
        life: this.life,
        hub: this.hub,
        logs: this.logs,
        api: this,
        runnerId: this.id,
        origin: this.origin,
        kick: () => this.reconciler?.kick(),
        reportError: this.reportError,
        pollSeconds: o.pollSeconds,
        maxBatch: 500,
        giveUpAt: () => this.settleDeadline,
      });
      worker.paused = this.paused.has(name);
      this.workers.set(name, worker);
      worker.start();
    }
    this.unsubscribes.push(
      this.hub.onResync(() => {
        for (const w of this.workers.values()) w.wake();
        this.reconciler?.kick();
        this.scheduler?.wake();
        // cancels announced while the listener was down
        void this.abortMissedCancels().catch((error) => this.reportError('cancels', error));
      }),
      this.hub.on('job:cancelled', ({ ids }) => {
        const cancelled = new Set(ids);
        for (const job of this.runningJobs()) if (cancelled.has(job.id)) job.abort('cancelled');
        this.reconciler?.kick();
      }),
      this.hub.on('job:failed', ({ willRetry, task }) => {
        if (!willRetry) this.reconciler?.kick();
        this.wakeExclusive(task);
      }),
      // An exclusive queue's next job waits until the running one settles, wherever it ran.
      this.hub.on('job:completed', ({ task }) => this.wakeExclusive(task)),
      this.hub.on('job:deleted', () => this.reconciler?.kick()),
      this.hub.on('schedule:changed', () => this.scheduler?.wake()),
    );
    this.scheduler = new Scheduler({
      pool: this.pool,
      origin: this.origin,
      enqueue: (task, args, scheduleId, db) => this.enqueueIn(db, task, args, { name: `${task}@schedule` }).then((id) => {
        void scheduleId;
        return id;
      }),
      reportError: this.reportError,
    });
    this.scheduler.start();
    this.reconciler!.start();
  }

  private wakeExclusive(task: string) {
    if (this.registry.has(task) && this.registry.get(task).exclusive) this.workers.get(task)?.wake();
  }

  private queueNames(): string[] {
    const all = this.registry.names();
    return this.options.queues ? all.filter((n) => this.options.queues!.includes(n)) : all;
  }

  private async ensureQueues(): Promise<void> {
    const existing = new Set((await this.boss.getQueues()).map((q) => q.name));
    for (const name of this.registry.names()) {
      const t = this.registry.get(name);
      const options = {
        retryLimit: t.retry.retries,
        retryDelay: t.retry.delaySeconds,
        retryBackoff: t.retry.backoff,
        ...(t.retry.backoff && t.retry.maxDelaySeconds ? { retryDelayMax: t.retry.maxDelaySeconds } : {}),
        expireInSeconds: t.expireSeconds,
        // queued jobs may wait for a dependency for long; finished ones are swept by our retention
        retentionSeconds: 10 * 365 * 86400,
        deleteAfterSeconds: 0,
        notify: true,
      };
      try {
        if (!existing.has(name)) await this.boss.createQueue(name, { ...options, policy: t.exclusive ? 'singleton' : 'standard' });
        else await this.boss.updateQueue(name, options);
      } catch (error) {
        // two runners creating the same queue at once: the loser sees it exists
        if (!(await this.boss.getQueue(name))) throw error;
      }
    }
  }

  /** Graceful stop: stop taking jobs, let running ones finish up to the timeout, then abort and return them. */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= this.doStop(options);
    return this.stopping;
  }

  /** A second signal: stop waiting for running jobs and give them back to the queue now. */
  hurry(): void {
    this.stopDeadline = Date.now();
    this.isHurried = true;
    this.hurried?.();
  }

  runningCount(): number {
    let n = 0;
    for (const w of this.workers.values()) n += w.running.size;
    return n;
  }

  private runningJobs(): RunningJob[] {
    return [...this.workers.values()].flatMap((w) => [...w.running.values()]);
  }

  private async doStop(options: StopOptions): Promise<void> {
    if (!this.starting) return;
    try {
      await this.starting;
    } catch {
      return;
    }
    const timeoutMs = options.timeoutMs ?? this.options.shutdownTimeoutMs;
    const hurried = new Promise<void>((resolve) => {
      this.hurried = resolve;
      if (this.isHurried) resolve();
    });
    await within(2000, this.scheduler?.stop());
    await Promise.all([...this.workers.values()].map((w) => w.stopFetching()));
    this.stopDeadline = Math.min(this.stopDeadline, Date.now() + timeoutMs);
    const drained = Promise.all([...this.workers.values()].map((w) => w.drain()));
    while (this.runningCount() > 0 && Date.now() < this.stopDeadline) {
      options.onProgress?.({ remainingSeconds: Math.ceil((this.stopDeadline - Date.now()) / 1000), running: this.runningCount() });
      await Promise.race([drained, hurried, sleep(Math.min(250, Math.max(0, this.stopDeadline - Date.now())))]);
    }
    if (this.runningCount() > 0) {
      const jobs = this.runningJobs();
      for (const job of jobs) job.abort('shutdown');
      // Handlers that honour their signal give their jobs back themselves; the others are given back
      // without them, and whatever they return later is discarded (the claim is no longer theirs).
      await Promise.race([drained, hurried.then(() => sleep(HURRIED_GRACE_MS)), sleep(ABORT_GRACE_MS)]);
      this.settleDeadline = Date.now() + (this.isHurried ? HURRIED_GRACE_MS : STOPPING_SETTLE_MS);
      // Retries end at the deadline, but one statement can wait without end (a row lock, a frozen network
      // path). A job whose return is not recorded stays this runner's, and the runner is then not recorded
      // as stopped (Liveness.stop): other runners restart the job once this session is gone.
      await within(Math.max(0, this.settleDeadline - Date.now()) + 500, Promise.all(jobs.map((job) => job.giveUp())));
    }
    this.settleDeadline = Math.min(this.settleDeadline, Date.now() + (this.isHurried ? HURRIED_GRACE_MS : STOPPING_SETTLE_MS));
    await within(STOPPING_SETTLE_MS, Promise.all([...this.workers.values()].map((w) => w.settleAll())));
    // The rest only says goodbye and closes connections: bounded, so a database that is down (or
    // hangs) cannot hold the process.
    await within(TEARDOWN_MS, this.teardown());
  }

  /** Stops everything start() set up; each part may be missing when start() failed half-way. */
  private async teardown(): Promise<void> {
    await this.logs?.close().catch(() => {});
    await this.reconciler?.stop();
    await this.queries?.counts.stop();
    if (this.liveness) {
      await this.liveness.stop();
      await publishEvents(this.pool, this.origin, [['runner:down', { id: this.id, host: hostname(), pid: process.pid, reason: 'stopped' }]]).catch(() => {});
    }
    for (const u of this.unsubscribes.splice(0)) u();
    this.restoreConsole?.();
    await this.hub?.stop();
    await this.boss?.stop({ graceful: false, close: true, timeout: 1000 }).catch(() => {});
    await Promise.all([this.pool?.end().catch(() => {}), this.bookPool?.end().catch(() => {})]);
  }

  /** Another runner declared this one lost (it was frozen, or its connection dropped): its jobs run elsewhere now. */
  private async onDeclaredLost(): Promise<void> {
    let jobs = this.runningJobs();
    // The pass took the attempts it saw running; a job claimed after it (the workers claim on until this
    // heartbeat) is still this runner's, and aborting it as lost would leave it active with nobody on it.
    // If that cannot be read, every job is treated as taken.
    try {
      const { rows } = await this.pool.query(this.life.ownRunningClaims(this.id));
      const stillOurs = new Set(rows.map((r) => r.claim as string));
      jobs = jobs.filter((job) => !stillOurs.has(job.claim));
    } catch (error) {
      this.reportError('liveness', error);
    }
    this.reportError(
      'liveness',
      new Error(`this runner was declared lost (frozen or cut off from PostgreSQL); ${jobs.length} running job(s) restarted elsewhere, their results here are discarded`),
    );
    for (const job of jobs) {
      job.abort('lost');
      void job.giveUp();
    }
    void publishEvents(this.pool, this.origin, [['runner:up', { id: this.id, host: hostname(), pid: process.pid, kind: this.options.kind }]]).catch(() => {});
  }

  /** The periodic look at this runner's own attempts: claims it never received, cancels it never heard of. */
  private async checkOwnAttempts(): Promise<void> {
    await this.returnUnknownClaims();
    await this.abortMissedCancels();
  }

  /**
   * A cancel whose event this runner missed (it came before the claim's reply, or while the listener
   * was down) would let the handler run on to its end or expiry: look at the jobs' state instead.
   */
  private async abortMissedCancels(): Promise<void> {
    const jobs = this.runningJobs().filter((j) => !j.abortReason);
    if (!jobs.length) return;
    const { rows } = await this.pool.query(this.life.cancelledAmong(jobs.map((j) => ({ task: j.task, id: j.id }))));
    const cancelled = new Set(rows.map((r) => r.id as string));
    for (const job of jobs) if (cancelled.has(job.id)) job.abort('cancelled');
  }

  /** Gives back jobs this runner claimed in the database but never received (the claim's reply was lost). */
  private async returnUnknownClaims(): Promise<void> {
    if (!this.options.work || this.stopping) return;
    const known = this.runningJobs().map((j) => j.claim);
    const { rows } = await this.pool.query(this.life.unknownOwnClaims(this.id, known, UNKNOWN_CLAIM_AGE_SECONDS));
    // A claim whose reply was read while this query ran is not lost but late (the event loop was blocked,
    // the process stopped): both replies waited in their sockets, and the claim's was read first.
    const knownNow = new Set(this.runningJobs().map((j) => j.claim));
    const byTask = new Map<string, { id: string; claim: string }[]>();
    for (const r of rows) if (!knownNow.has(r.claim)) byTask.set(r.task, [...(byTask.get(r.task) ?? []), { id: r.id, claim: r.claim }]);
    for (const [task, items] of byTask) {
      await this.pool.query(this.life.giveBack(task, items, 'its claim never reached the runner (the connection dropped)', this.origin));
      this.reportError(`claims ${task}`, new Error(`${items.length} job(s) claimed without reaching this runner were given back to the queue`));
    }
  }

  // ---------------------------------------------------------------- tasks and enqueue

  tasks(): TaskInfo[] {
    return this.registry.info();
  }

  async enqueue(task: string, args: unknown, options: EnqueueOptions = {}): Promise<string> {
    return (await this.enqueueInternal(task, args, options, false)).id;
  }

  /**
   * Bulk enqueue: every argument set validated first (nothing is enqueued if one is bad), then
   * inserted through pg-boss's insert() in chunks of 1 000. Returns the job ids in order.
   */
  async enqueueMany(task: string, argsList: unknown[], options: Pick<EnqueueOptions, 'priority' | 'startAfter' | 'retries' | 'retryDelaySeconds' | 'onFail'> = {}): Promise<string[]> {
    await this.start();
    const parsed = argsList.map((a, i) => {
      try {
        return this.registry.parseArgs(task, a);
      } catch (error) {
        throw new UserError(`item ${i}: ${errorMessage(error)}`);
      }
    });
    const onFail = options.onFail ?? this.registry.get(task).definition.onFail ?? null;
    if (onFail) this.registry.get(onFail);
    const send = this.sendOptions(task, options);
    const ids: string[] = [];
    for (let i = 0; i < parsed.length; i += 1000) {
      const chunk = parsed.slice(i, i + 1000).map((data) => ({ data: data as object, ...send }));
      if (!onFail) {
        ids.push(...((await this.boss.insert(task, chunk, { returnId: true })) ?? []));
        continue;
      }
      const chunkIds = await inTransaction(this.pool, async (client) => {
        const db = bossDbFor(client);
        const inserted = (await this.boss.insert(task, chunk, { db, returnId: true })) ?? [];
        if (onFail && inserted.length)
          await client.query(
            `INSERT INTO ifqueue.job_meta (job_id, task, on_fail) SELECT id, $2, $3 FROM unnest($1::uuid[]) AS id`,
            [inserted, task, onFail],
          );
        return inserted;
      });
      ids.push(...chunkIds);
    }
    return ids;
  }

  async enqueueOrGet(task: string, args: unknown, options: EnqueueOptions & { name: string }): Promise<EnqueueOrGetResult> {
    if (!options.name) throw new UserError('enqueueOrGet needs a name');
    return this.enqueueInternal(task, args, options, true);
  }

  private async enqueueInternal(task: string, args: unknown, options: EnqueueOptions, orGet: boolean): Promise<EnqueueOrGetResult> {
    await this.start();
    const parsed = this.registry.parseArgs(task, args);
    // one statement: its own transaction, so the name lock of orGet is held until the job is committed
    return this.enqueueOn(this.pool, task, parsed, options, orGet);
  }

  /** Enqueue inside a caller's transaction (schedules, on-fail handlers, the legacy bridge). */
  async enqueueIn(client: pg.PoolClient, task: string, args: unknown, options: EnqueueOptions): Promise<string> {
    const parsed = this.registry.parseArgs(task, args);
    return (await this.enqueueOn(client, task, parsed, options, false)).id;
  }

  /**
   * Every single-job enqueue goes through ifqueue.enqueue_job (sql-api.ts), the implementation the
   * SQL API shares: the arguments are parsed by zod here, and the defaults come from this runner's registry.
   */
  private async enqueueOn(db: Queryable, task: string, parsed: unknown, options: EnqueueOptions, orGet: boolean): Promise<EnqueueOrGetResult> {
    const sqlOptions = this.enqueueOptions(task, options, orGet);
    try {
      const { rows } = await db.query(this.sql.enqueue(task, parsed, sqlOptions));
      return { id: rows[0].id, created: rows[0].created };
    } catch (error) {
      throw raisedByEnqueue(error) ? new UserError(errorMessage(error), { cause: error }) : error;
    }
  }

  /** The options of ifqueue.enqueue_job, checked here first so that the caller gets the runner's own messages. */
  private enqueueOptions(task: string, options: EnqueueOptions, orGet: boolean): Record<string, unknown> {
    const definition = this.registry.get(task).definition;
    const onFail = options.onFail ?? definition.onFail ?? null;
    if (onFail) this.registry.get(onFail);
    const name = options.name ?? null;
    if (name !== null && (typeof name !== 'string' || name.length > 255)) throw new UserError('name must be a string of at most 255 characters');
    if (name !== null && (name.includes('\u0000') || !name.isWellFormed())) {
      throw new UserError('name contains a NUL character or a lone UTF-16 surrogate, which PostgreSQL cannot store');
    }
    const priority = options.priority ?? definition.priority ?? 100;
    if (!Number.isInteger(priority)) throw new UserError(`priority must be an integer, got ${priority}`);
    for (const [key, value] of [['retries', options.retries], ['retryDelaySeconds', options.retryDelaySeconds]] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1)) throw new UserError(`${key} must be a non-negative integer, got ${value}`);
    }
    const after = options.startAfter;
    if (after instanceof Date && Number.isNaN(after.getTime())) throw new UserError('startAfter is not a valid date');
    if (typeof after === 'number' && !Number.isFinite(after)) throw new UserError('startAfter is not a valid number of seconds');
    return {
      name,
      priority,
      onFail,
      origin: this.origin,
      ...(after instanceof Date ? { startAfter: after.toISOString() } : typeof after === 'number' ? { delaySeconds: after } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.retryDelaySeconds !== undefined ? { retryDelaySeconds: options.retryDelaySeconds } : {}),
      ...(options.dependsOn ? { dependsOn: String(options.dependsOn) } : {}),
      ...(orGet && name ? { orGet: true } : {}),
      ...(options.legacyId ? { legacyId: options.legacyId } : {}),
    };
  }

  /** pg-boss send options of the bulk path (enqueueMany). */
  private sendOptions(task: string, options: EnqueueOptions) {
    const t = this.registry.get(task);
    const priority = options.priority ?? t.definition.priority ?? 100;
    if (!Number.isInteger(priority)) throw new UserError(`priority must be an integer, got ${priority}`);
    let after: Date | undefined;
    if (options.startAfter !== undefined) {
      after = typeof options.startAfter === 'number' ? new Date(Date.now() + options.startAfter * 1000) : options.startAfter;
      if (Number.isNaN(after.getTime())) throw new UserError('startAfter is not a valid date');
    }
    if (options.retries !== undefined && (!Number.isInteger(options.retries) || options.retries < 0)) {
      throw new UserError(`retries must be a non-negative integer, got ${options.retries}`);
    }
    const delay = options.retryDelaySeconds;
    if (delay !== undefined && (!Number.isInteger(delay) || delay < 0 || delay > 2 ** 31 - 1)) {
      throw new UserError(`retryDelaySeconds must be a non-negative integer, got ${delay}`);
    }
    return {
      priority: toBossPriority(priority),
      ...(after ? { startAfter: after } : {}),
      ...(options.retries !== undefined ? { retryLimit: options.retries } : {}),
      // A fixed interval, as the legacy queue retried: the task's backoff does not apply.
      ...(delay !== undefined ? { retryDelay: delay, retryBackoff: false } : {}),
    };
  }

  // ---------------------------------------------------------------- reads

  async snapshot(): Promise<Snapshot> {
    await this.start();
    // paused read from the database, not this.paused: a pause made a moment ago may not have been heard yet
    return this.client.snapshot({ tasks: this.registry.names() });
  }

  async listJobs(filter: JobFilter, page?: { limit?: number; after?: string | null }): Promise<JobPage> {
    await this.start();
    return this.queries.listJobs(filter, page);
  }

  async countJobs(filter: JobFilter): Promise<number> {
    await this.start();
    return this.queries.countJobs(filter);
  }

  async getJob(id: string): Promise<JobDetail | null> {
    await this.start();
    return this.queries.getJob(id);
  }

  async getLog(jobId: string, options?: { attempt?: number; afterSeq?: number; limit?: number }): Promise<LogLine[]> {
    await this.start();
    return this.queries.getLog(jobId, options);
  }

  async followLog(jobId: string, onLines: (lines: LogLine[]) => void, options: { attempt?: number } = {}): Promise<() => void> {
    await this.start();
    return followLog(this.hub, this.queries, jobId, onLines, options);
  }

  // ---------------------------------------------------------------- actions

  async retryJob(id: string): Promise<number> {
    return this.retryFailed({ ids: [id] });
  }

  async retryFailed(filter: { task?: string; ids?: string[] } = {}): Promise<number> {
    await this.start();
    return this.client.retryFailed(filter);
  }

  async cancelJob(id: string): Promise<number> {
    await this.start();
    const count = await this.client.cancelJob(id);
    if (count) this.reconciler?.kick();
    return count;
  }

  async deleteJob(id: string): Promise<number> {
    await this.start();
    const count = await this.client.deleteJob(id);
    if (count) this.reconciler?.kick();
    return count;
  }

  async cleanup(options: CleanupOptions = {}): Promise<CleanupReport> {
    await this.start();
    return this.client.cleanup(options);
  }

  async pauseQueue(task: string): Promise<void> {
    await this.setPaused(task, true);
  }

  async resumeQueue(task: string): Promise<void> {
    await this.setPaused(task, false);
  }

  private async setPaused(task: string, paused: boolean) {
    await this.start();
    this.registry.get(task);
    await this.pool.query(this.sql.setPaused(task, paused, encodeEvents(this.origin, [['queue:changed', { task, paused }]])));
  }

  // ---------------------------------------------------------------- schedules

  async listSchedules(): Promise<ScheduleInfo[]> {
    await this.start();
    return this.schedules.list();
  }
  async setSchedule(input: ScheduleInput): Promise<ScheduleInfo> {
    await this.start();
    return this.schedules.set(input);
  }
  async deleteSchedule(id: string): Promise<number> {
    await this.start();
    return this.schedules.remove(id);
  }
  async pauseSchedule(id: string): Promise<void> {
    await this.start();
    await this.schedules.setPaused(id, true);
  }
  async resumeSchedule(id: string): Promise<void> {
    await this.start();
    await this.schedules.setPaused(id, false);
  }
  async runScheduleNow(id: string): Promise<string> {
    await this.start();
    const s = await this.schedules.get(id);
    if (!s) throw new UserError(`unknown schedule ${id}`);
    const jobId = await inTransaction(this.pool, async (client) => {
      const jid = await this.enqueueIn(client, s.task, s.args, { name: `${s.task}@schedule` });
      await client.query(`UPDATE ifqueue.schedule SET last_job_id = $2, last_fire_at = now() WHERE id = $1`, [id, jid]);
      return jid;
    });
    await publishEvents(this.pool, this.origin, [['schedule:fired', { scheduleId: id, task: s.task, jobId }]]);
    return jobId;
  }
  previewCron(cron: string, tz?: string, count?: number): CronPreview {
    return ScheduleStore.preview(cron, tz, count);
  }

  // ---------------------------------------------------------------- events

  on<E extends EventName>(event: E, listener: EventListener<E>): () => void {
    if (!this.hub) {
      // subscribe after start; keep the call synchronous for callers
      let off: (() => void) | null = null;
      let cancelled = false;
      void this.start().then(() => {
        if (!cancelled) off = this.hub.on(event, listener);
      });
      return () => {
        cancelled = true;
        off?.();
      };
    }
    return this.hub.on(event, listener);
  }

  /** For tools that must share the runner's pool (the legacy bridge, tests). */
  get db(): pg.Pool {
    return this.pool;
  }

  get bossSchema(): string {
    return this.options.bossSchema;
  }

  /** Runs a reconciler pass now (tests, CLI). */
  async reconcile(): Promise<void> {
    await this.start();
    await this.reconciler?.recoverLostRunners();
    await this.reconciler?.pass(true);
  }

  /** Subject to OnFailArgs typing for handlers. */
  static onFailArgs(args: unknown): OnFailArgs {
    return args as OnFailArgs;
  }
}
