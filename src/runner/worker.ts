// One queue's worker: claims as many jobs as it has free slots (one durable statement that also
// records their attempts), runs them, and settles them — completions in batches, every settlement
// fenced by its claim. Woken by pg-boss's NOTIFY; a slow poll covers missed notifications.
import type pg from 'pg';
import { encodeEvents, type EventHub } from './events.ts';
import { isTransientDbError, runJob, settleWithRetry, type AttemptSettler, type ClaimedJob, type FailureRecord, type RunningJob } from './job-run.ts';
import type { LifecycleSql, QueueTable } from './lifecycle-sql.ts';
import type { LogStore } from './log-store.ts';
import type { ResolvedTask } from './registry.ts';
import type { Sql } from './sql.ts';
import { abortableSleep } from './sleep.ts';
import { storableJson, storableText } from '../text/storable.ts';
import { errorMessage } from './errors.ts';
import type { JobProgress, QueueApi } from './types.ts';

export interface WorkerServices {
  /** claims and settlements: durable commits */
  pool: pg.Pool;
  /** progress: commits without waiting for the WAL flush (losing the last one in a crash is harmless) */
  bookPool: pg.Pool;
  sql: Sql;
  life: LifecycleSql;
  hub: EventHub;
  logs: LogStore;
  api: Pick<QueueApi, 'enqueue' | 'enqueueOrGet'>;
  runnerId: string;
  origin: string;
  /** ask the reconciler for a pass soon (dependencies, on-fail) */
  kick: () => void;
  reportError: (where: string, error: unknown) => void;
  pollSeconds: { notify: number; fallback: number };
  maxBatch: number;
  /** when settlements stop being retried (Infinity while the runner is not stopping) */
  giveUpAt: () => number;
}

const WAKE = 'wake';
/** How often running jobs are checked against their deadline (one timer per queue, not one per job). */
const EXPIRY_SWEEP_MS = 250;
const COMPLETION_BATCH = 500;
const COMPLETION_DELAY_MS = 2;
// settled jobs are looked at for late dependents together, at most this often (a rare race: see kickForLateDependents)
const LATE_DEPENDENTS_DELAY_MS = 50;

interface PendingCompletion {
  job: RunningJob;
  output: unknown;
  durationMs: number;
  resolve: () => void;
}

export class QueueWorker implements AttemptSettler {
  /** claimed attempts by claim token, until their handler has returned and the attempt is settled */
  readonly running = new Map<string, RunningJob>();
  /** handlers still running: what takes a slot (a job whose handler returned frees it while it settles) */
  private busy = 0;
  private expirySweep: NodeJS.Timeout | null = null;
  private stopping = false;
  paused = false;
  private wakeController = new AbortController();
  private loopPromise: Promise<void> | null = null;
  private completions: PendingCompletion[] = [];
  private settleTimer: NodeJS.Timeout | null = null;
  private settling: Promise<void> = Promise.resolve();
  private lateIds: string[] = [];
  private lateTimer: NodeJS.Timeout | null = null;
  private lateLook: Promise<void> = Promise.resolve();
  private fetchFailures = 0;
  private readonly name: string;

  constructor(
    private readonly task: ResolvedTask,
    private readonly queue: QueueTable,
    private readonly s: WorkerServices,
  ) {
    this.name = task.definition.name;
  }

  start(): void {
    this.loopPromise ??= this.loop();
  }

  wake(): void {
    // Called on every job's end: a constant reason spares abort() building a DOMException (with a stack) each time.
    if (!this.wakeController.signal.aborted) this.wakeController.abort(WAKE);
  }

  /** Stops claiming; running jobs go on. */
  async stopFetching(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loopPromise;
  }

  /** Waits for running jobs and pending settlements. */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.race([...this.running.values()].map((j) => j.done));
    await this.settleAll();
  }

  /** At stop: settles what is queued, and makes the look for late dependents now. */
  settleAll(): Promise<void> {
    return this.flushSettlements().then(() => this.lookNow());
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const free = this.task.concurrency - this.busy;
      if (this.paused || free <= 0) {
        await this.sleep(this.paused ? 30_000 : 60_000);
        continue;
      }
      let rows: any[];
      try {
        ({ rows } = await this.s.pool.query(this.s.life.claim(this.queue, Math.min(free, this.s.maxBatch), this.s.runnerId, this.s.origin)));
        this.fetchFailures = 0;
      } catch (error) {
        if (this.lostSlotRace(error)) {
          // Another runner's claim took the exclusive queue's one active slot first (its unique index):
          // nothing to claim until that job settles, which wakes this worker.
          this.fetchFailures = 0;
          await this.sleep(await this.idleMs());
          continue;
        }
        // A claim that committed but whose reply was lost is found by the runner's periodic check of
        // its own attempts (Runner.returnUnknownClaims) and given back without using an attempt.
        this.fetchFailures++;
        if (this.fetchFailures === 1 || this.fetchFailures % 20 === 0) this.s.reportError(`claim ${this.name}`, error);
        await this.sleep(Math.min(500 * 2 ** Math.min(this.fetchFailures, 4), 8000));
        continue;
      }
      if (!rows.length) {
        await this.sleep(await this.idleMs());
        continue;
      }
      this.begin(rows);
    }
  }

  private lostSlotRace(error: unknown): boolean {
    return (error as { code?: string })?.code === '23505' && (this.queue.policy === 'singleton' || this.queue.policy === 'stately');
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
    // a wake-up that came while we were claiming is not discarded: it ends this sleep at once
    if (this.wakeController.signal.aborted) {
      this.wakeController = new AbortController();
      return;
    }
    await abortableSleep(ms, this.wakeController.signal);
    if (this.wakeController.signal.aborted) this.wakeController = new AbortController();
  }

  private begin(rows: any[]): void {
    for (const row of rows) {
      const claimed: ClaimedJob = {
        id: row.id,
        data: row.data,
        retryCount: row.retry_count,
        retryLimit: row.retry_limit ?? this.task.retry.retries,
        expireSeconds: row.expire_seconds,
        claim: row.claim,
        writtenLines: row.written_lines ?? 0,
        truncatedLines: row.truncated_lines ?? 0,
        meta: { name: row.name ?? null, onFail: row.on_fail ?? null, hasDependents: row.has_dependents === true },
      };
      const running = runJob(claimed, this.task, {
        logs: this.s.logs,
        api: this.s.api,
        settler: this,
        saveProgress: this.saveProgress,
        onHandlerReturned: this.handlerReturned,
        reportError: this.s.reportError,
      });
      this.busy++;
      // by claim: a job given up while its handler runs on (or taken by a lost-runner pass) can be claimed
      // here again, and both attempts must stay reachable (shutdown, cancel, expiry, declared lost)
      this.running.set(claimed.claim, running);
      void running.done.finally(() => this.running.delete(claimed.claim));
    }
    if (!this.expirySweep) {
      this.expirySweep = setInterval(this.sweepExpired, EXPIRY_SWEEP_MS);
      this.expirySweep.unref();
    }
  }

  private sweepExpired = () => {
    const now = Date.now();
    for (const job of this.running.values()) if (now >= job.expiresAt) job.abort('expired');
    if (!this.running.size && this.expirySweep) {
      clearInterval(this.expirySweep);
      this.expirySweep = null;
    }
  };

  private handlerReturned = () => {
    this.busy--;
    this.wake();
  };

  private saveProgress = (job: RunningJob, progress: JobProgress) => {
    void this.s.bookPool
      .query(this.s.sql.saveProgress(job.id, this.name, storableJson(progress)))
      .then(() => this.s.bookPool.query(this.s.sql.notify(encodeEvents(this.s.origin, [['job:progress', { id: job.id, task: this.name, progress }]]))))
      .catch((error) => this.s.reportError(`progress ${this.name}`, error));
  };

  private retrying(job: { expiresAt: number }, what: string) {
    return {
      until: { expiresAt: job.expiresAt, giveUpAt: this.s.giveUpAt },
      onRetry: (error: unknown, retry: number) => {
        if (retry === 1 || retry % 10 === 0) this.s.reportError(`${what} ${this.name} (retrying)`, error);
      },
    };
  }

  // ---------------------------------------------------------------- AttemptSettler

  complete(job: RunningJob, output: unknown): Promise<void> {
    let stored: unknown;
    try {
      stored = output === undefined || output === null ? null : storableJson(typeof output === 'object' ? output : { value: output });
    } catch (error) {
      // e.g. a circular result: a retry gives the same result, so it fails the job at once
      return this.fail(job, {
        permanent: true,
        outcome: 'failed',
        message: `the task's result cannot be stored as JSON: ${(error as Error).message}`,
        stack: null,
      }).then(() => {});
    }
    return new Promise((resolve) => {
      this.completions.push({ job, output: stored, durationMs: Date.now() - job.startedAt, resolve });
      if (this.completions.length >= COMPLETION_BATCH) void this.flushSettlements();
      else this.settleTimer ??= setTimeout(() => void this.flushSettlements(), COMPLETION_DELAY_MS);
    });
  }

  async fail(job: RunningJob, f: FailureRecord): Promise<{ willRetry: boolean } | null> {
    const { until, onRetry } = this.retrying(job, 'fail');
    const { rows } = await settleWithRetry(
      () => this.s.pool.query(this.s.life.fail(this.name, { id: job.id, claim: job.claim, ...f }, this.s.origin)),
      until,
      onRetry,
    );
    const row = rows[0];
    if (!row) return null; // the claim was no longer this runner's: nothing changed
    // the retry's due time is new: the loop may have computed its sleep before this commit
    if (row.job_state === 'retry') this.wake();
    if (row.job_state === 'failed') {
      if (row.on_fail || row.has_dependents) this.s.kick();
      else this.lookForLateDependents([job.id]);
    }
    return { willRetry: row.job_state === 'retry' };
  }

  async giveBack(job: RunningJob, reason: string): Promise<void> {
    const { until, onRetry } = this.retrying(job, 'return');
    await settleWithRetry(() => this.s.pool.query(this.s.life.giveBack(this.name, [{ id: job.id, claim: job.claim }], reason, this.s.origin)), until, onRetry);
  }

  /** Completes all queued completions in one statement (job, attempt and events). */
  flushSettlements(): Promise<void> {
    if (this.settleTimer) {
      clearTimeout(this.settleTimer);
      this.settleTimer = null;
    }
    const batch = this.completions;
    this.completions = [];
    if (batch.length) this.settling = this.settling.then(() => this.settleCompletions(batch));
    return this.settling;
  }

  private async settleCompletions(batch: PendingCompletion[]): Promise<void> {
    try {
      await this.completeBatch(batch);
    } catch (error) {
      if (batch.length > 1 && !isTransientDbError(error)) {
        // One item the statement cannot take (a trigger, a constraint, an output the database refuses)
        // must not sink the other completions with it: settle them one by one.
        for (const b of batch) await this.completeAlone(b);
      } else if (batch.length === 1) {
        await this.completeAlone(batch[0], error);
      } else {
        // The database stayed away until the attempts' deadline: they stay active under this runner's
        // claim; after its expiry pg-boss retries them.
        this.s.reportError(`complete ${this.name}`, error);
      }
    } finally {
      for (const b of batch) b.resolve();
    }
  }

  private async completeBatch(batch: PendingCompletion[]): Promise<void> {
    const { until, onRetry } = this.retrying({ expiresAt: Math.min(...batch.map((b) => b.job.expiresAt)) }, 'complete');
    const { rows } = await settleWithRetry(
      () =>
        this.s.pool.query(
          this.s.life.complete(
            this.name,
            batch.map((b) => ({ id: b.job.id, claim: b.job.claim, output: b.output, durationMs: b.durationMs })),
            this.s.origin,
          ),
        ),
      until,
      onRetry,
    );
    const completed = rows.filter((r) => r.outcome === 'completed');
    if (completed.some((r) => r.has_dependents)) this.s.kick();
    else if (completed.length) this.lookForLateDependents(completed.map((r) => r.id));
  }

  /** Gathers settled ids for one look after their commits (at most every 50 ms; at stop, at once). */
  private lookForLateDependents(ids: string[]) {
    this.lateIds.push(...ids);
    if (this.lateTimer) return;
    this.lateTimer = setTimeout(() => void this.lookNow(), LATE_DEPENDENTS_DELAY_MS);
    this.lateTimer.unref?.();
  }

  private lookNow(): Promise<void> {
    if (this.lateTimer) clearTimeout(this.lateTimer);
    this.lateTimer = null;
    const ids = this.lateIds.splice(0);
    if (ids.length) this.lateLook = this.lateLook.then(() => this.kickForLateDependents(ids));
    return this.lateLook;
  }

  /**
   * A settlement reads has_dependents with the snapshot its statement started with: a dependent
   * committed while that statement ran (its enqueue saw the job still running, so it was held) is
   * invisible to it, and its enqueue's own look (dependencyPending) may have come before this commit.
   * Read once more, after the commit; between the two looks no dependent is left waiting.
   */
  private async kickForLateDependents(ids: string[]): Promise<void> {
    try {
      const { rows } = await this.s.pool.query(this.s.sql.anyWaitingDependents(ids));
      if (rows[0]?.any) this.s.kick();
    } catch (error) {
      // the periodic pass releases it
      this.s.reportError(`dependents of ${this.name}`, error);
    }
  }

  /**
   * A completion the database refuses for good is failed, permanently, with the reason: given back
   * instead it would run again and be refused again, without end.
   */
  private async completeAlone(b: PendingCompletion, known?: unknown): Promise<void> {
    let error = known;
    if (error === undefined) {
      try {
        return await this.completeBatch([b]);
      } catch (e) {
        error = e;
      }
    }
    this.s.reportError(`complete ${this.name}`, error);
    if (isTransientDbError(error)) return;
    await this.fail(b.job, {
      permanent: true,
      outcome: 'failed',
      message: storableText(`the task succeeded but its completion could not be recorded: ${errorMessage(error)}`, 2000),
      stack: null,
    }).catch((e) => this.s.reportError(`fail ${this.name}`, e));
  }
}
