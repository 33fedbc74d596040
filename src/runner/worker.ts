// One queue's worker: fetches as many jobs as it has free slots (in one batch), runs them, and settles
// completions in batches. Woken by pg-boss's NOTIFY; a slow poll covers missed notifications.
import type pg from 'pg';
import type { Job, PgBoss } from 'pg-boss';
import { encodeEvents, type EventHub, type EventTuple } from './events.ts';
import { runJob, settleWithRetry, type RunningJob } from './job-run.ts';
import type { LogStore } from './log-store.ts';
import type { ResolvedTask, TaskRegistry } from './registry.ts';
import type { Sql } from './sql.ts';
import { abortableSleep } from './sleep.ts';
import type { QueueApi } from './types.ts';

export interface WorkerServices {
  pool: pg.Pool;
  /** attempts, progress and log lines: commits without waiting for the WAL flush (see runner.ts) */
  bookPool: pg.Pool;
  boss: PgBoss;
  sql: Sql;
  hub: EventHub;
  logs: LogStore;
  registry: TaskRegistry;
  api: Pick<QueueApi, 'enqueue' | 'enqueueOrGet'>;
  runnerId: string;
  origin: string;
  /** ask the reconciler for a pass soon (dependencies, on-fail) */
  kick: () => void;
  reportError: (where: string, error: unknown) => void;
  pollSeconds: { notify: number; fallback: number };
  maxBatch: number;
}

const WAKE = 'wake';

interface Settled {
  job: RunningJob;
  outcome: 'completed';
  output: unknown;
}

export class QueueWorker {
  readonly running = new Map<string, RunningJob>();
  private stopping = false;
  paused = false;
  private wakeController = new AbortController();
  private loopPromise: Promise<void> | null = null;
  private completions: Settled[] = [];
  private settleTimer: NodeJS.Timeout | null = null;
  private settling: Promise<void> = Promise.resolve();
  private fetchFailures = 0;

  constructor(
    private readonly task: ResolvedTask,
    private readonly s: WorkerServices,
  ) {}

  get name(): string {
    return this.task.definition.name;
  }

  start(): void {
    if (this.loopPromise) return;
    this.loopPromise = this.loop();
  }

  wake(): void {
    // Called on every job's end: a constant reason spares abort() building a DOMException (with a stack) each time.
    if (!this.wakeController.signal.aborted) this.wakeController.abort(WAKE);
  }

  /** Stops fetching; running jobs go on. */
  async stopFetching(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loopPromise;
  }

  /** Waits for running jobs and pending settlements. */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.race([...this.running.values()].map((j) => j.done));
    await this.flushSettlements();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const free = this.task.concurrency - this.running.size;
      if (this.paused || free <= 0) {
        await this.sleep(this.paused ? 30_000 : 60_000);
        continue;
      }
      let jobs: Job<unknown>[];
      try {
        jobs = await this.s.boss.fetch<unknown>(this.name, { batchSize: Math.min(free, this.s.maxBatch) });
        this.fetchFailures = 0;
      } catch (error) {
        this.fetchFailures++;
        if (this.fetchFailures === 1 || this.fetchFailures % 20 === 0) this.s.reportError(`fetch ${this.name}`, error);
        await this.sleep(Math.min(500 * 2 ** Math.min(this.fetchFailures, 4), 8000));
        continue;
      }
      if (!jobs.length) {
        await this.sleep(await this.idleMs());
        continue;
      }
      try {
        await this.begin(jobs);
      } catch (error) {
        this.s.reportError(`start ${this.name}`, error);
        // The claim stands; put the jobs back so they are not stuck until expiry.
        for (const job of jobs) {
          const until = { expiresAt: Date.now() + job.expireInSeconds * 1000, isStopping: () => this.stopping };
          await settleWithRetry(() => this.s.pool.query(this.s.sql.returnJob(job.id, this.name, job.retryCount)), until, () => {}).catch(() => {});
        }
        await this.sleep(1000);
      }
    }
  }

  /** The poll interval, or less when a delayed job falls due sooner: nothing notifies when a delay ends. */
  private async idleMs(): Promise<number> {
    const poll = 1000 * (this.s.hub.connected ? this.s.pollSeconds.notify : this.s.pollSeconds.fallback);
    try {
      const { rows } = await this.s.pool.query(this.s.sql.nextDueMs(this.name));
      const due = rows[0]?.ms;
      return due == null ? poll : Math.max(10, Math.min(poll, due + 5));
    } catch {
      return poll;
    }
  }

  private async sleep(ms: number): Promise<void> {
    // a wake-up that came while we were fetching is not discarded: it ends this sleep at once
    if (this.wakeController.signal.aborted) {
      this.wakeController = new AbortController();
      return;
    }
    await abortableSleep(ms, this.wakeController.signal);
    if (this.wakeController.signal.aborted) this.wakeController = new AbortController();
  }

  private async begin(jobs: Job<unknown>[]): Promise<void> {
    const events: EventTuple[] = jobs.map((j) => [
      'job:started',
      { id: j.id, task: this.name, attempt: j.retryCount + 1, runnerId: this.s.runnerId },
    ]);
    const { rows } = await this.s.bookPool.query(
      this.s.sql.beginAttempts(
        this.name,
        jobs.map((j) => j.id),
        jobs.map((j) => j.retryCount + 1),
        this.s.runnerId,
        encodeEvents(this.s.origin, events),
      ),
    );
    const meta = new Map(rows.map((r) => [r.id as string, r]));
    for (const job of jobs) {
      const m = meta.get(job.id);
      const retryLimit: number = m?.retry_limit ?? this.task.retry.retries;
      const running = runJob({ ...job, retryLimit }, this.task, {
        ...this.s,
        priorLines: m?.written_lines ?? 0,
        priorTruncated: m?.truncated_lines ?? 0,
        meta: { name: m?.name ?? null, onFail: m?.on_fail ?? null, hasDependents: m?.has_dependents ?? false },
        onCompleted: (r, output) => this.queueCompletion(r, output),
        isStopping: () => this.stopping,
      });
      this.running.set(job.id, running);
      void running.done.finally(() => {
        this.running.delete(job.id);
        this.wake();
      });
    }
  }

  private queueCompletion(job: RunningJob, output: unknown): Promise<void> {
    this.completions.push({ job, outcome: 'completed', output });
    if (this.completions.length >= 200) return this.flushSettlements();
    if (!this.settleTimer) this.settleTimer = setTimeout(() => void this.flushSettlements(), 2);
    return new Promise((resolve) => job.settledHooks.push(resolve));
  }

  /** Completes all queued completions in a few statements (pg-boss complete + attempts + events). */
  flushSettlements(): Promise<void> {
    if (this.settleTimer) {
      clearTimeout(this.settleTimer);
      this.settleTimer = null;
    }
    const batch = this.completions;
    this.completions = [];
    this.settling = this.settling.then(() => (batch.length ? this.settle(batch) : undefined));
    return this.settling;
  }

  private async settle(batch: Settled[]): Promise<void> {
    const name = this.name;
    try {
      const plain = batch.filter((b) => b.output === undefined || b.output === null);
      const withOutput = batch.filter((b) => !(b.output === undefined || b.output === null));
      // Retried while the database is away: a completion given up would run the job again after its expiry.
      const until = { expiresAt: Math.min(...batch.map((b) => b.job.expiresAt)), isStopping: () => this.stopping };
      const onRetry = (what: string) => (error: unknown, retry: number) => {
        if (retry === 1 || retry % 10 === 0) this.s.reportError(`${what} ${name} (retrying)`, error);
      };
      await settleWithRetry(async () => {
        if (plain.length) await this.s.boss.complete(name, plain.map((b) => ({ id: b.job.id, retryCount: b.job.retryCount })));
        for (const b of withOutput) {
          const output = typeof b.output === 'object' ? (b.output as object) : { value: b.output };
          await this.s.boss.complete(name, { id: b.job.id, retryCount: b.job.retryCount }, output);
        }
      }, until, onRetry('complete'));
      const events: EventTuple[] = batch.map((b) => [
        'job:completed',
        { id: b.job.id, task: name, attempt: b.job.attempt, durationMs: Date.now() - b.job.startedAt },
      ]);
      // pg-boss has the jobs completed: free their slots now, so the next fetch does not wait for the
      // attempt bookkeeping below (it stays on the settling chain that stop() and drain() await).
      for (const b of batch) for (const hook of b.job.settledHooks.splice(0)) hook();
      await settleWithRetry(
        () =>
          this.s.bookPool.query(
            this.s.sql.finishAttempts(
              batch.map((b) => ({ id: b.job.id, attempt: b.job.attempt, outcome: 'completed', error: null, stack: null })),
              encodeEvents(this.s.origin, events),
            ),
          ),
        until,
        onRetry('record completion'),
      ).catch((error) => this.s.reportError(`record completion ${name}`, error));
      if (batch.some((b) => b.job.meta.hasDependents)) this.s.kick();
    } catch (error) {
      // The jobs stay active; pg-boss expiry or the lost-runner check will retry them.
      this.s.reportError(`settle ${name}`, error);
    } finally {
      for (const b of batch) for (const hook of b.job.settledHooks.splice(0)) hook();
    }
  }
}
