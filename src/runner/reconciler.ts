// Housekeeping shared by all runners. Every few seconds: lost runners (their running jobs restart at
// once). Periodically: claims of this runner whose reply never arrived (given back), dependencies
// (release or fail dependents), on-fail handlers, retention of completed jobs, the paused-queue list.
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { bossDbFor, inTransaction } from './db.ts';
import { encodeEvents, publishEvents, type EventTuple } from './events.ts';
import type { LifecycleSql } from './lifecycle-sql.ts';
import type { Sql } from './sql.ts';
import type { OnFailArgs, RunnerEvents } from './types.ts';

const RETENTION_LOCK = 0x1f_9e_0e_02;

export interface ReconcilerDeps {
  pool: pg.Pool;
  boss: PgBoss;
  sql: Sql;
  life: LifecycleSql;
  origin: string;
  runnerId: string;
  /** how often the periodic pass runs */
  housekeepingSeconds: number;
  /** how often lost runners are looked for; null: never (a watching dashboard runs no jobs, so it leaves that to runners that do) */
  livenessCheckMs: number | null;
  /** a runner that has not heart-beaten for this long is lost even if its session lives (frozen) */
  lostAfterSeconds: number;
  /** after a PostgreSQL restart, how long runners get to take their liveness locks again */
  lockGraceSeconds: number;
  /** when this runner's own heartbeat last failed (0: never) */
  lastOwnFailureAt: () => number;
  retentionSeconds: number;
  /** gives back attempts this runner holds in the database but not in memory */
  checkOwnAttempts: () => Promise<void>;
  /** enqueue through the runner API (validates the on-fail task's arguments) */
  enqueueOnFail: (task: string, args: OnFailArgs, db: pg.PoolClient) => Promise<string>;
  onPaused: (paused: Set<string>) => void;
  reportError: (where: string, error: unknown) => void;
  emitLocal: <E extends keyof RunnerEvents>(event: E, payload: RunnerEvents[E]) => void;
}

export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private livenessTimer: NodeJS.Timeout | null = null;
  private checkingLiveness: Promise<void> | null = null;
  private kickTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private lastRetention = 0;

  constructor(private readonly d: ReconcilerDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.scheduleLiveness();
    // the first periodic pass runs at start: a runner started after an outage sweeps at once
    void this.pass(true).finally(() => this.schedule());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // a kick asked for now (the last jobs' completions have dependents): no other runner would hear of it
    const kicked = this.kickTimer !== null;
    if (this.timer) clearTimeout(this.timer);
    if (this.kickTimer) clearTimeout(this.kickTimer);
    if (this.livenessTimer) clearTimeout(this.livenessTimer);
    this.timer = this.kickTimer = this.livenessTimer = null;
    await Promise.all([this.running, this.checkingLiveness]);
    if (kicked) await this.passOnce(false);
  }

  /** Asks for a pass soon (coalesced). */
  kick(): void {
    if (this.stopped || this.kickTimer) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = null;
      void this.pass(false);
    }, 20);
  }

  private schedule() {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.pass(true).finally(() => this.schedule());
    }, this.d.housekeepingSeconds * 1000);
    this.timer.unref?.();
  }

  private scheduleLiveness() {
    if (this.stopped || this.d.livenessCheckMs === null) return;
    this.livenessTimer = setTimeout(() => {
      this.checkingLiveness = this.step('lost runners', () => this.recoverLostRunners()).finally(() => {
        this.checkingLiveness = null;
        this.scheduleLiveness();
      });
    }, this.d.livenessCheckMs);
    this.livenessTimer.unref?.();
  }

  /** One pass; concurrent requests run one more pass after the current one. */
  async pass(periodic = false): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.passOnce(periodic);
        periodic = false;
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = null));
    return this.running;
  }

  private async step(name: string, fn: () => Promise<void>) {
    try {
      await fn();
    } catch (error) {
      this.d.reportError(`reconcile: ${name}`, error);
    }
  }

  private async passOnce(periodic: boolean): Promise<void> {
    const { pool, sql } = this.d;
    if (periodic) {
      await this.step('own attempts', () => this.d.checkOwnAttempts());
      await this.step('paused queues', async () => {
        const { rows } = await pool.query(sql.pausedQueues());
        this.d.onPaused(new Set(rows.map((r) => r.task)));
      });
    }
    await this.step('dependencies', () => this.resolveDependencies());
    await this.step('on-fail', () => this.dispatchOnFail());
    if (periodic && Date.now() - this.lastRetention > 3600_000) {
      this.lastRetention = Date.now();
      await this.step('retention', () => this.applyRetention());
      await this.step('prune runners', async () => void (await pool.query(sql.pruneRunners())));
    }
  }

  /** Declares lost runners and restarts their running jobs at once (one statement). */
  async recoverLostRunners(): Promise<void> {
    // A heartbeat judged while this runner's own heartbeats fail could be one the database never saw.
    const judgeHeartbeats = Date.now() - this.d.lastOwnFailureAt() >= this.d.lostAfterSeconds * 1000;
    const { rows } = await this.d.pool.query(
      this.d.life.declareLost({
        self: this.d.runnerId,
        lockGraceSeconds: this.d.lockGraceSeconds,
        staleSeconds: this.d.lostAfterSeconds,
        judgeHeartbeats,
      }),
    );
    if (!rows.length) return;
    const runners = new Map<string, { host: string; pid: number }>();
    const events: EventTuple[] = [];
    const queues = new Set<string>();
    for (const row of rows) {
      runners.set(row.runner_id, { host: row.host, pid: row.pid });
      if (!row.job_id) continue;
      if (row.state === 'retry') queues.add(row.task);
      events.push(['job:failed', { id: row.job_id, task: row.task, attempt: row.attempt, error: row.message, willRetry: row.state === 'retry' }]);
    }
    for (const [id, r] of runners) events.unshift(['runner:down', { id, host: r.host, pid: r.pid, reason: 'lost' }]);
    if (queues.size) await this.d.pool.query(this.d.life.wakeQueues([...queues]));
    await publishEvents(this.d.pool, this.d.origin, events);
    this.kick();
  }

  async resolveDependencies(): Promise<void> {
    const released = await this.d.pool.query(this.d.sql.releaseDependents());
    const failed = await this.d.pool.query(this.d.sql.failOrphanedDependents());
    const events: EventTuple[] = [];
    for (const row of released.rows) events.push(['job:released', { ids: [row.id], task: row.task }]);
    for (const row of failed.rows) events.push(['job:failed', { id: row.id, task: row.task, attempt: 0, error: row.error, willRetry: false }]);
    if (!events.length) return;
    const queues = [...new Set(released.rows.map((r) => r.task as string))];
    const { rows: ch } = await this.d.pool.query(this.d.sql.bossChannel);
    await this.d.pool.query(`SELECT pg_notify($1, q) FROM unnest($2::text[]) AS q`, [ch[0].channel, queues]);
    await publishEvents(this.d.pool, this.d.origin, events);
    // A failed dependent may have dependents and an on-fail handler of its own.
    if (failed.rowCount) this.again = true;
  }

  async dispatchOnFail(): Promise<void> {
    for (;;) {
      const handled = await inTransaction(this.d.pool, async (client) => {
        const { rows } = await client.query(this.d.sql.pendingOnFail(20));
        for (const row of rows) {
          const output = (row.output ?? {}) as { message?: string; stack?: string };
          const args: OnFailArgs = {
            job: { id: row.job_id, task: row.task, name: row.name, args: row.data, attempts: row.retry_count + 1 },
            error: { message: output.message ?? 'failed', ...(output.stack ? { stack: output.stack } : {}) },
          };
          let handlerId: string | null = null;
          try {
            await client.query('SAVEPOINT on_fail');
            handlerId = await this.d.enqueueOnFail(row.on_fail, args, client);
            await client.query('RELEASE SAVEPOINT on_fail');
          } catch (error) {
            // The handler could not even be enqueued: record that, never hide the original failure.
            await client.query('ROLLBACK TO SAVEPOINT on_fail');
            this.d.reportError(`on-fail ${row.on_fail} for job ${row.job_id}`, error);
          }
          await client.query(this.d.sql.markOnFailDone(row.job_id, handlerId));
        }
        return rows.length;
      });
      if (handled < 20) return;
    }
  }

  async applyRetention(): Promise<void> {
    await inTransaction(this.d.pool, async (client) => {
      const { rows } = await client.query(this.d.sql.tryLock(RETENTION_LOCK));
      if (!rows[0].ok) return;
      const report = await client.query(this.d.sql.deleteFinished({ olderThanSeconds: this.d.retentionSeconds, includeFailed: false, task: null }));
      const count = (report.rows[0]?.completed ?? 0) + (report.rows[0]?.cancelled ?? 0);
      await client.query(this.d.sql.pruneOrphans());
      if (count) await client.query(this.d.sql.notify(encodeEvents(this.d.origin, [['job:deleted', { count, task: null }]])));
    });
  }
}

export { bossDbFor };
